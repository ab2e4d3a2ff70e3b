"""Petitioner-side pages: submit with a summary step, confirmation, my petitions, the
petitioner's view of a petition with its actions, and anonymous tracking by receipt code."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from petitions.choices import Category, NoticeKind, PetitionType, Rating, ReplyOutcome, ReviewOutcome, State
from petitions.forms import suggest_category
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import Attachment, Petition, PetitionEvent
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_decide_rereview,
    petition_decide_review,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
    petition_supervise,
)
from tests.petitions.conftest import A, at, submit

SUBMIT = reverse("petitions:submit")
DONE = reverse("petitions:submit_done")
MINE = reverse("petitions:mine")
TRACK = reverse("petitions:track")
TRACK_VIEW = reverse("petitions:track_detail")

TITLE = "综采一队十月绩效工资少发"
CONTENT = "我是综采一队职工，十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。"


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def form_data(world, **overrides) -> dict:
    data = {
        "mode": "named",
        "unit": str(world.mine.pk),
        "ptype": PetitionType.REQUEST,
        "category": "",
        "accused_no": "",
        "title": TITLE,
        "content": CONTENT,
        "address": "",
    }
    data.update(overrides)
    return data


def stashed_files(settings) -> list:
    root = settings.MEDIA_ROOT / "tmp"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def preview_then_confirm(client: Client, data: dict, files: list | None = None):
    preview = client.post(SUBMIT, {**data, "step": "preview", "attachments": files or []})
    assert preview.status_code == 200, preview.context["form"].errors
    assert "确认提交" in preview.content.decode()
    confirm = {**data, "step": "confirm", "draft_token": preview.context["token"],
               "category": data["category"] or preview.context["category"]}
    return preview, client.post(SUBMIT, confirm)


# --- submit ------------------------------------------------------------------------------------


def test_named_submit_with_a_photo_goes_through_the_summary_step(world, settings):
    client = login(world.employee)
    page = client.get(SUBMIT)
    assert page.status_code == 200
    # The nearest mine above the employee's team is proposed.
    assert page.context["form"]["unit"].value() == world.mine.pk
    assert "form-control-lg" in page.content.decode()

    preview, done = preview_then_confirm(client, form_data(world), [png()])
    html = preview.content.decode()
    assert "现场照片.png" in html and "返回修改" in html
    assert "系统建议分类：工资薪酬" in html  # 绩效/工资 in the text, no category chosen
    assert done.status_code == 302 and done.url == DONE

    petition = Petition.objects.get()
    assert petition.petitioner == world.employee and not petition.is_anonymous
    assert petition.category == Category.WAGES and petition.unit == world.mine
    attachment = petition.attachments.get()
    assert attachment.original_name == "现场照片.png" and attachment.content_type == "image/png"
    assert attachment.file.read().startswith(b"\x89PNG")
    assert stashed_files(settings) == []  # the temporary copies are gone

    page = client.get(DONE)
    assert petition.number in page.content.decode()
    assert page.context["code_groups"] == []


def test_anonymous_code_is_shown_once_and_opens_the_track_page(world):
    client = login(world.employee)
    _preview, done = preview_then_confirm(client, form_data(world, mode="anonymous", category=Category.WAGES), [png()])
    assert done.status_code == 302
    petition = Petition.objects.get()
    assert petition.is_anonymous and petition.petitioner is None
    # Nothing ties the matter to the account that submitted it.
    assert petition.attachments.get().uploaded_by is None
    assert not PetitionEvent.objects.filter(petition=petition, actor=world.employee).exists()

    first = client.get(DONE)
    groups = first.context["code_groups"]
    assert len(groups) == 4 and all(re.fullmatch(r"\d{4}", g) for g in groups)
    assert "只显示这一次" in first.content.decode()
    code = " ".join(groups)

    second = client.get(DONE)
    assert second.context["code_groups"] == []
    assert not any(g in second.content.decode() for g in groups)
    assert "已不再显示" in second.content.decode()
    assert petition.number in second.content.decode()

    # The anonymous petition is not in 我的信访 (it is not linked to the account).
    assert petition.number not in client.get(MINE).content.decode()

    visitor = Client()
    opened = visitor.post(TRACK, {"code": code})
    assert opened.status_code == 302 and opened.url == TRACK_VIEW
    view = visitor.get(TRACK_VIEW)
    html = view.content.decode()
    assert view.status_code == 200 and petition.number in html and TITLE in html
    assert world.employee.name not in html

    left = visitor.post(TRACK_VIEW, {"action": "exit"})
    assert left.status_code == 302 and left.url == TRACK
    assert visitor.get(TRACK_VIEW).url == TRACK


def test_a_text_file_named_jpg_is_refused_on_the_form_and_nothing_is_created(world, settings):
    client = login(world.employee)
    fake = SimpleUploadedFile("工资条.jpg", "这不是图片，只是一段文字。".encode() * 10, content_type="image/jpeg")
    response = client.post(SUBMIT, {**form_data(world), "step": "preview", "attachments": [fake]})
    assert response.status_code == 400
    errors = response.context["form"].errors["attachments"]
    assert any("工资条.jpg" in e and "不是允许的类型" in e for e in errors)
    html = response.content.decode()
    assert "不是允许的类型" in html and TITLE in html and CONTENT in html  # what was typed is kept
    assert not Petition.objects.exists() and not Attachment.objects.exists()
    assert stashed_files(settings) == []


def test_missing_content_is_a_field_error_and_nothing_is_created(world):
    client = login(world.employee)
    response = client.post(SUBMIT, {**form_data(world, content=""), "step": "preview"})
    assert response.status_code == 400
    assert response.context["form"].errors["content"]
    assert 'data-testid="field-error-content"' in response.content.decode()
    assert TITLE in response.content.decode()
    # Even a hand-made confirm without content creates nothing.
    token = response.context["token"]
    confirm = client.post(SUBMIT, {**form_data(world, content="", category="wages"), "step": "confirm",
                                   "draft_token": token})
    assert confirm.status_code == 400
    assert not Petition.objects.exists()


def test_going_back_from_the_summary_keeps_text_and_files(world, settings):
    client = login(world.employee)
    preview = client.post(SUBMIT, {**form_data(world), "step": "preview", "attachments": [png("a.png"), png("b.png")]})
    token = preview.context["token"]
    back = client.post(SUBMIT, {**form_data(world), "step": "edit", "draft_token": token})
    html = back.content.decode()
    assert back.status_code == 200 and TITLE in html and "a.png" in html and "b.png" in html
    remove = next(f["path"] for f in back.context["files"] if f["name"] == "a.png")
    again = client.post(SUBMIT, {**form_data(world), "step": "preview", "draft_token": token, "remove_file": remove})
    assert [f["name"] for f in again.context["files"]] == ["b.png"]
    assert len(stashed_files(settings)) == 1
    done = client.post(SUBMIT, {**form_data(world, category="wages"), "step": "confirm", "draft_token": token})
    assert done.status_code == 302
    assert list(Petition.objects.get().attachments.values_list("original_name", flat=True)) == ["b.png"]


def test_a_second_confirm_does_not_submit_twice(world):
    client = login(world.employee)
    preview, done = preview_then_confirm(client, form_data(world, category="wages"))
    assert done.status_code == 302
    repeat = client.post(SUBMIT, {**form_data(world, category="wages"), "step": "confirm",
                                  "draft_token": preview.context["token"]})
    assert repeat.status_code == 302
    assert Petition.objects.count() == 1


def test_a_refusal_from_intake_is_shown_on_the_form_and_keeps_everything(world, settings):
    # After 复核 the same facts and reasons are not accepted again (第三十六条第三款).
    final = _replied(world)
    petition_request_review(petition=final, actor=A(world.employee), text="不服处理意见，申请复查。")
    petition_decide_review(petition=final, actor=A(world.company_officer), outcome=ReviewOutcome.UPHOLD,
                           opinion="经复查，原处理意见事实清楚，维持。")
    petition_request_rereview(petition=final, actor=A(world.employee), text="仍然不服，申请复核。")
    petition_decide_rereview(petition=final, actor=A(world.group_officer), outcome=ReviewOutcome.UPHOLD,
                             opinion="经复核，维持复查意见，本事项终结。")
    final.refresh_from_db()
    assert final.state == State.FINAL

    client = login(world.employee)
    preview, response = preview_then_confirm(client, form_data(world, category=Category.WAGES), [png()])
    assert response.status_code == 422
    html = response.content.decode()
    assert "第三十六条第三款" in html and final.number in html
    assert TITLE in html and "现场照片.png" in html  # the text and the stashed photo are kept
    assert Petition.objects.count() == 1
    assert len(stashed_files(settings)) == 1


def test_only_accusations_name_an_accused_person(world):
    client = login(world.employee)
    response = client.post(SUBMIT, {**form_data(world, accused_no=world.leader.employee_no), "step": "preview"})
    assert response.status_code == 400
    assert "只有检举控告类信访可以填写被检举人" in response.context["form"].errors["accused_no"][0]

    data = form_data(world, ptype=PetitionType.ACCUSATION, accused_no=world.leader.employee_no.lower(),
                     category=Category.CADRE_CONDUCT, title="矿领导吃拿卡要",
                     content="矿领导在职工评优中收受好处，吃拿卡要，请纪检部门调查。")
    _preview, done = preview_then_confirm(client, data)
    assert done.status_code == 302
    assert Petition.objects.get().accused_user == world.leader


@pytest.mark.parametrize(("text", "expected"), [
    ("十月绩效工资和奖金少发", Category.WAGES),
    ("公积金和医保断缴", Category.SOCIAL_INSURANCE),
    ("工作面瓦斯超限，隐患没人管", Category.SAFETY),
    ("尘肺病工伤认定迟迟不办", Category.OCCUPATIONAL_HEALTH),
    ("棚改房暖气不热，班车取消", Category.HOUSING_LIVING),
    ("退休后养老金计算有误", Category.RETIREMENT),
    ("采空区塌陷，房屋开裂要求搬迁", Category.LAND_SUBSIDENCE),
    ("队干部吃拿卡要", Category.CADRE_CONDUCT),
    ("劳务派遣工合同到期被待岗", Category.LABOUR_RELATIONS),
    ("建议食堂延长开放时间", Category.HOUSING_LIVING),
    ("建议增加一个停车场", Category.SUGGESTION),
    ("请问怎么办理", None),
    ("", None),
])
def test_suggest_category(text, expected):
    assert suggest_category(text) == expected


# --- my petitions and the petitioner's page ----------------------------------------------------


def test_mine_lists_only_my_petitions(world):
    mine_a = submit(world, now=at(2025, 9, 15)).petition
    mine_b = submit(world, now=at(2025, 10, 8), title="宿舍暖气不热", content="单身宿舍三楼暖气一直不热，多次反映没有解决。",
                    category=Category.HOUSING_LIVING).petition
    others = petition_submit(petitioner=world.outsider, draft=PetitionDraft(
        title="同忻矿班车取消", content="同忻矿通勤班车突然取消，职工上班很不方便。", category=Category.HOUSING_LIVING,
        unit=world.other_mine), now=at(2025, 10, 9)).petition
    response = login(world.employee).get(MINE)
    html = response.content.decode()
    assert [c["p"] for c in response.context["cards"]] == [mine_b, mine_a]  # newest first
    assert mine_a.number in html and mine_b.number in html and "待受理" in html
    assert others.number not in html and "同忻矿班车取消" not in html
    assert reverse("petitions:detail_public", args=[mine_a.public_id]) in html


def test_the_petition_page_is_only_for_its_petitioner(world):
    petition = submit(world, now=at(2025, 9, 15)).petition
    url = reverse("petitions:detail_public", args=[petition.public_id])
    page = login(world.employee).get(url)
    assert page.status_code == 200
    assert petition.number in page.content.decode() and "登记" in page.content.decode()
    for other in (world.outsider, world.officer):
        assert login(other).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_petition_page_shows_notices_and_my_files_but_not_internal_supervision(world):
    client = login(world.employee)
    preview_then_confirm(client, form_data(world, category="wages"), [png()])
    petition = Petition.objects.get()
    petition = petition_accept(petition=petition, actor=A(world.officer))
    petition_supervise(petition=petition, actor=A(world.company_officer), reason="受理后未及时交办，请抓紧办理。")
    assert petition.notices.filter(kind=NoticeKind.SUPERVISION).exists()

    page = client.get(reverse("petitions:detail_public", args=[petition.public_id]))
    html = page.content.decode()
    assert "受理告知书" in html
    assert "督办" not in html and "未及时交办" not in html
    attachment = petition.attachments.get()
    link = reverse("petitions:attachment_download", args=[attachment.pk])
    assert link in html
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")


def _replied(world) -> Petition:
    petition = submit(world, now=at(2025, 9, 15)).petition
    petition = petition_accept(petition=petition, actor=A(world.officer))
    petition = petition_assign(petition=petition, actor=A(world.officer), handling_unit=world.team,
                               handler=world.handler, leader=world.leader)
    return petition_reply(petition=petition, actor=A(world.handler), outcome=ReplyOutcome.EXPLAIN,
                          text="经核实，十月绩效按新考核办法计算，少发部分系夜班天数减少所致。")


def test_rate_then_request_review_from_the_petition_page(world):
    petition = _replied(world)
    client = login(world.employee)
    url = reverse("petitions:detail_public", args=[petition.public_id])
    page = client.get(url)
    html = page.content.decode()
    assert "处理意见" in html and "夜班天数减少" in html
    assert {a["name"] for a in page.context["actions"]} == {"rate", "request_review"}

    rated = client.post(url, {"action": "rate", "rating": Rating.UNSATISFIED, "comment": "没有说清楚夜班怎么算"})
    assert rated.status_code == 302
    petition.refresh_from_db()
    assert petition.state == State.CLOSED and petition.rating == Rating.UNSATISFIED

    asked = client.post(url, {"action": "request_review", "text": "夜班天数是对的，少发的是绩效系数，请复查。"})
    assert asked.status_code == 302
    petition.refresh_from_db()
    assert petition.state == State.REVIEWING
    assert petition.reviews.get().unit == world.company
    assert "复查中" in client.get(url).content.decode()


def test_a_refused_action_shows_why_and_changes_nothing(world):
    petition = _replied(world)
    client = login(world.employee)
    url = reverse("petitions:detail_public", args=[petition.public_id])
    response = client.post(url, {"action": "withdraw", "reason": "不想办了", "confirm": "on"})
    assert response.status_code == 409
    assert "不能进行此操作" in response.content.decode()
    petition.refresh_from_db()
    assert petition.state == State.REPLIED
    # An empty review request is a form error, not a state change.
    response = client.post(url, {"action": "request_review", "text": ""})
    assert response.status_code == 400
    petition.refresh_from_db()
    assert petition.state == State.REPLIED


def test_withdraw_and_add_material_from_the_petition_page(world):
    petition = submit(world, now=at(2025, 9, 15)).petition
    client = login(world.employee)
    url = reverse("petitions:detail_public", args=[petition.public_id])
    added = client.post(url, {"action": "add_material", "text": "补充十月工资条照片。", "files": [png("工资条.png")]})
    assert added.status_code == 302
    event = petition.events.get(kind=PetitionEvent.Kind.MATERIAL_ADDED)
    attachment = petition.attachments.get()
    assert event.data["attachments"] == [attachment.pk] and attachment.uploaded_by == world.employee
    assert "工资条.png" in client.get(url).content.decode()

    client.post(url, {"action": "withdraw", "reason": "问题已自行解决", "confirm": "on"})
    petition.refresh_from_db()
    assert petition.state == State.WITHDRAWN


# --- anonymous tracking ----------------------------------------------------------------------


def test_track_page_adds_material_and_rates_with_the_receipt(world):
    result = submit(world, now=at(2025, 9, 15), anonymous=True)
    petition = result.petition
    visitor = Client()
    assert visitor.post(TRACK, {"code": result.receipt_code}).status_code == 302
    added = visitor.post(TRACK_VIEW, {"action": "add_material", "text": "补充：同班组还有三人也少发。"})
    assert added.status_code == 302
    assert petition.events.filter(kind=PetitionEvent.Kind.MATERIAL_ADDED, actor=None).exists()
    # Staff names never appear on the anonymous page.
    petition_accept(petition=petition, actor=A(world.officer))
    html = visitor.get(TRACK_VIEW).content.decode()
    assert world.officer.name not in html and "受理" in html


def test_track_rate_limit_per_address(world):
    result = submit(world, now=at(2025, 9, 15), anonymous=True)
    visitor = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(10):
        wrong = visitor.post(TRACK, {"code": "0000 0000 0000 0000"})
        assert wrong.status_code == 400 and "查询码不正确" in wrong.content.decode()
    blocked = visitor.post(TRACK, {"code": result.receipt_code})
    assert blocked.status_code == 429 and "尝试次数过多" in blocked.content.decode()
    assert "tracked_petition" not in visitor.session
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.4")
    assert other.post(TRACK, {"code": result.receipt_code}).status_code == 302


def test_track_rejects_malformed_codes_without_a_lookup(world):
    response = Client().post(TRACK, {"code": "1234 abcd"})
    assert response.status_code == 400
    assert "16位数字" in response.content.decode()


def test_login_page_links_to_the_track_page(db):
    html = Client().get(reverse("login")).content.decode()
    assert TRACK in html and "凭查询码查询匿名信访" in html
