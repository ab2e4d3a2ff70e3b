"""The engagement demo data: built through the services on the demo group, idempotent."""

from __future__ import annotations

import pytest

from audit.services import audit_verify
from engagement.demo import build_engagement
from engagement.models import (
    Attempt,
    CaseShare,
    Decision,
    LibraryCase,
    Meeting,
    Question,
    ScreeningEntry,
    VisitLog,
)
from orgs.demo import build_all
from petitions.demo import build_petitions

pytestmark = pytest.mark.django_db

MODELS = (Question, LibraryCase, CaseShare, VisitLog, Meeting, Decision, ScreeningEntry, Attempt)


def test_demo_is_built_and_idempotent():
    build_all()
    build_petitions()
    assert build_engagement() == 5
    counts = {m.__name__: m.objects.count() for m in MODELS}
    assert all(n > 0 for n in counts.values()), counts
    assert build_engagement() == 0
    assert {m.__name__: m.objects.count() for m in MODELS} == counts
    assert audit_verify() == []
