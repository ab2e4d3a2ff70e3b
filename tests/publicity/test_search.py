"""News search through the token index (publicity.search): exactly what a substring search of
title and lead finds among the pieces on the news pages, for 1-, 2-, 3- and 4+-character terms;
postings written at publication (an embargoed piece not found before its time), dropped on
withdrawal, backfilled by the migration's function and the command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidState, NotAllowed
from publicity import newsroom, search
from publicity.choices import Decision, PieceState
from publicity.models import NewsToken, Piece
from publicity.search import news_q
from publicity.selectors import news_search

pytestmark = pytest.mark.django_db

ALPHABET = "安全生产煤矿党建aB 1"  # few characters: terms collide with and straddle each other often


def substring_ids(term: str, now) -> list[int]:
    """The reference: the news pieces whose title or lead contains ``term``, newest first."""
    return list(Piece.objects.filter(news_q(now)).filter(Q(title__contains=term) | Q(lead__contains=term))
                .order_by("-published_at", "-id").values_list("pk", flat=True))


def publish_through_reviews(nr, title: str, lead: str = "", **kw) -> Piece:
    draft = newsroom.PieceDraft(title=title, lead=lead, body="本稿件正文用于检索测试，共十余字。", unit=nr.team, **kw)
    piece = newsroom.piece_create(author=nr.correspondent, draft=draft, submit=True)
    for who in (nr.editor, nr.head, nr.leader):
        piece = newsroom.piece_review(piece=piece, acting_user=who, decision=Decision.PASS, proofread=True)
    return piece


def make_piece(nr, title: str, lead: str, *, state=PieceState.PUBLISHED, for_news=True, at=None, embargo=None):
    """A piece as the services leave it, indexed by the function publication calls."""
    now = timezone.now()
    piece = Piece.objects.create(title=title, lead=lead, body="正文", unit=nr.team, author=nr.correspondent,
                                 state=state, for_news=for_news, embargo_until=embargo,
                                 published_at=(at or now) if state == PieceState.PUBLISHED else None)
    search.index_piece(piece)
    return piece


texts = st.text(alphabet=ALPHABET, min_size=0, max_size=14)
piece_rows = st.lists(st.tuples(texts, texts, st.sampled_from(["news", "draft", "outside", "embargoed"]),
                                st.integers(0, 5)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=piece_rows, term=st.text(alphabet=ALPHABET, min_size=1, max_size=6), pick=st.integers(0, 100))
def test_index_finds_exactly_what_a_substring_search_finds(nr, rows, term, pick):
    now = timezone.now()
    with transaction.atomic():
        for title, lead, kind, minutes in rows:
            make_piece(nr, title or "空", lead,
                       state=PieceState.DRAFT if kind == "draft" else PieceState.PUBLISHED,
                       for_news=kind != "outside", at=now - timedelta(minutes=minutes),
                       embargo=now + timedelta(hours=1) if kind == "embargoed" else None)
        # Terms drawn at random and cut out of a stored text (2, 3, 4+ characters that do occur).
        source = rows[pick % len(rows)][pick % 2] or "安全"
        start = pick % max(1, len(source))
        for t in {term, source[start:start + 2], source[start:start + 3], source[start:start + 5], term.upper()}:
            t = t.strip()
            if t:
                assert search.search_ids(t, now, offset=0, limit=1000) == substring_ids(t, now), t
        transaction.set_rollback(True)


@pytest.mark.parametrize("term", ["煤", "安全", "安全生", "安全生产", "全生产党建工作", "党建引领", "Ab", "ab 1"])
def test_terms_of_every_length(nr, term):
    now = timezone.now()
    for i, (title, lead) in enumerate([("安全生产党建引领", "煤矿"), ("煤矿安全", "全生产党建工作好"),
                                       ("AB 1 创新", "ab 12"), ("党建工作", "安全生 产"), ("全不相干", "无")]):
        make_piece(nr, title, lead, at=now - timedelta(minutes=i))
    expected = substring_ids(term, now)
    assert search.search_ids(term, now, offset=0, limit=50) == expected
    # Each term occurs somewhere (the comparison is not vacuous) — "Ab" only where LIKE ignores
    # ASCII case (SQLite); on PostgreSQL it is found nowhere, as the substring search finds it.
    if term != "Ab" or connection.vendor == "sqlite":
        assert expected


def test_paging_follows_the_news_order(nr):
    now = timezone.now()
    made = [make_piece(nr, f"安全生产第{i}期", "", at=now - timedelta(minutes=i)) for i in range(25)]
    rows, more = news_search(nr.outsider, "安全生产", now=now)
    assert [r.pk for r in rows] == [p.pk for p in made[:20]] and more
    rows, more = news_search(nr.outsider, "安全生产", offset=20, now=now)
    assert [r.pk for r in rows] == [p.pk for p in made[20:]] and not more


def test_term_found_nowhere_costs_one_short_query(nr):
    make_piece(nr, "安全生产", "党建引领")
    with CaptureQueriesContext(connection) as ctx:
        assert search.search_ids("不存在的词语", timezone.now(), offset=0, limit=21) == []
    assert len(ctx.captured_queries) == 1  # the capped counts; a token without postings ends it


def test_published_through_reviews_is_found_and_withdrawn_is_not(nr):
    piece = publish_through_reviews(nr, "智能化综采工作面投产", lead="塔山矿")
    assert NewsToken.objects.filter(piece=piece).exists()
    assert [r.pk for r in news_search(nr.outsider, "综采工作面")[0]] == [piece.pk]
    assert [r.pk for r in news_search(nr.outsider, "塔")[0]] == [piece.pk]
    with pytest.raises(NotAllowed):
        newsroom.piece_withdraw(piece=piece, acting_user=nr.outsider, reason="有误")
    piece = newsroom.piece_withdraw(piece=piece, acting_user=nr.officer, reason="数据有误，撤稿核实")
    assert piece.state == PieceState.WITHDRAWN
    assert not NewsToken.objects.filter(piece=piece).exists()
    assert news_search(nr.outsider, "综采工作面")[0] == []
    assert news_search(nr.outsider, "")[0] == []  # off the news list too
    with pytest.raises(InvalidState):
        newsroom.piece_withdraw(piece=piece, acting_user=nr.officer, reason="再次")


def test_embargoed_piece_is_found_only_from_its_embargo(nr):
    now = timezone.now()
    piece = publish_through_reviews(nr, "禁发稿件检索测试", embargo_until=now + timedelta(hours=2))
    assert news_search(nr.outsider, "禁发稿件", now=now)[0] == []
    assert news_search(nr.leader, "禁发稿件", now=now)[0] == []  # not on the news page for anyone
    at = piece.embargo_until
    assert news_search(nr.outsider, "禁发稿件", now=at - timedelta(seconds=1))[0] == []
    assert [r.pk for r in news_search(nr.outsider, "禁发稿件", now=at)[0]] == [piece.pk]


def test_only_news_pieces_are_indexed(nr):
    outside = make_piece(nr, "只对外投稿", "", for_news=False)
    draft = make_piece(nr, "草稿不检索", "", state=PieceState.DRAFT)
    assert not NewsToken.objects.filter(piece__in=[outside, draft]).exists()


def test_backfill_and_command_index_pieces_published_before_the_index(nr):
    now = timezone.now()
    old = Piece.objects.create(title="历史稿件回填", lead="早年签发", body="正文", unit=nr.team,
                               author=nr.correspondent, state=PieceState.PUBLISHED, published_at=now)
    assert search.search_ids("历史稿件", now, offset=0, limit=5) == []  # not indexed yet
    assert search.backfill(Piece, NewsToken) == 1
    assert search.search_ids("历史稿件", now, offset=0, limit=5) == [old.pk]
    assert search.backfill(Piece, NewsToken) == 0  # once
    n = NewsToken.objects.count()
    call_command("publicity_reindex_news", "--rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert NewsToken.objects.count() == n
    assert search.search_ids("早年", now, offset=0, limit=5) == [old.pk]


def test_news_page_search_and_withdraw_button(nr, client):
    piece = publish_through_reviews(nr, "洗煤厂节能改造见成效")
    client.force_login(nr.outsider)
    page = client.get(reverse("publicity:news"), {"q": "节能改造"})
    assert "洗煤厂节能改造见成效" in page.content.decode()
    page = client.get(reverse("publicity:news"), {"q": "节能改革"})
    assert "洗煤厂节能改造见成效" not in page.content.decode()
    url = reverse("publicity:piece_act", args=[piece.public_id, "withdraw"])
    assert client.post(url, {"reason": "撤"}).status_code in (403, 404)
    assert Piece.objects.get(pk=piece.pk).state == PieceState.PUBLISHED
    client.force_login(nr.officer)
    response = client.post(url, {"reason": "数据待核实"})
    assert response.status_code == 302
    assert Piece.objects.get(pk=piece.pk).state == PieceState.WITHDRAWN
    client.force_login(nr.outsider)
    assert "洗煤厂节能改造见成效" not in client.get(reverse("publicity:news"), {"q": "节能"}).content.decode()
