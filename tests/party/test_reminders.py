"""Reminders before a period ends (issue 11 point 5): sent as platform notifications by the daily
beat task, to the branch secretary, once per branch × period × meeting kind × recipient."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import override_settings

from ops.models import OutboxMessage
from party import orgtree
from party.life import meeting_hold, meeting_plan, reminders
from party.models import LifeReminder, MeetingKind, OrgKind, PostKind, RuleVersion
from party.reminders import due_items, send_one, send_period_reminders
from party.tasks import send_life_reminders
from petitions.models import Notification
from petitions.sms import LocmemSmsBackend
from tests.party.conftest import add_members
from tongxin.lib.periods import SHANGHAI

NOV_25 = date(2026, 11, 25)  # 5 days before the month ends; the quarter and the year end in 36 days


def held(org, kind, on):
    m = meeting_plan(org=org, kind=kind, title=f"{kind} {on}", planned_on=on, actor=None)
    return meeting_hold(meeting=m, held_on=on, actor=None, present_ids={a.member_id for a in m.attendance.all()})


def notes(user):
    return list(Notification.objects.filter(user=user, text__startswith="组织生活提醒").values_list("text", flat=True))


def run_task(capture, on: datetime):
    with time_machine.travel(on, tick=False), capture(execute=True):
        return send_life_reminders.apply().get()


def test_task_run_twice_sends_one_notice_per_kind_to_the_secretary(world, django_capture_on_commit_callbacks):
    at = datetime(2026, 11, 25, 8, 5, tzinfo=SHANGHAI)
    first = run_task(django_capture_on_commit_callbacks, at)
    texts = notes(world.secretary)
    # the monthly kinds still due in November: 支委会 and 主题党日 (no groups: no 党小组会)
    assert len(texts) == 2 and first["sent"] >= 2
    assert any("综采一队党支部本月支委会已召开0次，应至少1次，2026-11-30截止（life.committee_meeting）" in t for t in texts)
    assert any("主题党日" in t for t in texts)
    second = run_task(django_capture_on_commit_callbacks, at)
    assert second["sent"] == 0 and second["already"] == first["sent"]
    later = run_task(django_capture_on_commit_callbacks, datetime(2026, 11, 28, 8, 5, tzinfo=SHANGHAI))
    assert later["sent"] == 0
    assert len(notes(world.secretary)) == 2
    assert LifeReminder.objects.filter(branch=world.branch, recipient=world.secretary).count() == 2


def test_the_right_recipients(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_period_reminders(NOV_25)
    assert all("综采一队党支部" in t for t in notes(world.secretary))
    assert all("同忻矿机关党支部" in t for t in notes(world.secretary2))
    assert len(notes(world.secretary2)) == 2
    # members, the group's party officer and outsiders are not reminded
    for user in (world.member_user, world.officer, world.outsider):
        assert notes(user) == []


def test_deputy_reminded_only_where_the_branch_has_no_secretary(world, django_capture_on_commit_callbacks):
    deputy = add_members(world.branch2, 1)[0].person
    term = orgtree.current_term(world.branch2)
    orgtree.post_assign(term=term, person=deputy, post=PostKind.DEPUTY, start=date(2025, 3, 1), actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        send_period_reminders(NOV_25)
    assert notes(deputy) == []  # the secretary is in office
    world.secretary2.party_posts.filter(post=PostKind.SECRETARY).update(end=date(2026, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        send_period_reminders(NOV_25)
    assert len(notes(deputy)) == 2


def test_nothing_for_a_period_already_complied_with(world, django_capture_on_commit_callbacks):
    held(world.branch, MeetingKind.COMMITTEE, date(2026, 11, 3))
    held(world.branch, MeetingKind.THEME_DAY, date(2026, 11, 20))
    with django_capture_on_commit_callbacks(execute=True):
        stats = send_period_reminders(NOV_25)
    assert notes(world.secretary) == []
    assert len(notes(world.secretary2)) == 2 and stats["sent"] == 2


def test_not_before_the_lead_time_and_the_lead_time_is_a_rule(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_period_reminders(date(2026, 11, 19))["sent"] == 0  # 11 days before the end
        assert send_period_reminders(date(2026, 11, 20))["sent"] == 4  # 10 days: life.reminder@v0
    RuleVersion.objects.create(code="life.reminder", value={"days_before": 40}, effective_from=date(2026, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        send_period_reminders(date(2026, 11, 21))
    kinds = set(LifeReminder.objects.filter(branch=world.branch).values_list("kind", flat=True))
    # within 40 days the quarter's and the year's kinds are due too
    assert {"general_meeting", "party_lecture", "review_meeting", "member_appraisal", "heart_talks"} <= kinds
    assert LifeReminder.objects.filter(kind="general_meeting").first().rule_version == "life.general_meeting@v0"


def test_group_meeting_due_while_one_group_has_not_met(world, django_capture_on_commit_callbacks):
    g1 = orgtree.org_create(code="G1", name="一组", kind=OrgKind.GROUP, parent=world.branch, units=[])
    g2 = orgtree.org_create(code="G2", name="二组", kind=OrgKind.GROUP, parent=world.branch, units=[])
    held(g1, MeetingKind.GROUP, date(2026, 11, 10))
    assert "group_meeting" in {i.kind for i in due_items(NOV_25) if i.branch_id == world.branch.pk}
    held(g2, MeetingKind.GROUP, date(2026, 11, 12))
    assert "group_meeting" not in {i.kind for i in due_items(NOV_25) if i.branch_id == world.branch.pk}


def test_same_items_as_the_workspace_shows(world):
    held(world.branch, MeetingKind.COMMITTEE, date(2026, 11, 3))
    for day in (date(2026, 11, 25), date(2026, 12, 22), date(2026, 3, 25)):
        for b in (world.branch, world.branch2):
            shown = {(r.kind, c.start) for r, c in reminders(b, day, within_days=10)}
            assert shown == {(i.kind, i.start) for i in due_items(day, 10) if i.branch_id == b.pk}


def test_a_second_node_sending_the_same_reminder_sends_nothing(world, django_capture_on_commit_callbacks):
    item = next(i for i in due_items(NOV_25) if i.branch_id == world.branch.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_one(item, world.secretary.pk, "组织生活提醒：一") is True
        # the other node read "not sent yet" before this one committed: its insert hits the key
        assert send_one(item, world.secretary.pk, "组织生活提醒：一") is False
    assert len(notes(world.secretary)) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        LifeReminder.objects.create(branch=world.branch, kind=item.kind, period_start=item.start,
                                    period_end=item.end, recipient=world.secretary)


@pytest.mark.django_db(transaction=True)
def test_through_the_outbox_twice_one_message_one_sms(world):
    LocmemSmsBackend.outbox.clear()
    with override_settings(OPS_OUTBOX=True):
        at = datetime(2026, 11, 25, 8, 5, tzinfo=SHANGHAI)
        for _ in range(2):
            with time_machine.travel(at, tick=False):
                send_life_reminders.apply().get()
    rows = OutboxMessage.objects.filter(payload__user_id=world.secretary.pk)
    assert rows.count() == 2 and all(m.done_at is not None for m in rows)
    assert len(notes(world.secretary)) == 2
    assert len([t for phone, t in LocmemSmsBackend.outbox if phone == world.secretary.phone]) == 2
    LocmemSmsBackend.outbox.clear()


def test_the_task_is_on_the_beat_schedule():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "party.tasks.send_life_reminders")
    assert entry["schedule"].hour == {8}


@pytest.mark.django_db(transaction=True)
def test_two_nodes_at_the_same_moment_send_each_reminder_once(world):
    """Two workers (two database connections) run the sending at the same instant, past the lock,
    with the outbox as in production: the unique key lets exactly one reminder row and one outbox
    message per branch × kind × period × recipient through; a delivery that failed after commit is
    delivered by the next flush, so every notice arrives exactly once."""
    import threading
    import time
    from datetime import timedelta

    from django.db import OperationalError, connections
    from django.utils import timezone

    from ops.tasks import flush_outbox

    barrier = threading.Barrier(2)
    finished: list[dict] = []
    errors: list[BaseException] = []

    def node():
        try:
            barrier.wait(timeout=30)
            for attempt in range(50):
                try:
                    finished.append(send_period_reminders(NOV_25))
                    break
                except OperationalError:
                    # SQLite's shared in-memory test database reports the other writer's lock at once
                    # instead of waiting; the task retries such an error (autoretry_for), so does this node
                    time.sleep(0.05 * (attempt + 1))
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)
        finally:
            connections.close_all()

    with override_settings(OPS_OUTBOX=True):
        threads = [threading.Thread(target=node) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert len(finished) == 2
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            flush_outbox.apply()  # what beat does every minute: deliveries that failed are retried
    # 2 kinds × 2 branches × 1 secretary: each reminder and each notice exactly once
    assert LifeReminder.objects.count() == 4
    messages = OutboxMessage.objects.filter(handler="petitions.tasks.deliver_notification_once",
                                            payload__text__startswith="组织生活提醒")
    assert messages.count() == 4 and all(m.done_at is not None for m in messages)
    for secretary in (world.secretary, world.secretary2):
        texts = notes(secretary)
        assert len(texts) == 2 and len(set(texts)) == 2
