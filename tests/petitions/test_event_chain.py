from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from petitions.models import PetitionEvent
from petitions.workflow import petition_accept
from tests.audit.helpers import tampering
from tests.petitions.conftest import A, at, submit


def test_tampering_with_an_event_is_detected(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
    call_command("verify_petition_events")  # intact
    # Someone edits the database behind the platform's back (on PostgreSQL: with the
    # append-only trigger switched off, as only the tables' owner can).
    with tampering():
        PetitionEvent.objects.filter(petition=p, seq=2).update(note="篡改后的说明")
    with pytest.raises(CommandError):
        call_command("verify_petition_events")


def test_events_are_append_only(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    event = p.events.get()
    event.note = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
