"""Two real connections racing on one petition (PostgreSQL row locks). Run by `./dev pg-test`."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from core.errors import DomainError
from petitions.choices import Category
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import Petition
from petitions.workflow import petition_accept, petition_decline
from tests.petitions.conftest import A, at, submit

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    """Start every call at once, each in its own thread (its own DB connection)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = fn()
        except DomainError as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_accept_and_decline_race_only_one_wins(world):
    assert connection.vendor == "postgresql"
    for _ in range(5):
        p = submit(world, now=at(2025, 9, 15)).petition
        outcomes = _race(
            lambda p=p: petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16)),
            lambda p=p: petition_decline(petition=p, actor=A(world.leader), reason="outside_remit",
                                         note="不属于本单位职责范围", now=at(2025, 9, 16)),
        )
        errors = [o for o in outcomes if isinstance(o, DomainError)]
        assert len(errors) == 1, outcomes
        assert errors[0].code == "invalid_state"
        p.refresh_from_db()
        assert p.state in ("accepted", "not_accepted")
        # Exactly one decision event after registration.
        assert list(p.events.values_list("kind", flat=True))[1] in ("accepted", "declined")
        assert p.events.filter(kind__in=["accepted", "declined"]).count() == 1


def test_numbers_never_collide_under_concurrent_intake(world):
    def one():
        draft = PetitionDraft(title="班车时间调整建议", content="建议把早班班车提前十分钟发车，方便职工换衣下井。",
                              category=Category.HOUSING_LIVING, unit=world.mine, identity=Identity())
        return petition_submit(petitioner=world.employee, draft=draft, now=at(2026, 3, 2)).petition.number

    outcomes = _race(*([one] * 8))
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert len(set(outcomes)) == 8
    assert Petition.objects.filter(number__in=outcomes).count() == 8
