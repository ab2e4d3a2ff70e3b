"""Personal data of petitioners is deleted PERSONAL_DATA_RETENTION_DAYS after the matter
ended, with an audit event per petition; the petition record and its evidence stay."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_verify
from petitions.choices import DeclineReason, State
from petitions.intake import find_by_receipt
from petitions.models import Petition, PetitionerIdentity
from petitions.rules import Actor
from petitions.workflow import petition_decline, petition_withdraw
from tests.petitions.conftest import A, submit

NOW = timezone.now()
LONG_AGO = NOW - timedelta(days=6 * 365)  # ended more than five years ago
RECENTLY = NOW - timedelta(days=4 * 365)  # ended, but inside the five years


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def withdrawn(world, when, **kw) -> Petition:
    p = submit(world, now=when - timedelta(days=3), **kw).petition
    return petition_withdraw(petition=p, actor=Actor(user=world.employee), reason="问题已解决", now=when)


@pytest.fixture
def petitions(world):
    old = withdrawn(world, LONG_AGO, title="六年前撤回的事项")
    recent = withdrawn(world, RECENTLY, title="四年前撤回的事项")
    still_open = submit(world, now=LONG_AGO, title="六年前提出、至今未办结").petition
    anonymous = submit(world, now=LONG_AGO - timedelta(days=3), anonymous=True, title="六年前的匿名事项")
    declined = petition_decline(petition=anonymous.petition, actor=A(world.officer),
                                reason=DeclineReason.OUTSIDE_REMIT,
                                note="属于地方政府职责，已告知信访人向所在地信访部门反映", now=LONG_AGO)
    return {"old": old, "recent": recent, "open": still_open, "anonymous": declined,
            "receipt": anonymous.receipt_code}


def test_the_default_retention_is_five_years(settings):
    assert settings.PERSONAL_DATA_RETENTION_DAYS == 1826


def test_identities_past_the_retention_are_deleted_with_an_audit_event_each(petitions):
    old, anonymous = petitions["old"], petitions["anonymous"]
    assert find_by_receipt(petitions["receipt"]) == anonymous
    events_before = old.events.count()
    out = purge()
    assert f"{old.number}：已删除身份信息" in out
    assert f"{anonymous.number}：已删除匿名查询码" in out
    assert "已删除 2 件信访事项的个人信息" in out
    assert not PetitionerIdentity.objects.filter(petition=old).exists()
    assert find_by_receipt(petitions["receipt"]) is None
    anonymous.refresh_from_db()
    assert (anonymous.receipt_lookup, anonymous.receipt_hash) == ("", "")
    # The record itself stays: state, text, events.
    old.refresh_from_db()
    assert old.state == State.WITHDRAWN and old.title == "六年前撤回的事项" and old.events.count() == events_before
    purged = {e.target_id: e.data for e in AuditEvent.objects.filter(action="identity.purged")}
    assert purged == {
        str(old.pk): {"identity": True, "receipt": False, "state": "withdrawn",
                      "closed_at": purged[str(old.pk)]["closed_at"], "retention_days": 1826},
        str(anonymous.pk): {"identity": False, "receipt": True, "state": "not_accepted",
                            "closed_at": purged[str(anonymous.pk)]["closed_at"], "retention_days": 1826},
    }
    assert AuditEvent.objects.get(action="identity.purged", target_id=str(old.pk)).user_agent == (
        "manage.py purge_personal_data"
    )
    assert audit_verify() == []


def test_matters_inside_the_retention_or_still_open_keep_their_identity(petitions):
    purge()
    for key in ("recent", "open"):
        assert PetitionerIdentity.objects.filter(petition=petitions[key]).exists(), key


def test_a_dry_run_deletes_nothing(petitions):
    out = purge("--dry-run")
    assert f"{petitions['old'].number}：将删除身份信息" in out and "（未执行）" in out
    assert PetitionerIdentity.objects.filter(petition=petitions["old"]).exists()
    assert find_by_receipt(petitions["receipt"]) == petitions["anonymous"]
    assert not AuditEvent.objects.filter(action="identity.purged").exists()


def test_a_second_run_finds_nothing_more(petitions):
    purge()
    assert "已删除 0 件" in purge()
    assert AuditEvent.objects.filter(action="identity.purged").count() == 2


def test_a_shorter_retention_reaches_more_matters(petitions, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 3 * 365
    purge()
    assert not PetitionerIdentity.objects.filter(petition=petitions["recent"]).exists()
    assert PetitionerIdentity.objects.filter(petition=petitions["open"]).exists()


def test_the_staff_page_shows_no_identity_after_the_purge(petitions, world, client):
    purge()
    client.force_login(world.officer)
    html = client.get(reverse("petitions:detail", args=[petitions["old"].public_id])).content.decode()
    assert "王*国" not in html and 'data-testid="reveal-form"' not in html
