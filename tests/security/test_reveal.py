"""Revealing a petitioner's identity: only cleared roles, never the accused or their line,
never for anonymous petitions, always with a reason, always in the audit log."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_verify
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.choices import Role
from orgs.models import RoleAssignment
from petitions.choices import NoticeKind, PetitionType
from petitions.models import Petition
from petitions.reveal import identity_reveal, may_reveal
from petitions.workflow import petition_accept, petition_assign
from tests.audit.helpers import tampering
from tests.petitions.conftest import A, person, submit

REASON = "需电话联系信访人核实工资发放情况"


def named(world, **kw) -> Petition:
    return submit(world, now=timezone.now(), **kw).petition


def reveals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="identity.reveal").order_by("id"))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "leader", "company_officer", "group_officer"])
def test_desk_roles_of_the_accepting_unit_and_above_see_the_identity(world, who):
    p = named(world)
    identity = identity_reveal(petition=p, acting_user=getattr(world, who), reason=REASON)
    assert identity.name == "王建国" and identity.employee_no == "Z1"
    [event] = reveals()
    assert event.actor == getattr(world, who)
    assert event.target_id == str(p.pk) and event.target_type == "petitions.petition"
    assert event.data["reason"] == REASON
    assert event.data["fields"] == ["name", "employee_no"]


def test_a_discipline_inspector_of_the_line_sees_the_identity_of_an_accusation(world):
    p = named(world, ptype=PetitionType.ACCUSATION, title="反映综采一队队长克扣工资", accused_user=world.handler)
    assert identity_reveal(petition=p, acting_user=world.inspector, reason="核查检举线索，需联系检举人").name == "王建国"


@pytest.mark.parametrize("who", ["other_officer", "handler", "outsider", "employee"])
def test_others_are_refused_and_nothing_is_written(world, who):
    p = petition_assign(petition=petition_accept(petition=named(world), actor=A(world.officer)),
                        actor=A(world.officer), handling_unit=world.team, handler=world.handler, leader=world.leader)
    before = AuditEvent.objects.count()
    user = getattr(world, who)
    assert not may_reveal(petition=p, acting_user=user)
    with pytest.raises(NotAllowed):
        identity_reveal(petition=p, acting_user=user, reason=REASON)
    assert AuditEvent.objects.count() == before


def test_a_system_administrator_is_not_cleared_as_such(world):
    admin = person("A1", "系统管理员", world.group, (Role.ADMINISTRATOR, world.group))
    with pytest.raises(NotAllowed, match="只有受理单位及其上级"):
        identity_reveal(petition=named(world), acting_user=admin, reason=REASON)
    assert reveals() == []


def test_the_accused_never_sees_the_identity_even_as_an_officer(world):
    # The mine's petition officer is accused: the accepting unit's own desk.
    p = named(world, ptype=PetitionType.ACCUSATION, title="反映信访干事泄露信息", accused_user=world.officer)
    with pytest.raises(NotAllowed, match="被检举人"):
        identity_reveal(petition=p, acting_user=world.officer, reason=REASON)
    assert reveals() == []


def test_leaders_of_the_accused_unit_and_of_its_parent_are_refused(world):
    team_leader = person("L2", "钱队长", world.team, (Role.UNIT_LEADER, world.team))
    # The handler works in the team; the mine (the leader's unit) is the team's parent.
    p = named(world, ptype=PetitionType.ACCUSATION, title="反映综采一队问题", accused_user=world.handler)
    for leader in (team_leader, world.leader):
        assert not may_reveal(petition=p, acting_user=leader)
        with pytest.raises(NotAllowed, match="被检举单位的负责人"):
            identity_reveal(petition=p, acting_user=leader, reason=REASON)
    assert identity_reveal(petition=p, acting_user=world.company_officer, reason=REASON).name == "王建国"
    assert [e.actor for e in reveals()] == [world.company_officer]


def test_an_anonymous_petition_has_nothing_to_reveal(world):
    p = named(world, anonymous=True)
    with pytest.raises(InvalidState, match="匿名"):
        identity_reveal(petition=p, acting_user=world.officer, reason=REASON)
    assert reveals() == []


@pytest.mark.parametrize("reason", ["", "   ", "核实", "看 一 下"])
def test_a_reason_of_at_least_five_characters_is_required(world, reason):
    with pytest.raises(InvalidInput, match="至少5个字"):
        identity_reveal(petition=named(world), acting_user=world.officer, reason=reason)
    assert reveals() == []


def test_a_reveal_stays_in_the_chain_and_erasing_it_is_detected(world):
    p = named(world)
    identity_reveal(petition=p, acting_user=world.officer, reason=REASON)
    [event] = reveals()
    with pytest.raises(RuntimeError):
        event.delete()
    assert audit_verify() == []
    with tampering():  # the petitioner's unit leader, with database access, tries anyway
        AuditEvent.objects.filter(pk=event.pk).delete()
    [problem] = audit_verify()
    assert "前序哈希不连续（其前有记录被删除）" in problem or "末尾记录被删除" in problem


# --- the page -------------------------------------------------------------------------------------


def reveal_url(p: Petition) -> str:
    return reverse("petitions:identity_reveal", args=[p.public_id])


def detail_url(p: Petition) -> str:
    return reverse("petitions:detail", args=[p.public_id])


def test_the_page_shows_the_identity_once_and_records_where_from(world, client):
    p = named(world)
    client.force_login(world.officer)
    page = client.get(detail_url(p)).content.decode()
    assert "王*国" in page and "王建国" not in page
    assert 'data-testid="reveal-form"' in page and reveal_url(p) in page
    response = client.post(reveal_url(p), {"reason": REASON}, REMOTE_ADDR="10.8.0.15",
                           HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger")
    assert response.status_code == 200
    html = response.content.decode()
    assert "王建国" in html and "Z1" in html and REASON in html
    assert "no-store" in response["Cache-Control"]
    [event] = reveals()
    assert (event.ip, event.user_agent, event.data["ip"]) == ("10.8.0.15", "Mozilla/5.0 MicroMessenger", "10.8.0.15")
    # Back on the petition page the identity is masked again.
    assert "王建国" not in client.get(detail_url(p)).content.decode()


def test_the_page_refuses_without_a_reason_and_reveals_nothing(world, client):
    p = named(world)
    client.force_login(world.officer)
    response = client.post(reveal_url(p), {"reason": "看看"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == detail_url(p)
    assert "至少5个字" in html and "王建国" not in html
    assert reveals() == []


def test_the_page_has_no_button_for_uncleared_staff_and_refuses_them(world, client):
    p = petition_assign(petition=petition_accept(petition=named(world), actor=A(world.officer)),
                        actor=A(world.officer), handling_unit=world.team, handler=world.handler, leader=world.leader)
    client.force_login(world.handler)
    assert 'data-testid="reveal-form"' not in client.get(detail_url(p)).content.decode()
    response = client.post(reveal_url(p), {"reason": REASON}, follow=True)
    assert "王建国" not in response.content.decode() and "只有受理单位及其上级" in response.content.decode()
    client.force_login(world.other_officer)
    assert client.post(reveal_url(p), {"reason": REASON}).status_code == 404  # not even visible
    assert client.get(reveal_url(p)).status_code == 405
    assert reveals() == []


def test_no_button_on_an_anonymous_petition(world, client):
    p = named(world, anonymous=True)
    client.force_login(world.officer)
    assert 'data-testid="reveal-form"' not in client.get(detail_url(p)).content.decode()


# --- notices addressed by name --------------------------------------------------------------------


def test_downloading_a_named_notice_is_audited_as_a_reveal(world, client):
    p = petition_accept(petition=named(world), actor=A(world.officer))
    notice = p.notices.get(kind=NoticeKind.ACCEPTANCE)
    url = reverse("petitions:notice_download", args=[notice.pk])
    client.force_login(world.officer)
    response = client.get(url, REMOTE_ADDR="10.8.0.16")
    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(action="notice.download")
    assert event.actor == world.officer and event.target_id == str(p.pk)
    assert event.data["kind"] == NoticeKind.ACCEPTANCE and event.ip == "10.8.0.16"
    # The petitioner fetching their own notice reveals nothing to anyone.
    client.force_login(world.employee)
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="notice.download").count() == 1


def test_downloading_a_notice_of_an_anonymous_petition_is_not_a_reveal(world, client):
    p = petition_accept(petition=named(world, anonymous=True), actor=A(world.officer))
    notice = p.notices.get(kind=NoticeKind.ACCEPTANCE)
    client.force_login(world.officer)
    assert client.get(reverse("petitions:notice_download", args=[notice.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="notice.download").exists()


def test_role_changes_take_effect(world):
    p = named(world)
    RoleAssignment.objects.filter(user=world.officer, role=Role.PETITION_OFFICER).delete()
    world.officer.forget_roles()
    with pytest.raises(NotAllowed):
        identity_reveal(petition=p, acting_user=world.officer, reason=REASON)
