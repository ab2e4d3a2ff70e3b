"""Case library rules: only closed petitions become cases; the draft is de-identified (names, ID,
phone and employee numbers, units and places); a reviewer other than the writer approves, and
approval is refused while anything identifying remains; only approved cases are shared, by
explicit permission, and a share reaches the sister unit's staff, whose petitions then get it
suggested."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement import deid, library
from engagement.choices import CaseState, Lesson
from engagement.scoping import cases_visible_to
from petitions.choices import Category
from tests.engagement.conftest import close_petition
from tests.petitions.conftest import submit


def approve(case, writer, reviewer):
    library.case_submit(case=case, acting_user=writer)
    return library.case_review(case=case, acting_user=reviewer, approve=True)


def test_draft_is_deidentified(world):
    p = close_petition(world)
    case = library.case_from_petition(petition=p, acting_user=world.officer)
    text = case.title + case.summary + case.handling
    for secret in ("王建国", "Z10023", "13912345678", "140202198805061234", "塔山矿", "综采一队"):
        assert secret not in text, secret
    assert "绩效工资" in case.summary  # the matter itself stays readable
    assert case.redactions["name"] >= 1 and case.redactions["phone"] == 1 and case.redactions["id_number"] == 1
    assert case.state == CaseState.DRAFT
    assert AuditEvent.objects.filter(action="engagement.case.create", target_id=str(case.pk)).exists()


def test_only_closed_petitions_and_own_staff(world):
    open_p = submit(world, now=timezone.now()).petition
    with pytest.raises(InvalidState):
        library.case_from_petition(petition=open_p, acting_user=world.officer)
    p = close_petition(world)
    with pytest.raises(NotAllowed):  # cannot even see it
        library.case_from_petition(petition=p, acting_user=world.other_officer)
    library.case_from_petition(petition=p, acting_user=world.officer)
    with pytest.raises(InvalidState):
        library.case_from_petition(petition=p, acting_user=world.officer)


def test_reviewer_must_be_someone_else_and_text_clean(world, second_officer):
    p = close_petition(world)
    case = library.case_from_petition(petition=p, acting_user=world.officer)
    # The writer edits a name back in by mistake.
    library.case_edit(case=case, acting_user=world.officer, title=case.title, summary=case.summary + "经办人赵志强。",
                      handling=case.handling, lessons=[Lesson.POLICY_EXPLANATION], lessons_text="及时解释政策")
    library.case_submit(case=case, acting_user=world.officer)
    with pytest.raises(NotAllowed):
        library.case_review(case=case, acting_user=world.officer, approve=True)
    with pytest.raises(InvalidInput, match="赵志强"):
        library.case_review(case=case, acting_user=second_officer, approve=True)
    library.case_review(case=case, acting_user=second_officer, approve=False, note="删去经办人姓名")
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT
    library.case_edit(case=case, acting_user=world.officer, title=case.title,
                      summary=case.summary.replace("经办人赵志强。", ""), handling=case.handling,
                      lessons=[Lesson.POLICY_EXPLANATION], lessons_text="及时解释政策")
    approve(case, world.officer, second_officer)
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED and case.reviewed_by == second_officer
    with pytest.raises(InvalidState):
        library.case_edit(case=case, acting_user=world.officer, title="x" * 5, summary="y" * 20, handling="",
                          lessons=[], lessons_text="")


def test_share_by_permission_and_suggestion_in_sister_unit(world, second_officer):
    p = close_petition(world)
    case = library.case_from_petition(petition=p, acting_user=world.officer)
    # Not shareable before review.
    with pytest.raises(InvalidState):
        library.case_share(case=case, acting_user=world.officer, units=[world.other_mine])
    approve(case, world.officer, second_officer)
    assert case not in cases_visible_to(world.other_officer)
    similar = submit(world, now=p.received_at, unit=world.other_mine, title="掘进队十一月绩效工资少发",
                     content="十一月份绩效工资比上月少发了五百元，队里没有任何说明，请求核实补发。").petition
    assert library.similar_cases(similar, world.other_officer) == []
    # Another mine's officer may not grant shares of this mine's case.
    with pytest.raises(NotAllowed):
        library.case_share(case=case, acting_user=world.other_officer, units=[world.other_mine])
    library.case_share(case=case, acting_user=world.officer, units=[world.other_mine])
    assert case in cases_visible_to(world.other_officer)
    assert case not in cases_visible_to(world.outsider)  # a plain employee of that mine: no
    suggestions = library.similar_cases(similar, world.other_officer)
    assert [s.case for s in suggestions] == [case]
    # An unrelated matter of another category is not suggested.
    unrelated = submit(world, now=p.received_at, unit=world.other_mine, title="宿舍楼供暖不热",
                       content="职工宿舍三号楼供暖温度太低，晚上只有十二度，请求维修。",
                       category=Category.HOUSING_LIVING).petition
    assert library.similar_cases(unrelated, world.other_officer) == []
    # The source petition itself never suggests its own case.
    assert library.similar_cases(p, world.officer) == []


def test_share_to_company_reaches_its_mines(world, second_officer):
    p = close_petition(world)
    case = library.case_from_petition(petition=p, acting_user=world.officer)
    approve(case, world.officer, second_officer)
    library.case_share(case=case, acting_user=world.leader, units=[world.company])
    assert case in cases_visible_to(world.other_officer)
    assert case in cases_visible_to(world.company_officer)


NAMES = st.text(alphabet="张王李赵刘陈杨黄周吴建国秀英志强德华", min_size=2, max_size=3)


@settings(max_examples=60, deadline=None)
@given(name=NAMES, mobile=st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
       id_number=st.from_regex(r"\d{17}[\dX]", fullmatch=True), filler=st.text(alphabet="的了在是我有工资少发请求", max_size=20))
def test_redact_removes_every_known_name_and_number(name, mobile, id_number, filler):
    text = f"{filler}信访人{name}，手机{mobile}，身份证{id_number}，{filler}反映{name}的问题。"
    out = deid.redact(text, names=[name])
    assert name not in out.text and mobile not in out.text and id_number not in out.text
    assert deid.leftovers(out.text, names=[name]) == []


def test_library_filters_by_category_and_lesson(world, second_officer, client):
    p = close_petition(world)
    case = library.case_from_petition(petition=p, acting_user=world.officer)
    library.case_edit(case=case, acting_user=world.officer, title="某单位绩效工资少发的处理", summary=case.summary,
                      handling=case.handling, lessons=[Lesson.TIMELY_RESPONSE], lessons_text="当天核实")
    approve(case, world.officer, second_officer)
    client.force_login(world.officer)
    url = "/qz/library/"
    assert "某单位绩效工资少发的处理" in client.get(url, {"lesson": Lesson.TIMELY_RESPONSE}).content.decode()
    assert "某单位绩效工资少发的处理" not in client.get(url, {"lesson": Lesson.MEDIATION}).content.decode()
    assert "某单位绩效工资少发的处理" not in client.get(url, {"category": Category.SAFETY}).content.decode()
    assert "某单位绩效工资少发的处理" in client.get(url, {"q": "绩效"}).content.decode()
