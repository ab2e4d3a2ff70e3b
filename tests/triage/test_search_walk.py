"""Search pages: walking the index (or, for a narrow scope, the scope) newest first — SQLite's
FTS5 in id order, PostgreSQL's GIN index window by window — returns exactly the page of the
plain query (same rows, same order) for any term, scope, filter, offset and page size, including
when a narrow scope is read as a set or looked up in the index, and when the walk gives up and
the plain query answers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from petitions.choices import Category
from tests.petitions.conftest import at, submit
from triage import index, services

pytestmark = pytest.mark.django_db

WORDS = ["尘肺", "工伤认定", "采空区", "工资", "瓦斯", "食堂饭菜", "塌陷"]


@pytest.fixture
def corpus(world):
    for k in range(24):
        words = [WORDS[k % 7], WORDS[(k * 3) % 7]] if k % 4 else [WORDS[k % 7]]
        unit = world.other_mine if k % 3 == 0 else world.mine
        category = Category.SAFETY if k % 5 == 0 else Category.WAGES
        submit(world, now=at(2026, 3, 1 + k % 27, 8 + k % 9), title=f"反映{words[0]}问题{k}",
               content="，".join(words) + f"的问题请尽快处理，编号{k}。", unit=unit, category=category)
    return world


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.sampled_from(WORDS + ["尘肺 工伤", "问题", "处理", "没有的词", "肺尘"]),
       who=st.sampled_from(["officer", "other_officer", "group_officer", "company_officer"]),
       category=st.sampled_from(["", Category.SAFETY]),
       offset=st.integers(0, 30), limit=st.integers(1, 12),
       walk=st.sampled_from([(64, 4096, 20_000), (1, 2, 3), (2, 4, 9), (3, 3, 1), (1, 4, 40)]),
       narrow=st.sampled_from([(1_000, 0.02, 20_000, 25), (1, 0.5, 100, 0), (2, 1.0, 100, 1000), (2, 1.0, 3, 0),
                                (4, 0.3, 100, 1)]),
       windows=st.sampled_from([(4_096, 262_144), (1, 3), (2, 2)]),
       row_cost=st.sampled_from([1.6, 0.0, 1e9]), scope_cost=st.sampled_from([3.5, 0.0, 1e9]),
       matches_cap=st.sampled_from([50_000, 3, 0]))
def test_a_page_is_the_plain_querys_page(corpus, monkeypatch, term, who, category, offset, limit, walk, narrow,
                                         windows, row_cost, scope_cost, matches_cap):
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
    user = getattr(corpus, who)
    full = list(services.search(user, term, category=category))
    assert services.search_page(user, term, offset=offset, limit=limit, category=category) == full[offset : offset + limit]


def test_the_common_term_is_found_newest_first(corpus):
    page = services.search_page(corpus.group_officer, "问题", limit=5)
    assert len(page) == 5 and [p.pk for p in page] == sorted((p.pk for p in page), reverse=True)
    assert page[0].pk == max(p.pk for p in services.search(corpus.group_officer, "问题"))
