"""Search of the platform's news pages through a token index (NewsToken).

A piece published for the news page gets one posting per distinct character bigram and per
distinct character of its title and of its lead (each field on its own: a term never spans
them). A query of n ≥ 2 characters can only occur in a field holding all its bigrams, a
1-character query only in one holding that character, so the postings give a superset of the
substring matches; the candidates are then checked with the same ``contains`` the unindexed
search used, so the result is exactly the substring search's (tests/publicity/test_search.py).

ASCII letters are folded to lower case in the index and the query: SQLite's LIKE ignores ASCII
case, PostgreSQL's does not, and the folded index is a superset for both.

The driving scan reads the rarest token's postings newest first (index order: token,
published_at, piece) and probes the others at the same (published_at, piece) point, so a page
stops after the rows it needs, and a term with a token found nowhere costs one short count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from publicity.choices import PieceState

COUNT_CAP = 500  # postings counted per token when choosing the driving token
MAX_TOKENS = 16  # tokens of a long query considered (any subset keeps the result exact)
MAX_PROBES = 3  # other tokens probed per candidate besides the driving one
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    return text.translate(_ASCII_FOLD)


def text_tokens(*fields: str) -> set[str]:
    """The distinct characters and bigrams of each field (never across two fields)."""
    out: set[str] = set()
    for field in fields:
        f = fold(field or "")
        out.update(f)
        out.update(f[i:i + 2] for i in range(len(f) - 1))
    return out


def query_tokens(term: str) -> list[str]:
    """The tokens a field must hold to contain ``term`` (bigrams; the character itself for one)."""
    f = fold(term)
    if len(f) == 1:
        return [f]
    seen: dict[str, None] = {}
    for i in range(len(f) - 1):
        seen.setdefault(f[i:i + 2], None)
    return list(seen)[:MAX_TOKENS]


def news_q(now: datetime, prefix: str = "") -> Q:
    """A piece on the news pages at ``now``: published for the news, due, past its embargo."""
    return Q(**{f"{prefix}state": PieceState.PUBLISHED, f"{prefix}for_news": True,
                f"{prefix}published_at__lte": now}) & (
        Q(**{f"{prefix}embargo_until__isnull": True}) | Q(**{f"{prefix}embargo_until__lte": now}))


def is_indexed(piece) -> bool:
    return piece.state == PieceState.PUBLISHED and piece.for_news and piece.published_at is not None


def _rows(token_model, piece) -> list:
    return [token_model(token=t, piece_id=piece.pk, published_at=piece.published_at)
            for t in sorted(text_tokens(piece.title, piece.lead))]


@transaction.atomic
def index_piece(piece) -> int:
    """(Re)write the postings of one piece: called when it is published; none unless it is a
    published news piece. Returns the number of postings."""
    from publicity.models import NewsToken

    NewsToken.objects.filter(piece_id=piece.pk).delete()
    if not is_indexed(piece):
        return 0
    rows = _rows(NewsToken, piece)
    NewsToken.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def unindex_piece(piece) -> None:
    """Drop the postings of a piece taken off the news pages (withdrawn)."""
    from publicity.models import NewsToken

    NewsToken.objects.filter(piece_id=piece.pk).delete()


def backfill(piece_model, token_model, *, batch: int = 2000, progress=None) -> int:
    """Index every published news piece that has no postings yet (migration and the
    ``publicity_reindex_news`` command; takes historical models so a migration can call it).
    Rows go in as plain tuples (COPY on PostgreSQL, executemany on SQLite): millions of postings
    are written in minutes, not hours, on a loaded machine."""
    conn = connection
    table = token_model._meta.db_table
    field = token_model._meta.get_field("published_at")
    done = last = 0
    base = piece_model.objects.filter(state=PieceState.PUBLISHED, for_news=True, published_at__isnull=False)
    while True:
        chunk = list(base.filter(pk__gt=last).order_by("pk").values_list("pk", "title", "lead", "published_at")[:batch])
        if not chunk:
            return done
        last = chunk[-1][0]
        have = set(token_model.objects.filter(piece_id__gte=chunk[0][0], piece_id__lte=last)
                   .values_list("piece_id", flat=True).distinct())
        fresh = [c for c in chunk if c[0] not in have]
        rows = [(t, pk, field.get_db_prep_value(at, conn)) for pk, title, lead, at in fresh
                for t in sorted(text_tokens(title, lead))]
        with transaction.atomic(), conn.cursor() as cur:
            if conn.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {conn.ops.quote_name(table)} (token, piece_id, published_at) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
            else:
                cur.executemany(f"INSERT INTO {conn.ops.quote_name(table)} (token, piece_id, published_at) "  # nosec B608: the model's table
                                "VALUES (%s, %s, %s)", rows)
        done += len(fresh)
        if progress:
            progress(done)


def _counts(tokens: list[str], now: datetime) -> dict[str, int]:
    """Postings of each token (counted up to COUNT_CAP), in one statement."""
    from publicity.models import NewsToken

    table = connection.ops.quote_name(NewsToken._meta.db_table)
    parts, params = [], []
    for i, t in enumerate(tokens):
        parts.append(f"SELECT {i} AS i, (SELECT COUNT(*) FROM (SELECT 1 FROM {table} "  # nosec B608: ints and the model's table
                     f"WHERE token = %s AND published_at <= %s LIMIT {COUNT_CAP}) AS c{i}) AS n")
        params += [t, now]
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        return {tokens[i]: n for i, n in cur.fetchall()}


def search_ids(term: str, now: datetime, *, offset: int, limit: int) -> list[int]:
    """Ids of the news pieces whose title or lead contains ``term``, newest first
    (``limit`` rows from ``offset``)."""
    from publicity.models import NewsToken

    tokens = query_tokens(term)
    if not tokens:
        return []
    if len(tokens) == 1:  # one token (a 1- or 2-character term): its postings are the scan, no choice to make
        ordered = tokens
    else:
        counts = _counts(tokens, now)
        if min(counts.values()) == 0:
            return []
        ordered = sorted(tokens, key=lambda t: counts[t])
    driver, probes = ordered[0], ordered[1:1 + MAX_PROBES]
    qs = NewsToken.objects.filter(token=driver, published_at__lte=now)
    for t in probes:
        qs = qs.filter(Exists(NewsToken.objects.filter(token=t, published_at=OuterRef("published_at"),
                                                       piece_id=OuterRef("piece_id"))))
    qs = qs.filter(news_q(now, "piece__")).filter(Q(piece__title__contains=term) | Q(piece__lead__contains=term))
    return list(qs.order_by("-published_at", "-piece_id").values_list("piece_id", flat=True)[offset:offset + limit])


def in_order(rows: Iterable, ids: list[int]) -> list:
    by_id = {r.pk: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]
