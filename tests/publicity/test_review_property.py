"""Property of pub.three_reviews: through any sequence of review actions a piece is published only
after all levels passed in one round by three different people (none of them the author), and a
rejected piece never appears on a news page."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from publicity import newsroom
from publicity.choices import LEVEL_ORDER, Decision, PieceState
from publicity.models import PieceReview
from publicity.scoping import news_visible_to

pytestmark = pytest.mark.django_db

PEOPLE = ["correspondent", "editor", "head", "leader", "both", "officer"]
step = st.one_of(
    st.tuples(st.just("review"), st.sampled_from(PEOPLE), st.sampled_from(list(Decision)), st.booleans()),
    st.tuples(st.just("submit"), st.sampled_from(PEOPLE), st.just(None), st.just(False)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_published_only_after_three_distinct_reviews(nr, steps):
    draft = newsroom.PieceDraft(title="任意审稿序列", body="这是一篇用于性质测试的稿件正文。", unit=nr.team)
    piece = newsroom.piece_create(author=nr.correspondent, draft=draft, submit=True)
    ever_rejected = False
    for kind, who, decision, proofread in steps:
        user = getattr(nr, who)
        try:
            if kind == "submit":
                piece = newsroom.piece_submit(piece=piece, acting_user=user)
            else:
                piece = newsroom.piece_review(piece=piece, acting_user=user, decision=decision,
                                              proofread=proofread, comment="意见")
        except DomainError:
            piece.refresh_from_db()
        ever_rejected |= piece.state == PieceState.REJECTED
        on_news = news_visible_to(nr.outsider).filter(pk=piece.pk).exists()
        if ever_rejected:
            assert piece.state == PieceState.REJECTED and not on_news
        if piece.state == PieceState.PUBLISHED:
            passes = PieceReview.objects.filter(piece=piece, round=piece.round, decision=Decision.PASS)
            by_level = dict(passes.values_list("level", "reviewer"))
            assert set(by_level) == set(LEVEL_ORDER)
            assert len(set(by_level.values())) == 3
            assert nr.correspondent.pk not in by_level.values()
            assert all(passes.values_list("proofread", flat=True))
            assert on_news
        else:
            assert not on_news
