"""The demo data is built through the services, is consistent, and a second run adds nothing."""

from __future__ import annotations

import pytest

from orgs.demo import build_all
from party.demo import build_party
from party.models import DuesAssessment, Meeting, Member, Membership, PartyOrg, TransferLetter


@pytest.mark.django_db
def test_demo_builds_once():
    build_all()
    n = build_party()
    assert n > 50
    counts = (PartyOrg.objects.count(), Member.objects.count(), Meeting.objects.count(), DuesAssessment.objects.count())
    assert Meeting.objects.filter(org__code="ZB-TSK-ZC1").exists() and TransferLetter.objects.exists()
    assert Membership.objects.filter(end__isnull=True).count() == Member.objects.count()
    assert build_party() == 0
    assert counts == (PartyOrg.objects.count(), Member.objects.count(), Meeting.objects.count(),
                      DuesAssessment.objects.count())
