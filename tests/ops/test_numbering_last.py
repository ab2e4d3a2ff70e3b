"""The petition number is drawn as the intake's last write (petitions/numbering.py), so the year's
number row is held for one statement and the commit, not the whole intake; the numbers stay
gapless and unique, a failed intake leaves nothing, and no message or record keeps the
provisional number."""

from __future__ import annotations

import io
import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import petitions.intake as intake
from audit.models import AuditEvent
from ops.models import OutboxMessage
from petitions.choices import Category
from petitions.identity import Identity
from petitions.models import Notification, NumberSequence, Petition, PetitionerIdentity, PetitionEvent
from petitions.numbering import PROVISIONAL_RE, is_provisional, provisional_number, with_number
from tests.petitions.conftest import at, submit

WRITE = re.compile(r"^\s*(WITH\b.*\bUPDATE|INSERT|UPDATE|DELETE)\b", re.I | re.S)


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if WRITE.match(q["sql"])]


@pytest.mark.django_db
def test_the_number_row_is_the_last_write(world):
    with CaptureQueriesContext(connection) as ctx:
        result = submit(world, now=at(2026, 3, 2))
    writes = _writes(ctx.captured_queries)
    seq = next(i for i, sql in enumerate(writes) if "numbersequence" in sql.lower() and "last" in sql.lower()
               and "insert" not in sql.lower()[:20])
    # Everything of the intake (petition, identity, event, triage, notifications) is written before;
    # after the increment only the petition's number is set (the same statement on PostgreSQL).
    after = writes[seq + 1:]
    assert all("petitions_petition" in sql and '"number"' in sql for sql in after), after
    assert len(after) <= 1
    assert any("petitions_petitionevent" in sql.lower() for sql in writes[:seq])
    assert any(sql.lstrip().upper().startswith("INSERT") and '"petitions_petition"' in sql for sql in writes[:seq])
    assert result.petition.number == "XF-2026-000001"
    assert Petition.objects.get(pk=result.petition.pk).number == "XF-2026-000001"


@pytest.mark.django_db
def test_numbers_are_gapless_per_year_and_grow_past_six_digits(world):
    numbers = [submit(world, now=at(2026, 3, 2)).petition.number for _ in range(3)]
    assert numbers == ["XF-2026-000001", "XF-2026-000002", "XF-2026-000003"]
    assert submit(world, now=at(2027, 1, 4)).petition.number == "XF-2027-000001"
    NumberSequence.objects.filter(year=2026).update(last=999_999)
    assert submit(world, now=at(2026, 3, 3)).petition.number == "XF-2026-1000000"
    assert not Petition.objects.filter(number__startswith="XF-TMP-").exists()


@pytest.mark.django_db
def test_a_failure_at_the_draw_leaves_nothing(world, monkeypatch):
    submit(world, now=at(2026, 3, 2))

    def broken(petition, at):
        raise RuntimeError("database went away at the draw")

    monkeypatch.setattr(intake, "assign_number", broken)
    with pytest.raises(RuntimeError):
        submit(world, now=at(2026, 3, 2), title="第二件")
    monkeypatch.undo()
    assert Petition.objects.count() == 1
    assert PetitionEvent.objects.count() == 1
    assert PetitionerIdentity.objects.count() == 1
    assert NumberSequence.objects.get(year=2026).last == 1
    # The next one takes the next number: no gap.
    assert submit(world, now=at(2026, 3, 2)).petition.number == "XF-2026-000002"


@pytest.mark.django_db
def test_provisional_numbers_are_unique_and_recognised():
    values = {provisional_number() for _ in range(1000)}
    assert len(values) == 1000
    assert all(is_provisional(v) and PROVISIONAL_RE.fullmatch(v) and len(v) <= 20 for v in values)
    assert not is_provisional("XF-2026-000001")


@pytest.mark.django_db(transaction=True)
def test_messages_written_before_the_draw_carry_the_real_number(world, settings, django_capture_on_commit_callbacks):
    # The officer's and the petitioner's notifications are written during the intake, before the
    # number exists; what they deliver names the real number.
    with django_capture_on_commit_callbacks(execute=True):
        p = submit(world, now=at(2026, 3, 2)).petition
    texts = list(Notification.objects.filter(petition=p).values_list("text", flat=True))
    assert texts and all("XF-TMP-" not in t for t in texts), texts
    assert any(p.number in t for t in texts), texts
    assert not AuditEvent.objects.filter(target_repr__contains="XF-TMP-").exists()


@pytest.mark.django_db(transaction=True)
def test_outbox_messages_deliver_the_real_number(world, settings):
    from petitions.sms import LocmemSmsBackend

    settings.OPS_OUTBOX = True
    world.employee.phone = "13912345678"
    world.employee.save(update_fields=["phone"])
    LocmemSmsBackend.outbox.clear()
    p = submit(world, now=at(2026, 3, 2)).petition
    # Written in the intake's transaction, before the draw: the stored payload names the placeholder.
    payload_texts = [m.payload["text"] for m in OutboxMessage.objects.filter(payload__petition_id=p.pk)]
    assert payload_texts and all(PROVISIONAL_RE.search(t) for t in payload_texts), payload_texts
    # Delivered after the commit: every effect names the real number.
    texts = list(Notification.objects.filter(petition=p).values_list("text", flat=True))
    assert len(texts) == len(payload_texts) and all("XF-TMP-" not in t and p.number in t for t in texts), texts
    sms = [t for _phone, t in LocmemSmsBackend.outbox]
    assert sms and all("XF-TMP-" not in t and p.number in t for t in sms), sms
    LocmemSmsBackend.outbox.clear()


def test_with_number_replaces_only_the_placeholder():
    class P:
        number = "XF-2026-000042"

    provisional = provisional_number()
    assert with_number(f"新信访事项{provisional}：工资", P()) == "新信访事项XF-2026-000042：工资"
    assert with_number("新信访事项XF-2025-000001：工资", P()) == "新信访事项XF-2025-000001：工资"
    assert with_number(f"x{provisional}", None) == f"x{provisional}"


@pytest.mark.django_db(transaction=True)
def test_ops_check_names_a_committed_provisional_number(world):
    p = submit(world, now=at(2026, 3, 2)).petition
    Petition.objects.filter(pk=p.pk).update(number=provisional_number())
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("ops_check", "--wait", "0", stdout=out)
    assert "FAIL no petition committed with a provisional number" in out.getvalue()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_slow_intake_does_not_hold_up_another_one(world, monkeypatch):
    """Intake A stalls after writing its petition, before its draw; intake B, on another
    connection, completes meanwhile (it would wait on the number row if A had drawn first).
    Then A draws the next number: both numbered, gapless, in commit order."""
    assert connection.vendor == "postgresql"
    submit(world, now=at(2026, 3, 2))  # the year's row exists
    a_written, release = threading.Event(), threading.Event()
    original = intake.assign_number

    def stalling(petition, at):
        if threading.current_thread().name == "intake-a":
            a_written.set()
            assert release.wait(timeout=30)
        return original(petition, at)

    monkeypatch.setattr(intake, "assign_number", stalling)
    numbers: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            draft = intake.PetitionDraft(title=f"班车时间调整建议{name}", content="建议把早班班车提前十分钟发车，方便职工换衣下井。",
                                         category=Category.HOUSING_LIVING, unit=world.mine, identity=Identity())
            with transaction.atomic():
                numbers[name] = intake.petition_submit(petitioner=world.employee, draft=draft, now=at(2026, 3, 2)).petition.number
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=run, args=("a",), name="intake-a")
    a.start()
    assert a_written.wait(timeout=30)
    b = threading.Thread(target=run, args=("b",), name="intake-b")
    b.start()
    b.join(timeout=20)
    b_done_while_a_open = not b.is_alive()
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    assert not errors, errors
    assert b_done_while_a_open, "intake B waited for intake A's commit"
    assert numbers == {"b": "XF-2026-000002", "a": "XF-2026-000003"}
    assert NumberSequence.objects.get(year=2026).last == 3
    assert sorted(Petition.objects.values_list("number", flat=True)) == [f"XF-2026-{n:06d}" for n in (1, 2, 3)]
