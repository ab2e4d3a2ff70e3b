"""On PostgreSQL the database itself refuses to change or delete events (append-only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from petitions.models import PetitionEvent
from tests.audit.helpers import TRIGGERS
from tests.petitions.conftest import at, submit

pytestmark = pytest.mark.postgres_only


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return True
    return False


def test_the_triggers_are_installed(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE '%%append_only'")
        assert dict(cursor.fetchall()) == TRIGGERS


def test_update_and_delete_of_an_audit_row_are_refused(db):
    event = audit_record(actor=None, action="identity.reveal", target=None, data={"reason": "核实身份"})
    assert refused("UPDATE audit_auditevent SET data = '{}' WHERE id = %s", [event.pk])
    assert refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    # The savepoint inside pytest.raises: rolled back before the error is caught.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).data == {"reason": "核实身份"}


def test_update_and_delete_of_a_petition_event_are_refused(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    event = p.events.get()
    assert refused("UPDATE petitions_petitionevent SET note = 'x' WHERE id = %s", [event.pk])
    assert refused("DELETE FROM petitions_petitionevent WHERE id = %s", [event.pk])
    assert PetitionEvent.objects.get(pk=event.pk).note == event.note


def test_the_purge_switch_lets_only_rows_older_than_180_days_go(db):
    with time_machine.travel(timezone.now() - timedelta(days=181), tick=False):
        old = audit_record(actor=None, action="test.old", target=None)
    young = audit_record(actor=None, action="test.young", target=None)
    assert refused("DELETE FROM audit_auditevent WHERE id = %s", [old.pk])  # not without the switch
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL tongxin.audit_purge = 'on'")
        assert refused("DELETE FROM audit_auditevent WHERE id = %s", [young.pk])
        assert refused("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [old.pk])
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [old.pk])
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.young"]
