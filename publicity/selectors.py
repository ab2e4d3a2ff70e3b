"""Reads of the publicity module, always on a scoped queryset (publicity.scoping)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from orgs.models import User
from publicity import search
from publicity.choices import PieceState
from publicity.scoping import news_visible_to, pieces_visible_to, post_units

NEWS_PAGE = 20


def news_search(user: User, q: str = "", *, offset: int = 0, limit: int = NEWS_PAGE,
                now: datetime | None = None) -> tuple[list, bool]:
    """One page of the news (newest first) whose title or lead contains ``q``, and whether
    there is a next page (no COUNT over the whole table: the page must stay fast)."""
    now = now or timezone.now()
    qs = news_visible_to(user, now).select_related("unit").only(
        "public_id", "title", "lead", "published_at", "unit__code", "unit__name", "unit__short_name", "kind")
    term = q.strip()[:50]
    if term and user.is_authenticated:
        # The token index (publicity.search) finds the page's ids; same result as a substring search.
        ids = search.search_ids(term, now, offset=offset, limit=limit + 1)
        rows = search.in_order(qs.filter(pk__in=ids), ids)
    else:
        rows = list(qs.order_by("-published_at", "-id")[offset:offset + limit + 1])
    return rows[:limit], len(rows) > limit


def review_queue(user: User, now: datetime | None = None) -> QuerySet:
    """Pieces waiting at a level where this user holds a post (in their subtree)."""
    from orgs.models import subtree_q

    posts = post_units(user)
    if not posts:
        return pieces_visible_to(user, now).none()
    from publicity.models import EditorialPost

    q = Q(pk__in=[])
    for post in EditorialPost.objects.filter(user=user).select_related("unit"):
        q |= Q(stage=post.level) & subtree_q([post.unit], field="unit__")
    return (pieces_visible_to(user, now).filter(state=PieceState.IN_REVIEW).filter(q)
            .exclude(author=user).select_related("unit", "author").order_by("submitted_at"))
