"""The demo data goes through the services and is idempotent."""

from __future__ import annotations

import pytest

from orgs.demo import build_all
from publicity.demo import build_publicity
from publicity.models import Incident, Lecture, Piece, Placement

pytestmark = pytest.mark.django_db


def test_demo_builds_once():
    build_all()
    assert build_publicity() == 5
    counts = (Piece.objects.count(), Placement.objects.count(), Lecture.objects.count(), Incident.objects.count())
    assert counts == (5, 24, 8, 2)
    assert Piece.objects.filter(state="published").count() == 3
    assert Incident.objects.filter(escalated_at__isnull=False).count() == 1
    assert build_publicity() == 0
    assert counts == (Piece.objects.count(), Placement.objects.count(), Lecture.objects.count(), Incident.objects.count())
