"""The transactional outbox: a committed transition's notifications are written with it,
delivered once even when the message is delivered twice, and published later when the broker
was down at commit; a rolled-back transition promises nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from kombu.exceptions import OperationalError

from ops import outbox
from ops.models import OutboxMessage
from ops.tasks import deliver_outbox, flush_outbox
from petitions.models import Notification
from petitions.sms import LocmemSmsBackend
from petitions.workflow import petition_accept
from tests.petitions.conftest import A, at, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _outbox_on():
    LocmemSmsBackend.outbox.clear()
    with override_settings(OPS_OUTBOX=True):
        yield
    LocmemSmsBackend.outbox.clear()


def _phone(user, phone="13912345678"):
    user.phone = phone
    user.save(update_fields=["phone"])


def test_notifications_are_written_with_the_transition_and_delivered(world):
    _phone(world.employee)
    p = submit(world, now=at(2025, 9, 15)).petition
    rows = OutboxMessage.objects.filter(payload__petition_id=p.pk)
    assert rows.count() == 4  # the petitioner and the petition officers of the mine and above
    assert all(m.done_at is not None and m.published_at is not None for m in rows)
    assert Notification.objects.filter(user=world.employee, petition=p).count() == 1
    assert Notification.objects.filter(user=world.officer, petition=p).count() == 1
    assert len([t for _phone_no, t in LocmemSmsBackend.outbox if p.number in t]) == 1


def test_a_rolled_back_transition_promises_nothing(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
        raise RuntimeError("crash before commit")
    assert OutboxMessage.objects.count() == before


def test_a_message_delivered_twice_notifies_once(world):
    _phone(world.employee)
    p = submit(world, now=at(2025, 9, 15)).petition
    message = OutboxMessage.objects.get(payload__petition_id=p.pk, payload__kind="petitioner")
    # A worker died after the in-app notification and the SMS but before marking the message done.
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=None)
    deliver_outbox.delay(ids=[message.pk])
    deliver_outbox.delay(ids=[message.pk])
    assert Notification.objects.filter(user=world.employee, petition=p).count() == 1
    assert len([t for _n, t in LocmemSmsBackend.outbox if p.number in t]) == 1
    message.refresh_from_db()
    assert message.done_at is not None and set(message.progress) == {"inapp", "sms"}


def test_only_the_missing_effect_is_run_again(world):
    _phone(world.employee)
    p = submit(world, now=at(2025, 9, 15)).petition
    message = OutboxMessage.objects.get(payload__petition_id=p.pk, payload__kind="petitioner")
    progress = dict(message.progress)
    progress.pop("sms")  # died after the in-app notification, before the SMS
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=None, progress=progress)
    LocmemSmsBackend.outbox.clear()
    outbox.deliver(message.pk)
    assert Notification.objects.filter(user=world.employee, petition=p).count() == 1
    assert len(LocmemSmsBackend.outbox) == 1


def test_broker_down_at_commit_then_flushed(world, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_outbox, "apply_async", down)
    p = submit(world, now=at(2025, 9, 15)).petition  # the submission itself succeeds
    pending = OutboxMessage.objects.filter(payload__petition_id=p.pk)
    assert pending.count() == 4 and all(m.published_at is None and m.done_at is None for m in pending)
    assert not Notification.objects.filter(petition=p).exists()
    monkeypatch.undo()
    assert flush_outbox.delay().get() == {"republished": 0}  # younger than a minute: not yet
    pending.update(created_at=at(2025, 9, 15))
    assert flush_outbox.delay().get() == {"republished": 4}
    assert Notification.objects.filter(petition=p).count() == 4
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_a_failing_effect_is_retried_with_backoff(world, monkeypatch):
    from petitions import sms

    calls = []

    class Flaky(sms.LocmemSmsBackend):
        def send(self, phone, text):
            calls.append(text)
            if len(calls) == 1:
                raise OSError("gateway timeout")
            super().send(phone, text)

    monkeypatch.setattr(sms, "sms_backend", lambda: Flaky())
    _phone(world.employee)
    with override_settings(CELERY_TASK_EAGER_PROPAGATES=False):
        p = submit(world, now=at(2025, 9, 15)).petition
    message = OutboxMessage.objects.get(payload__petition_id=p.pk, payload__kind="petitioner")
    assert message.done_at is not None and message.attempts == 2  # failed once, retried once
    assert Notification.objects.filter(user=world.employee, petition=p).count() == 1  # not twice
    assert len(calls) == 2


def test_embedded_default_keeps_the_in_process_path(world):
    with override_settings(OPS_OUTBOX=False):
        p = submit(world, now=at(2025, 9, 15)).petition
    assert not OutboxMessage.objects.exists()
    assert Notification.objects.filter(petition=p).count() == 4


def test_a_message_lost_with_a_worker_is_published_again(world):
    p = submit(world, now=at(2025, 9, 15)).petition
    message = OutboxMessage.objects.get(payload__petition_id=p.pk, payload__kind="petitioner")
    Notification.objects.filter(petition=p, user=world.employee).delete()
    # Published, then the worker holding it died and the broker lost it: not done, never attempted.
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=None, progress={}, attempts=0)
    assert flush_outbox.delay().get() == {"republished": 0}  # maybe still queued behind others
    OutboxMessage.objects.filter(pk=message.pk).update(published_at=at(2025, 9, 15))
    with override_settings(OPS_OUTBOX_REPUBLISH_SECONDS=600):
        assert flush_outbox.delay().get() == {"republished": 1}
    assert Notification.objects.filter(petition=p, user=world.employee).count() == 1
