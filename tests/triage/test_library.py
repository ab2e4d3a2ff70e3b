"""Similar cases from the case library (engagement): only approved cases the reader may read —
the own line's and those a sister unit shared — with how they were resolved; drafts, unshared
cases of other units and the petition's own case never appear."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engagement.choices import CaseState
from engagement.models import CaseShare, LibraryCase
from petitions.choices import Category, State
from petitions.models import Petition
from tests.petitions.conftest import at, submit
from triage import services

pytestmark = pytest.mark.django_db

WAGE_TEXT = "综采队夜班费和井下津贴从三月起停发，没有任何通知，工友们多次询问队里都说等通知，请求补发。"


def _case(world, *, unit, title, summary, handling, state=CaseState.APPROVED, share_to=None, source=None):
    if source is None:
        source = submit(world, now=at(2026, 1, 5), title=title, content=summary, unit=unit).petition
        Petition.objects.filter(pk=source.pk).update(state=State.CLOSED)
    case = LibraryCase.objects.create(source=source, unit=unit, category=Category.WAGES, title=title, summary=summary,
                                      handling=handling, state=state, created_by=world.group_officer,
                                      created_at=at(2026, 1, 20))
    if share_to is not None:
        CaseShare.objects.create(case=case, unit=share_to, granted_by=world.group_officer, granted_at=at(2026, 1, 21))
    return case


@pytest.fixture
def library(world):
    shared = _case(world, unit=world.other_mine, title="综采队夜班费和井下津贴停发", share_to=world.mine,
                   summary="某队夜班费和井下津贴从某月起停发，事先没有通知，职工多次询问无果，请求补发。",
                   handling="属实：经核查系考核办法调整未公示，已补发全部夜班费和津贴并公示新办法。")
    unshared = _case(world, unit=world.other_mine, title="夜班费和井下津贴停发（未共享）",
                     summary="某队夜班费和井下津贴从某月起停发，没有任何通知，请求补发。",
                     handling="属实：已补发。")
    draft = _case(world, unit=world.other_mine, title="夜班费停发（草稿）", state=CaseState.DRAFT, share_to=world.mine,
                  summary="某队夜班费和井下津贴从某月起停发，没有通知，职工请求补发。", handling="")
    far = _case(world, unit=world.other_mine, title="食堂饭菜价格", share_to=world.mine,
                summary="职工食堂饭菜价格一年涨了两次，菜量减少，职工意见大。", handling="部分属实：已调整价格。")
    return {"shared": shared, "unshared": unshared, "draft": draft, "far": far}


def test_officer_sees_the_shared_approved_case_with_its_handling(world, library):
    p = submit(world, now=at(2026, 3, 2), title="夜班费停发", content=WAGE_TEXT).petition
    found = services.similar_library_cases(p, world.officer, limit=5)
    ids = [m.case.pk for m in found]
    assert ids and ids[0] == library["shared"].pk
    assert found[0].sister and "已补发" in found[0].handling
    assert library["unshared"].pk not in ids and library["draft"].pk not in ids
    assert library["far"].pk not in ids  # unlike the petition: below the similarity floor


def test_own_line_sees_its_approved_cases_but_not_drafts(world, library):
    p = submit(world, now=at(2026, 3, 2), title="夜班费停发", content=WAGE_TEXT, unit=world.other_mine).petition
    ids = {m.case.pk: m for m in services.similar_library_cases(p, world.other_officer, limit=5)}
    assert library["shared"].pk in ids and library["unshared"].pk in ids
    assert not ids[library["unshared"].pk].sister
    assert library["draft"].pk not in ids


def test_nobody_without_a_desk_role_reads_the_library(world, library):
    p = submit(world, now=at(2026, 3, 2), title="夜班费停发", content=WAGE_TEXT).petition
    assert services.similar_library_cases(p, world.employee) == []


def test_the_petitions_own_case_is_not_suggested(world, library):
    p = submit(world, now=at(2026, 3, 2), title="夜班费停发", content=WAGE_TEXT).petition
    Petition.objects.filter(pk=p.pk).update(state=State.CLOSED)
    own = _case(world, unit=world.mine, title="夜班费停发", summary=WAGE_TEXT, handling="属实：已补发。", source=p)
    ids = [m.case.pk for m in services.similar_library_cases(p, world.officer, limit=5)]
    assert own.pk not in ids and library["shared"].pk in ids


def test_the_panel_lists_library_cases_for_the_officer(client, world, library):
    p = submit(world, now=at(2026, 3, 2), title="夜班费停发", content=WAGE_TEXT).petition
    client.force_login(world.officer)
    html = client.get(reverse("petitions:detail", args=[p.public_id])).content.decode()
    assert 'data-testid="triage-library"' in html
    assert f'data-library-case="{library["shared"].pk}"' in html
    assert f'data-library-case="{library["unshared"].pk}"' not in html
    assert "已补发全部夜班费" in html
