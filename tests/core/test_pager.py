"""The one page-navigation every paginated list includes (templates/_pager.html)."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation


def _render(page_number: int, query: str) -> str:
    page = Paginator(list(range(60)), 25).page(page_number)
    request = RequestFactory().get(f"/petitions/inbox/?{query}")
    with translation.override("zh-hans"):
        return render_to_string("_pager.html", {"page": page}, request=request)


def test_middle_page_links_both_ways_and_keeps_the_filters():
    html = _render(2, "unit=7&q=%E5%B7%A5%E8%B5%84&page=2")
    assert "第 2 / 3 页" in html
    assert 'href="?unit=7&amp;q=%E5%B7%A5%E8%B5%84&amp;page=1"' in html
    assert 'href="?unit=7&amp;q=%E5%B7%A5%E8%B5%84&amp;page=3"' in html


def test_first_and_last_pages_offer_only_the_way_that_exists():
    first, last = _render(1, "page=1"), _render(3, "page=3")
    assert "上一页" not in first and "下一页" in first
    assert "上一页" in last and "下一页" not in last


def test_a_single_page_shows_no_navigation():
    page = Paginator(list(range(10)), 25).page(1)
    assert render_to_string("_pager.html", {"page": page}, request=RequestFactory().get("/")).strip() == ""
