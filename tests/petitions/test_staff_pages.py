"""Staff pages through the Django test client: the inbox, the petition page and its actions,
registration, supervision, accountability, downloads and the home counters."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from petitions.choices import (
    AccountabilityGround,
    AccountabilityStatus,
    Channel,
    Flag,
    NoticeKind,
    ReplyOutcome,
    ReviewOutcome,
    State,
    SupervisionStatus,
)
from petitions.identity import unseal
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import AccountabilityRecord, Petition, SupervisionOrder
from petitions.rules import PETITIONER_ACTIONS, Action
from petitions.staff_forms import ACTION_FORMS
from petitions.views.staff import ACTION_FUNCTIONS
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
    petition_supervise,
)
from tests.petitions.conftest import A, submit


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def new(world, **kw) -> Petition:
    return submit(world, now=kw.pop("now", None) or timezone.now(), **kw).petition


def accepted(world, **kw) -> Petition:
    return petition_accept(petition=new(world, **kw), actor=A(world.officer))


def assigned(world, **kw) -> Petition:
    return petition_assign(petition=accepted(world, **kw), actor=A(world.officer), handling_unit=world.team,
                           handler=world.handler, leader=world.leader)


def as_user(client, user):
    client.force_login(user)
    return client


def detail_url(p: Petition) -> str:
    return reverse("petitions:detail", args=[p.public_id])


def act_url(p: Petition, action: str) -> str:
    return reverse("petitions:act", args=[p.public_id, action])


def actions_on_page(response) -> set[str]:
    html = response.content.decode()
    return {a.value for a in Action if f'data-action="{a.value}"' in html}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def snapshot(p: Petition) -> tuple[dict, int]:
    return Petition.objects.values().get(pk=p.pk), p.events.count()


def test_every_staff_action_has_a_form_and_a_workflow_verb():
    assert set(ACTION_FUNCTIONS) == set(ACTION_FORMS) == set(Action) - PETITIONER_ACTIONS


# --- inbox and scoping -------------------------------------------------------------------------


def test_officer_sees_the_petition_in_the_inbox_other_mines_officer_does_not(world, client):
    p = accepted(world)
    response = as_user(client, world.officer).get(reverse("petitions:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert p.number in html and p.title in html
    assert 'data-count="open">1<' in html

    other = as_user(client, world.other_officer)
    response = other.get(reverse("petitions:inbox"))
    assert response.status_code == 200
    assert p.number not in response.content.decode()
    notice = p.notices.get(kind=NoticeKind.ACCEPTANCE)
    assert other.get(detail_url(p)).status_code == 404
    assert other.get(reverse("petitions:notice_download", args=[notice.pk])).status_code == 404
    assert other.post(act_url(p, "assign"), {"handling_unit": world.team.pk}).status_code == 404


def test_attachments_download_only_for_those_who_see_the_petition(world, client):
    draft = PetitionDraft(title="井下巷道积水无人处理", content="三号巷道积水已经一周，多次反映无人处理，影响通行安全。",
                          category="safety", unit=world.mine)
    p = petition_submit(petitioner=world.employee, draft=draft, uploads=[png("积水.png")]).petition
    attachment = p.attachments.get()
    url = reverse("petitions:attachment_download", args=[attachment.pk])

    officer = as_user(client, world.officer)
    page = officer.get(detail_url(p)).content.decode()
    assert url in page and "积水.png" in page
    response = officer.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "attachment" in response["Content-Disposition"]

    assert as_user(client, world.other_officer).get(url).status_code == 404
    assert as_user(client, world.outsider).get(url).status_code == 404


def test_inbox_needs_a_desk_role(world, client):
    response = as_user(client, world.employee).get(reverse("petitions:inbox"))
    assert response.status_code == 403
    assert "信访工作台供" in response.content.decode()


def test_inbox_filters_and_deadline_colours(world, client):
    late = new(world, title="食堂饭菜价格上涨过快", category="housing_living",
               now=timezone.now() - timedelta(days=20))
    fresh = new(world, title="综采一队十月绩效工资少发")
    officer = as_user(client, world.officer)
    html = officer.get(reverse("petitions:inbox")).content.decode()
    # Sorted by deadline: the overdue one first, shown in red.
    assert html.index(late.number) < html.index(fresh.number)
    assert 'tx-days-left overdue' in html and "超期" in html

    html = officer.get(reverse("petitions:inbox"), {"due": "overdue"}).content.decode()
    assert late.number in html and fresh.number not in html
    html = officer.get(reverse("petitions:inbox"), {"q": fresh.number}).content.decode()
    assert fresh.number in html and late.number not in html
    html = officer.get(reverse("petitions:inbox"), {"category": "housing_living"}).content.decode()
    assert late.number in html and fresh.number not in html
    html = officer.get(reverse("petitions:inbox"), {"unit": world.team.pk}).content.decode()
    assert late.number not in html and fresh.number not in html  # both sit at the mine
    # A unit outside the user's scope is not a valid choice: the filter is ignored, not an error.
    response = officer.get(reverse("petitions:inbox"), {"unit": world.other_mine.pk, "state": "nonsense"})
    assert response.status_code == 200
    assert "查询条件无效" in response.content.decode()


def test_inbox_query_count_does_not_grow_with_rows(world, client, django_assert_max_num_queries):
    officer = as_user(client, world.officer)
    new(world)
    officer.get(reverse("petitions:inbox"))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as one:
        assert officer.get(reverse("petitions:inbox")).status_code == 200
    for i in range(11):
        p = new(world, title=f"第{i}件绩效工资问题")
        if i % 2:
            p = petition_accept(petition=p, actor=A(world.officer))
            petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team,
                            handler=world.handler, leader=world.leader)
    with django_assert_max_num_queries(len(one)):
        response = officer.get(reverse("petitions:inbox"))
    assert response.content.decode().count("data-number=") == 12


def test_worklist_lists_what_the_handler_handles(world, client):
    p = assigned(world)
    other = new(world, title="另一件未交办的事项")
    html = as_user(client, world.handler).get(reverse("petitions:worklist")).content.decode()
    assert p.number in html and other.number not in html
    html = as_user(client, world.leader).get(reverse("petitions:worklist")).content.decode()
    assert p.number in html
    html = as_user(client, world.officer).get(reverse("petitions:worklist")).content.decode()
    assert p.number not in html


# --- the petition page: what is shown ------------------------------------------------------------


def test_detail_shows_only_the_actions_this_user_may_take(world, client):
    p = new(world)
    employee_page = as_user(client, world.employee).get(detail_url(p))
    assert employee_page.status_code == 200
    assert actions_on_page(employee_page) == set()

    officer_page = as_user(client, world.officer).get(detail_url(p))
    assert {"accept", "decline", "forward", "merge"} <= actions_on_page(officer_page)
    assert "reply" not in actions_on_page(officer_page)

    assert as_user(client, world.handler).get(detail_url(p)).status_code == 404  # not yet assigned
    p = petition_accept(petition=p, actor=A(world.officer))
    p = petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                        leader=world.leader)
    handler_actions = actions_on_page(as_user(client, world.handler).get(detail_url(p)))
    assert handler_actions == {"reply"}
    leader_actions = actions_on_page(as_user(client, world.leader).get(detail_url(p)))
    assert {"reply", "extend"} <= leader_actions
    assert "accept" not in leader_actions


def test_detail_masks_the_petitioner_and_marks_internal_events(world, client):
    p = assigned(world)
    petition_supervise(petition=p, actor=A(world.company_officer), reason="请加快办理并按期答复。")
    html = as_user(client, world.officer).get(detail_url(p)).content.decode()
    assert "王*国" in html
    assert "王建国" not in html  # not in the identity card, nor as the actor of the first event
    assert 'data-internal="1"' in html  # the supervision event is internal
    assert "督办" in html

    petitioner_html = as_user(client, world.employee).get(detail_url(p)).content.decode()
    assert 'data-internal="1"' not in petitioner_html
    assert "请加快办理并按期答复" not in petitioner_html


# --- actions through the act view ----------------------------------------------------------------


def test_accept_assign_reply_through_the_pages(world, client):
    p = new(world)
    officer = as_user(client, world.officer)
    response = officer.post(act_url(p, "accept"), {"note": "属于本单位职责", "version": p.version}, follow=True)
    assert response.status_code == 200
    assert any("已受理" in m for m in messages_of(response))
    p.refresh_from_db()
    assert p.state == State.ACCEPTED

    response = officer.post(act_url(p, "assign"), {
        "handling_unit": world.team.pk, "handler": world.handler.pk, "leader": world.leader.pk,
        "note": "请十日内核实", "version": p.version,
    })
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == State.HANDLING and p.handler == world.handler and p.leader == world.leader

    handler = as_user(client, world.handler)
    response = handler.post(act_url(p, "reply"), {
        "outcome": ReplyOutcome.SUPPORT, "text": "经核实，十月绩效因录入错误少计八百元，已于本月补发。",
    }, follow=True)
    p.refresh_from_db()
    assert p.state == State.REPLIED and p.reply_outcome == ReplyOutcome.SUPPORT
    assert p.notices.filter(kind=NoticeKind.REPLY).exists()
    assert any("已答复" in m for m in messages_of(response))


def test_decide_review_through_the_page(world, client):
    p = assigned(world)
    p = petition_reply(petition=p, actor=A(world.handler), outcome=ReplyOutcome.NOT_SUPPORT,
                       text="经核实，绩效考核扣分有据，不予支持。")
    petition_request_review(petition=p, actor=A(world.employee), text="扣分依据不成立，请求复查。")
    reviewer = as_user(client, world.company_officer)
    assert "decide_review" in actions_on_page(reviewer.get(detail_url(p)))
    assert "decide_review" not in actions_on_page(as_user(client, world.officer).get(detail_url(p)))

    reviewer = as_user(client, world.company_officer)
    reviewer.post(act_url(p, "decide_review"), {
        "outcome": ReviewOutcome.CHANGE, "opinion": "经复查，扣分依据不足，变更原处理意见，予以补发。",
    })
    p.refresh_from_db()
    assert p.state == State.REVIEWED
    review = p.reviews.get()
    assert review.outcome == ReviewOutcome.CHANGE and review.decided_by == world.company_officer
    # An overturned reply opens an accountability record tied to the deciding event.
    record = AccountabilityRecord.objects.get(petition=p)
    assert record.ground == AccountabilityGround.REPLY_OVERTURNED
    assert record.cause_event.kind == "review_decided"


def test_refused_action_shows_the_message_and_changes_nothing(world, client):
    p = assigned(world)
    before = snapshot(p)
    # The handler may see the petition but not accept it: the state says no.
    response = as_user(client, world.handler).post(act_url(p, "accept"), {}, follow=True)
    assert response.status_code == 200
    assert any("当前状态为“办理中”，不能进行此操作" in m for m in messages_of(response))
    # The officer may not write the reply: only the handler or the leader.
    response = as_user(client, world.officer).post(act_url(p, "reply"), {
        "outcome": ReplyOutcome.SUPPORT, "text": "经核实情况属实，予以支持并补发。"}, follow=True)
    assert any("只有承办人或责任领导可以出具处理意见" in m for m in messages_of(response))
    assert snapshot(p) == before


def test_petitioner_who_is_staff_cannot_act_on_own_petition(world, client):
    p = new(world)
    before = snapshot(p)
    response = as_user(client, world.employee).post(act_url(p, "accept"), {}, follow=True)
    assert any("依法回避" in m for m in messages_of(response))
    assert snapshot(p) == before


@pytest.mark.parametrize(
    ("who", "action", "data", "message"),
    [
        ("leader", "extend", {"days": "45", "reason": "需要现场核查"}, "延长期限最长30日"),
        ("leader", "extend", {"days": "十", "reason": "需要现场核查"}, "延长天数"),
        ("leader", "extend", {"days": "10", "reason": ""}, "延期理由"),
        ("handler", "reply", {"outcome": "support", "text": "同意补发"}, "至少10个字"),
        ("handler", "reply", {"outcome": "maybe", "text": "经核实情况属实，予以支持并补发。"}, "处理结论"),
        ("officer", "reassign", {"handler": "abc", "note": "换人"}, "新承办人"),
        ("officer", "reassign", {"handler": "999999", "note": "换人"}, "新承办人"),
        ("officer", "transfer", {"to_unit": "", "note": "移交"}, "目标单位"),
        ("company_officer", "supervise", {"reason": ""}, "督办事由"),
    ],
)
def test_bad_input_is_a_message_not_an_error(world, client, who, action, data, message):
    p = assigned(world)
    before = snapshot(p)
    response = as_user(client, getattr(world, who)).post(act_url(p, action), data, follow=True)
    assert response.status_code == 200
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert snapshot(p) == before


def test_a_stale_page_does_not_overwrite_a_newer_change(world, client):
    p = assigned(world)
    stale = p.version - 1  # the page was opened before the assignment
    before = snapshot(p)
    response = as_user(client, world.officer).post(act_url(p, "reassign"), {
        "handler": world.handler.pk, "note": "改由他人承办", "version": stale}, follow=True)
    assert any("已被他人更新" in m for m in messages_of(response))
    assert snapshot(p) == before


def test_extend_within_30_days_works(world, client):
    p = assigned(world)
    as_user(client, world.leader).post(act_url(p, "extend"), {"days": "30", "reason": "涉及多个部门，需现场核查"})
    p.refresh_from_db()
    assert p.extension_count == 1
    assert p.notices.filter(kind=NoticeKind.EXTENSION).exists()


def test_decline_without_legal_channel_and_merge_by_number(world, client):
    original = new(world)
    duplicate = new(world, title="绩效工资少发（重复反映）")
    officer = as_user(client, world.officer)
    before = snapshot(duplicate)
    response = officer.post(act_url(duplicate, "decline"), {"reason": "legal_procedure", "note": "应申请劳动仲裁"},
                            follow=True)
    assert any("须写明引导的途径" in m for m in messages_of(response))
    response = officer.post(act_url(duplicate, "merge"), {"into": "XF-1999-000001"}, follow=True)
    assert any("未找到信访编号" in m for m in messages_of(response))
    assert snapshot(duplicate) == before

    officer.post(act_url(duplicate, "merge"), {"into": original.number.lower(), "note": "同一事项"})
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == original


def test_unknown_or_petitioner_action_is_404_and_get_is_405(world, client):
    p = new(world)
    officer = as_user(client, world.officer)
    assert officer.post(act_url(p, "explode"), {}).status_code == 404
    assert officer.post(act_url(p, "rate"), {"rating": "satisfied"}).status_code == 404
    assert officer.get(act_url(p, "accept")).status_code == 405
    p.refresh_from_db()
    assert p.state == State.REGISTERED


def test_forward_out_of_scope_lands_on_the_inbox(world, client):
    p = new(world)
    response = as_user(client, world.officer).post(act_url(p, "forward"), {
        "to_unit": world.other_mine.pk, "note": "属于同忻矿职责"})
    assert response.status_code == 302 and response["Location"] == reverse("petitions:inbox")
    p.refresh_from_db()
    assert p.unit == world.other_mine and p.state == State.REGISTERED
    assert p.number in as_user(client, world.other_officer).get(reverse("petitions:inbox")).content.decode()


# --- supervision ---------------------------------------------------------------------------------


def test_supervise_and_answer(world, client):
    p = assigned(world)
    as_user(client, world.company_officer).post(act_url(p, "supervise"), {"reason": "群众反映强烈，请加快办理。"})
    order = SupervisionOrder.objects.get(petition=p)
    assert order.to_unit == world.mine and order.status == SupervisionStatus.OPEN

    url = reverse("petitions:supervision_answer", args=[order.pk])
    html = as_user(client, world.officer).get(detail_url(p)).content.decode()
    assert url in html
    response = as_user(client, world.other_officer).post(url, {"answer": "已整改完毕"})
    assert response.status_code == 404
    response = as_user(client, world.officer).post(url, {"answer": "已采纳督办意见，三日内答复信访人。"}, follow=True)
    order.refresh_from_db()
    assert order.status == SupervisionStatus.ANSWERED
    assert any("已回复督办单" in m for m in messages_of(response))


# --- registration --------------------------------------------------------------------------------


def register_data(world, **overrides) -> dict:
    data = {
        "channel": Channel.VISIT,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "unit": world.mine.pk,
        "category": "wages",
        "ptype": "request",
        "title": "综采二队八名职工反映加班费未发",
        "content": "八名职工集体来访，反映九月、十月加班费未按规定发放，请求核实补发。",
        "name": "张大山",
        "phone": "13800138000",
        "id_number": "140202198001011234",
        "address": "大同市云冈区塔山矿家属区5号楼",
        "people_count": "8",
        "representatives": "张大山\n李小河\n王铁柱\n赵二虎\n孙红梅",
    }
    data.update(overrides)
    return data


def test_register_a_visit_of_eight_with_five_representatives(world, client):
    officer = as_user(client, world.officer)
    assert officer.get(reverse("petitions:register")).status_code == 200
    data = register_data(world, attachments=[png("来访登记表.png")], employee_no="z1")
    response = officer.post(reverse("petitions:register"), data, follow=True)
    p = Petition.objects.get(title="综采二队八名职工反映加班费未发")
    assert response.redirect_chain[-1][0] == detail_url(p)
    assert any(p.number in m for m in messages_of(response))
    assert p.channel == Channel.VISIT and p.people_count == 8 and p.registered_by == world.officer
    assert p.petitioner == world.employee  # linked by 工号
    assert Flag.COLLECTIVE in p.flags
    identity = unseal(p.identity)
    assert identity.name == "张大山" and len(identity.representatives) == 5
    assert p.attachments.get().by_petitioner is False
    html = response.content.decode()
    assert "张*山" in html and "张大山" not in html and "138****8000" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"representatives": "甲\n乙\n丙\n丁\n戊\n己"}, "推选代表不超过5人"),
        ({"representatives": ""}, "须登记推选的代表"),
        ({"channel": "online"}, "信访渠道"),
        ({"unit": "99999"}, "受理单位"),
        ({"employee_no": "NOPE1"}, "未找到工号"),
        ({"content": "太短"}, "至少10个字"),
        ({"people_count": "0"}, "人数"),
    ],
)
def test_register_refusals_create_nothing(world, client, overrides, message):
    response = as_user(client, world.officer).post(reverse("petitions:register"), register_data(world, **overrides))
    assert response.status_code in (400, 422)
    assert message in response.content.decode()
    assert not Petition.objects.exists()


def test_register_is_for_desk_staff_in_their_units(world, client):
    assert as_user(client, world.handler).get(reverse("petitions:register")).status_code == 403
    response = as_user(client, world.other_officer).post(reverse("petitions:register"), register_data(world))
    assert response.status_code == 400  # the mine is not one of the choices of the other mine's officer
    assert not Petition.objects.exists()


def test_register_an_anonymous_letter_shows_the_receipt_once(world, client):
    data = register_data(world, channel=Channel.LETTER, anonymous="on", name="", phone="", id_number="",
                         address="", people_count="1", representatives="")
    response = as_user(client, world.officer).post(reverse("petitions:register"), data, follow=True)
    p = Petition.objects.get()
    assert p.is_anonymous and p.petitioner is None
    assert any("匿名查询码" in m for m in messages_of(response))


# --- accountability ------------------------------------------------------------------------------


def test_accountability_page_and_decision(world, client):
    late = new(world, now=timezone.now() - timedelta(days=20))
    petition_accept(petition=late, actor=A(world.officer))  # after the 15 days: late notice
    record = AccountabilityRecord.objects.get(petition=late)
    assert record.ground == AccountabilityGround.LATE_ACCEPTANCE_NOTICE

    inspector = as_user(client, world.inspector)
    html = inspector.get(reverse("petitions:accountability")).content.decode()
    decide_url = reverse("petitions:accountability_decide", args=[record.pk])
    assert late.number in html and decide_url in html and "未在规定期限内书面告知是否受理" in html
    assert f"#event-{record.cause_event.seq}" in html

    html = as_user(client, world.officer).get(reverse("petitions:accountability")).content.decode()
    assert late.number in html and decide_url not in html  # the responsible person sees, never decides
    html = as_user(client, world.other_officer).get(reverse("petitions:accountability")).content.decode()
    assert late.number not in html
    assert as_user(client, world.other_officer).post(decide_url, {"status": "decided", "outcome": "通报批评"}
                                                     ).status_code == 404
    response = as_user(client, world.officer).post(decide_url, {"status": "decided", "outcome": "自己处理自己"},
                                                   follow=True)
    assert any("纪检" in m or "责任人" in m for m in messages_of(response))
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.OPEN

    inspector = as_user(client, world.inspector)
    response = inspector.post(decide_url, {"status": "", "outcome": ""}, follow=True)
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.OPEN and messages_of(response)
    response = inspector.post(decide_url, {"status": "decided", "outcome": "对责任人进行诫勉谈话",
                                           "next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("petitions:accountability")
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.DECIDED and record.decided_by == world.inspector
    # The petition page shows the record and links it to its cause event.
    html = inspector.get(detail_url(late)).content.decode()
    assert "诫勉谈话" in html and f'id="event-{record.cause_event.seq}"' in html


# --- notices -------------------------------------------------------------------------------------


def test_notice_download(world, client):
    p = accepted(world)
    notice = p.notices.get(kind=NoticeKind.ACCEPTANCE)
    url = reverse("petitions:notice_download", args=[notice.pk])
    assert url in as_user(client, world.officer).get(detail_url(p)).content.decode()
    response = as_user(client, world.officer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert response.content.startswith(b"PK")
    assert "attachment" in response["Content-Disposition"]
    assert as_user(client, world.employee).get(url).status_code == 200  # addressed to the petitioner


def test_supervision_notice_is_internal(world, client):
    p = assigned(world)
    petition_supervise(petition=p, actor=A(world.company_officer), reason="逾期风险，请加快办理。")
    notice = p.notices.get(kind=NoticeKind.SUPERVISION)
    url = reverse("petitions:notice_download", args=[notice.pk])
    assert as_user(client, world.officer).get(url).status_code == 200
    assert as_user(client, world.employee).get(url).status_code == 404


# --- home ----------------------------------------------------------------------------------------


def test_home_counters_by_role(world, client):
    new(world, now=timezone.now() - timedelta(days=20))  # overdue acceptance
    assigned(world)
    html = as_user(client, world.officer).get(reverse("home")).content.decode()
    assert 'data-counter="open">2<' in html
    assert 'data-counter="overdue">1<' in html
    html = as_user(client, world.handler).get(reverse("home")).content.decode()
    assert 'data-counter="worklist">1<' in html
    assert 'data-counter="open"' not in html
    html = as_user(client, world.employee).get(reverse("home")).content.decode()
    assert 'data-counter="mine">2<' in html


def test_home_page_takes_a_few_queries(world, client, django_assert_max_num_queries):
    for _ in range(5):
        assigned(world)
    client = as_user(client, world.leader)  # desk, work list and own petitions: every counter
    client.get(reverse("home"))
    # 7, plus the two constant-id look-ups of the scope (subtree ids, petitions reviewed by the
    # desk: selectors._subtree_ids), read once per request.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("home")).status_code == 200


def test_decide_rereview_and_transfer_through_the_pages(world, client):
    p = assigned(world)
    other = assigned(world, title="另一件需要移交的事项")
    p = petition_reply(petition=p, actor=A(world.handler), outcome=ReplyOutcome.NOT_SUPPORT,
                       text="经核实，绩效考核扣分有据，不予支持。")
    petition_request_review(petition=p, actor=A(world.employee), text="扣分依据不成立，请求复查。")
    as_user(client, world.company_officer).post(act_url(p, "decide_review"), {
        "outcome": ReviewOutcome.UPHOLD, "opinion": "经复查，扣分依据充分，维持原处理意见。"})
    p.refresh_from_db()
    petition_request_rereview(petition=p, actor=A(world.employee), text="仍不服，请求复核。")
    group = as_user(client, world.group_officer)
    assert "decide_rereview" in actions_on_page(group.get(detail_url(p)))
    group.post(act_url(p, "decide_rereview"), {
        "outcome": ReviewOutcome.UPHOLD, "opinion": "经复核，维持复查意见，本事项终结。"})
    p.refresh_from_db()
    assert p.state == State.FINAL

    as_user(client, world.officer).post(act_url(other, "transfer"), {"to_unit": world.team.pk, "note": "由综采一队直接受理"})
    other.refresh_from_db()
    assert other.state == State.ACCEPTED and other.unit == world.team and other.handler is None


def test_inbox_pages_cover_every_open_matter_once_in_deadline_order(world, client):
    made = [new(world, title=f"第{i}件工资问题", now=timezone.now() - timedelta(days=i % 7)) for i in range(27)]
    officer = as_user(client, world.officer)
    shown = []
    for page in (1, 2):
        html = officer.get(reverse("petitions:inbox"), {"page": page}).content.decode()
        shown += [line.split('data-number="')[1].split('"')[0] for line in html.splitlines() if 'data-number="' in line]
        assert f"第 {page} / 2 页" in html
    expected = list(Petition.objects.filter(pk__in=[p.pk for p in made]).order_by("due_at", "id")
                    .values_list("number", flat=True))
    assert shown == expected  # 25 then 2: none twice, none missing, soonest deadline first
