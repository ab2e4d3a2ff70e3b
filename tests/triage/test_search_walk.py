"""Search pages: walking the index (or, for a narrow scope, the scope) newest first — SQLite's
FTS5 in id order, PostgreSQL's GIN index window by window — returns exactly the page of the
plain query (same rows, same order) for any term, scope, filter, offset and page size, including
when a narrow scope is read as a set or looked up in the index, when a scope is searched by its
units in the index and the rest of it looked up (PostgreSQL's way for a narrow scope), and when
the walk gives up and the plain query answers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from petitions.choices import Category, PetitionType
from petitions.models import Petition
from petitions.selectors import beyond_units_ids, scope_of, visible_to
from petitions.workflow import petition_accept, petition_assign, petition_forward
from tests.petitions.conftest import A, at, submit
from triage import index, services
from triage.models import TriageDoc

pytestmark = pytest.mark.django_db

WORDS = ["尘肺", "工伤认定", "采空区", "工资", "瓦斯", "食堂饭菜", "塌陷"]
PERSONAS = ["officer", "other_officer", "group_officer", "company_officer", "handler", "leader", "inspector",
            "employee", "outsider"]


@pytest.fixture
def corpus(world):
    """24 petitions to two mines; some of the mine's assigned to the team's handler under the
    mine's leader (the scope's other parts), and two accusations against the handler (withheld
    from the handler and the mine's leader)."""
    for k in range(24):
        words = [WORDS[k % 7], WORDS[(k * 3) % 7]] if k % 4 else [WORDS[k % 7]]
        unit = world.other_mine if k % 3 == 0 else world.mine
        category = Category.SAFETY if k % 5 == 0 else Category.WAGES
        extra = {"ptype": PetitionType.ACCUSATION, "accused_user": world.handler} if k in (7, 16) else {}
        now = at(2026, 3, 1 + k % 27, 8 + k % 9)
        p = submit(world, now=now, title=f"反映{words[0]}问题{k}", content="，".join(words) + f"的问题请尽快处理，编号{k}。",
                   unit=unit, category=category, **extra).petition
        if k % 4 == 1 and unit == world.mine:
            p = petition_accept(petition=p, actor=A(world.officer), now=now)
            petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                            leader=world.leader, now=now)
    return world


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.sampled_from(WORDS + ["尘肺 工伤", "问题", "处理", "没有的词", "肺尘"]),
       who=st.sampled_from(PERSONAS),
       category=st.sampled_from(["", Category.SAFETY]),
       offset=st.integers(0, 30), limit=st.integers(1, 12),
       walk=st.sampled_from([(64, 4096, 20_000), (1, 2, 3), (2, 4, 9), (3, 3, 1), (1, 4, 40)]),
       narrow=st.sampled_from([(1_000, 0.02, 20_000, 25), (1, 0.5, 100, 0), (2, 1.0, 100, 1000), (2, 1.0, 3, 0),
                                (4, 0.3, 100, 1)]),
       windows=st.sampled_from([(4_096, 262_144), (1, 3), (2, 2)]),
       row_cost=st.sampled_from([1.6, 0.0, 1e9]), scope_cost=st.sampled_from([3.5, 0.0, 1e9]),
       matches_cap=st.sampled_from([50_000, 3, 0]),
       candidates=st.sampled_from([(60_000, 20_000), (0, 20_000), (60_000, 0), (60_000, 2)]))
def test_a_page_is_the_plain_querys_page(corpus, monkeypatch, term, who, category, offset, limit, walk, narrow,
                                         windows, row_cost, scope_cost, matches_cap, candidates):
    monkeypatch.setattr(services, "WALK_FIRST", walk[0])
    monkeypatch.setattr(services, "WALK_MAX_CHUNK", walk[1])
    monkeypatch.setattr(services, "WALK_BUDGET", walk[2])
    for name, value in zip(("NARROW_AFTER", "NARROW_SHARE", "SCOPE_SET_MAX", "LOOKUP_COST"), narrow, strict=True):
        monkeypatch.setattr(services, name, value)
    monkeypatch.setattr(services, "PG_NARROW_SHARE", narrow[1])
    monkeypatch.setattr(services, "PG_SCOPE_SET_MAX", narrow[2])
    # PostgreSQL walks windows of ids (SQLite ignores these).
    monkeypatch.setattr(index, "PG_WINDOW_FIRST", windows[0])
    monkeypatch.setattr(index, "PG_WINDOW_MAX", windows[1])
    monkeypatch.setattr(services, "PG_ROW_COST", row_cost)  # 0: always walk; 1e9: every match at once
    monkeypatch.setattr(services, "PG_SCOPE_ROW_COST", scope_cost)  # 0: read the scope; 1e9: read the matches
    monkeypatch.setattr(services, "PG_MATCHES_CAP", matches_cap)  # 0: the plain query instead
    # The search by units on both databases (PostgreSQL's way for a narrow scope); an estimate
    # cap of 0: never (PostgreSQL); a candidate cap of 0 or 2: over it, the match walk answers.
    monkeypatch.setattr(services, "UNITS_SEARCH_VENDORS", frozenset({"sqlite", "postgresql"}))
    for name, value in zip(("PG_SCOPE_ESTIMATE_MAX", "CANDIDATES_MAX"), candidates, strict=True):
        monkeypatch.setattr(services, name, value)
    user = getattr(corpus, who)
    full = list(services.search(user, term, category=category))
    assert services.search_page(user, term, offset=offset, limit=limit, category=category) == full[offset : offset + limit]


@pytest.mark.parametrize("who", PERSONAS)
def test_the_units_and_the_rest_hold_every_visible_petition(corpus, who):
    """A scope's units' own petitions and the ids read beyond them from indexes alone hold every
    petition ``visible_to`` keeps (and perhaps withheld accusations, which the search checks away);
    None for a scope of every petition, and beyond the cap."""
    user = getattr(corpus, who)
    visible = set(visible_to(user).values_list("pk", flat=True))
    scope = scope_of(user)
    if who == "group_officer":
        assert scope is None
        return
    rest = beyond_units_ids(scope, cap=1_000)
    assert rest == sorted(set(rest), reverse=True)
    own = set(Petition.objects.filter(unit__in=scope.units).values_list("pk", flat=True))
    assert not own & set(rest) and visible <= own | set(rest)
    assert (own | set(rest)) - visible <= set(Petition.objects.filter(ptype=PetitionType.ACCUSATION).values_list("pk", flat=True))
    if len(rest) > 1:
        assert beyond_units_ids(scope, cap=len(rest) - 1) is None


def test_a_forwarded_petition_is_searched_under_its_new_unit(corpus, monkeypatch):
    """转送 changes a petition's 受理单位: its search row follows (a trigger, same transaction),
    so the receiving mine's officer finds it by unit and the sending one no longer does."""
    monkeypatch.setattr(services, "UNITS_SEARCH_VENDORS", frozenset({"sqlite", "postgresql"}))
    p = submit(corpus, now=at(2026, 4, 1), title="反映井口浴室热水不足", content="井口浴室热水不足，下班工友洗不上澡。",
               unit=corpus.mine).petition
    petition_forward(petition=p, actor=A(corpus.officer), to_unit=corpus.other_mine)
    assert TriageDoc.objects.get(pk=p.pk).unit_id == corpus.other_mine.pk
    assert [x.pk for x in services.search_page(corpus.other_officer, "浴室热水")] == [p.pk]
    assert services.search_page(corpus.officer, "浴室热水") == []


def test_the_common_term_is_found_newest_first(corpus):
    page = services.search_page(corpus.group_officer, "问题", limit=5)
    assert len(page) == 5 and [p.pk for p in page] == sorted((p.pk for p in page), reverse=True)
    assert page[0].pk == max(p.pk for p in services.search(corpus.group_officer, "问题"))
