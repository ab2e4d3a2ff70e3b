"""The repeat/similarity index and the search index, on SQLite and PostgreSQL.

* TriageDoc: one row per petition (person key, signature, profile, search grams).
* LshBand: 16 band keys per petition; candidates are the petitions sharing a band key.
* Search: SQLite FTS5 table ``triage_fts`` over TriageDoc.grams (external content, rowid =
  petition id); PostgreSQL GIN index on ``to_tsvector('simple', grams)``. A term becomes a
  phrase of its character bigrams, so 2-, 3- and 4+-character terms are all exact matches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models.expressions import RawSQL

from tongxin.lib.zhtext.matter import Profile, profile
from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.shingles import (
    band_keys,
    char_ngrams,
    minhash,
    query_grams,
    search_grams,
    signature_bytes,
)
from triage.models import LshBand, TriageDoc

# The PostgreSQL search index on the stored tsvector column (migration 0007; dropped and rebuilt
# by triage_reindex).
PG_SEARCH_INDEX = "triage_doc_search_tsv_idx"
PG_SEARCH_INDEX_SQL = "CREATE INDEX IF NOT EXISTS triage_doc_search_tsv_idx ON triage_triagedoc USING gin (search_tsv)"
# Search within units (migration 0008, btree_gin): the index row's unit is the petition's 受理单位,
# kept so by a trigger when a petition is forwarded.
PG_UNIT_SEARCH_INDEX = "triage_doc_unit_search_idx"
PG_UNIT_SEARCH_INDEX_SQL = ("CREATE INDEX IF NOT EXISTS triage_doc_unit_search_idx ON triage_triagedoc "
                            "USING gin (unit_id, search_tsv)")
# PostgreSQL has no index that hands out matches in id order: newest_matches checks windows of
# ids, newest first, growing until it has enough (the stored tsvector makes each check cheap).
PG_WINDOW_FIRST, PG_WINDOW_MAX = 4_096, 262_144
BUCKET_CAP = 200  # rows read per band key: a crowded bucket (boilerplate) cannot slow a check down


def person_key(petitioner_id: int | None, name: str = "", phone: str = "", id_number: str = "") -> str:
    """Who raised it, as a keyed hash: the account, else name with phone or ID number (the
    registered identity stays encrypted; the key cannot be turned back into a name)."""
    if petitioner_id:
        basis = f"u:{petitioner_id}"
    elif name and (phone or id_number):
        basis = f"p:{normalize(name)}:{id_number.strip().upper() or ''.join(ch for ch in phone if ch.isdigit())}"
    else:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), basis.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class DocData:
    norm: str
    text_hash: str
    signature: bytes
    keys: list[int]
    profile: Profile
    grams: str


def stored_profile(data: dict, grams: str = "") -> Profile:
    """A stored petition's matter profile. Its character bigrams are read from its search grams
    (the same bigrams, one token each) instead of normalising its text again; without grams
    only the keywords and facts (enough to find contradicting facts)."""
    return Profile(frozenset(data.get("k", ())), frozenset(grams.split()),
                   {k: frozenset(v) for k, v in (data.get("e") or {}).items()})


def own_profile(data: DocData) -> Profile:
    """The profile of a petition being indexed, its bigrams in the same token form as stored ones."""
    return Profile(data.profile.keywords, frozenset(data.grams.split()), data.profile.entities)


def doc_data(title: str, content: str) -> DocData:
    norm = normalize(f"{title}。{content}")
    sig = minhash(char_ngrams(norm, 3))
    return DocData(norm, hashlib.blake2b(norm.encode(), digest_size=16).hexdigest(), signature_bytes(sig),
                   band_keys(sig), profile(norm), search_grams(norm))


def _fts_delete(petition_id: int, grams: str) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("INSERT INTO triage_fts(triage_fts, rowid, grams) VALUES('delete', %s, %s)", [petition_id, grams])


def _fts_insert(rows: Sequence[tuple[int, str]]) -> None:
    if connection.vendor == "sqlite" and rows:
        with connection.cursor() as cur:
            cur.executemany("INSERT INTO triage_fts(rowid, grams) VALUES(%s, %s)", list(rows))


def store(petition, data: DocData, key: str) -> TriageDoc:
    """Insert or refresh one petition's index entry (incremental; survives restarts: it is rows)."""
    old = TriageDoc.objects.filter(pk=petition.pk).only("grams", "text_hash").first()
    if old is not None:
        _fts_delete(petition.pk, old.grams)
        LshBand.objects.filter(petition_id=petition.pk).delete()
    doc = TriageDoc(petition_id=petition.pk, person_key=key, unit_id=petition.unit_id, received_at=petition.received_at,
                    text_hash=data.text_hash, signature=data.signature, profile=data.profile.as_data(), grams=data.grams)
    doc.save(force_insert=old is None)
    LshBand.objects.bulk_create([LshBand(petition_id=petition.pk, key=k) for k in data.keys])
    _fts_insert([(petition.pk, data.grams)])
    return doc


def clear() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("INSERT INTO triage_fts(triage_fts) VALUES('delete-all')")
    LshBand.objects.all().delete()
    TriageDoc.objects.all().delete()


def bulk_store(rows: Iterable[tuple[int, int | None, object, str, DocData]]) -> int:
    """Index many petitions at once (re-indexing): (id, unit id, received_at, person key, data)."""
    docs, bands, fts = [], [], []
    for pid, unit_id, received, key, data in rows:
        docs.append(TriageDoc(petition_id=pid, person_key=key, unit_id=unit_id, received_at=received,
                              text_hash=data.text_hash, signature=data.signature, profile=data.profile.as_data(),
                              grams=data.grams))
        bands.extend(LshBand(petition_id=pid, key=k) for k in data.keys)
        fts.append((pid, data.grams))
    TriageDoc.objects.bulk_create(docs, batch_size=2000)
    LshBand.objects.bulk_create(bands, batch_size=5000)
    _fts_insert(fts)
    return len(docs)


def band_candidates(keys: Sequence[int], *, exclude: int | None = None, limit: int = 50) -> list[tuple[int, int]]:
    """(petition id, shared bands) of the petitions sharing a band key, most shared first."""
    counts: Counter[int] = Counter()
    if not keys:
        return []
    # One round trip: a capped sub-select per band key (a crowded bucket stays cheap).
    # The alias is required by PostgreSQL 15 (a sub-select in FROM must be named).
    part = "SELECT * FROM (SELECT petition_id FROM triage_lshband WHERE key = %s LIMIT %s) AS band"
    sql = " UNION ALL ".join([part] * len(keys))  # nosec B608 — placeholders only
    params: list[int] = []
    for k in keys:
        params += [k, BUCKET_CAP]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        counts.update(r[0] for r in cur.fetchall())
    counts.pop(exclude, None)
    return counts.most_common(limit)


def match_expression(term: str) -> str:
    """The full-text query for a user's terms (space-separated terms must all match)."""
    phrases = []
    for part in term.split():
        grams = query_grams(normalize(part))
        if not grams:
            continue
        if connection.vendor == "postgresql":
            phrases.append("(" + " <-> ".join(grams) + ")" if len(grams) > 1 else grams[0])
        else:
            phrases.append('"' + " ".join(grams) + '"')
    return (" & " if connection.vendor == "postgresql" else " AND ").join(phrases)


def newest_matches(expr: str, *, below: int | None, limit: int) -> list[int]:
    """Ids of up to ``limit`` petitions matching a ``match_expression``, newest first, below an
    id. SQLite: FTS5 walks its index in descending rowid order and stops at the limit.
    PostgreSQL: windows of ids below ``below``, newest first, each answered by the GIN index and
    the primary key together, until ``limit`` are found or the ids run out."""
    if connection.vendor == "sqlite":
        sql = "SELECT rowid FROM triage_fts WHERE triage_fts MATCH %s"
        params: list = [expr]
        if below is not None:
            sql += " AND rowid < %s"
            params.append(below)
        with connection.cursor() as cur:
            cur.execute(sql + " ORDER BY rowid DESC LIMIT %s", [*params, limit])
            return [r[0] for r in cur.fetchall()]
    hi = below if below is not None else (TriageDoc.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    found: list[int] = []
    width = max(PG_WINDOW_FIRST, limit * 4)
    with connection.cursor() as cur:
        while hi > 1 and len(found) < limit:
            lo = max(1, hi - width)
            # OFFSET 0 keeps the window a range scan of the primary key with the stored tsvector
            # checked per row (≈ 1.6 µs): the planner misjudges phrase queries as rare and would
            # otherwise take every match of the whole table from the GIN index for each window.
            cur.execute("SELECT petition_id FROM (SELECT petition_id, search_tsv FROM triage_triagedoc "
                        "WHERE petition_id >= %s AND petition_id < %s ORDER BY petition_id DESC OFFSET 0) AS w "
                        "WHERE search_tsv @@ to_tsquery('simple'::regconfig, %s) LIMIT %s",
                        [lo, hi, expr, limit - len(found)])
            found += [r[0] for r in cur.fetchall()]
            hi, width = lo, min(width * 4, PG_WINDOW_MAX)
    return found


def all_matches_below(expr: str, below: int, *, cap: int) -> list[int] | None:
    """Every match below an id, newest first; None when there are more than ``cap``. PostgreSQL
    reads them from the GIN index (fenced: the inner query has no order, so the planner cannot
    turn it into a walk of the primary key)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT rowid FROM triage_fts WHERE triage_fts MATCH %s AND rowid < %s ORDER BY rowid DESC "
                        "LIMIT %s", [expr, below, cap + 1])
            ids = [r[0] for r in cur.fetchall()]
            return ids if len(ids) <= cap else None
        cur.execute("SELECT petition_id FROM (SELECT petition_id FROM triage_triagedoc WHERE petition_id < %s "
                    "AND search_tsv @@ to_tsquery('simple'::regconfig, %s) OFFSET 0) AS m ORDER BY petition_id DESC "
                    "LIMIT %s", [below, expr, cap + 1])
        ids = [r[0] for r in cur.fetchall()]
    return ids if len(ids) <= cap else None


def unit_matches(expr: str, units: Sequence[int], *, cap: int) -> list[int] | None:
    """Every match among the petitions whose 受理单位 is one of ``units``, newest first; None when
    there are more than ``cap``. PostgreSQL intersects the units' and the rarest bigram's posting
    lists in the (unit_id, search_tsv) GIN index and checks the phrase on the few rows left (fenced:
    with the whole phrase inside, the planner takes it for rare and filters the units row by row)."""
    if not units:
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT petition_id FROM (SELECT petition_id, search_tsv FROM triage_triagedoc "
                        "WHERE unit_id = ANY(%s::bigint[]) AND search_tsv @@ to_tsquery('simple'::regconfig, %s) OFFSET 0) AS m "
                        "WHERE search_tsv @@ to_tsquery('simple'::regconfig, %s) ORDER BY petition_id DESC LIMIT %s",
                        [list(units), _rarest_lexeme(expr), expr, cap + 1])
        else:
            cur.execute("SELECT rowid FROM triage_fts WHERE triage_fts MATCH %s AND rowid IN (SELECT petition_id "
                        "FROM triage_triagedoc WHERE unit_id IN (SELECT value FROM json_each(%s))) "
                        "ORDER BY rowid DESC LIMIT %s", [expr, json.dumps(list(units)), cap + 1])
        ids = [r[0] for r in cur.fetchall()]
    return ids if len(ids) <= cap else None


def _rarest_lexeme(expr: str) -> str:
    """The bigram of an expression the planner's statistics find in the fewest rows (one lexeme's
    estimate is close; a phrase's comes out hundreds of times too low)."""
    lexemes = sorted({part.strip("()") for part in expr.replace("<->", " ").replace("&", " ").split()})
    if len(lexemes) == 1:
        return lexemes[0]
    return min(lexemes, key=lambda lexeme: planned_rows(
        "SELECT 1 FROM triage_triagedoc WHERE search_tsv @@ to_tsquery('simple'::regconfig, %s)", [lexeme]))


def planned_rows(sql: str, params: Sequence) -> int:
    """PostgreSQL's estimate of how many rows a query returns (EXPLAIN only: nothing is run)."""
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)  # nosec B608 — compiled SQL, parameters apart
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def matches_among(expr: str, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` match a ``match_expression``, newest first (one index look-up each)."""
    if not ids:
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Fenced (OFFSET 0) so that each id is a primary-key look-up with its stored tsvector
            # checked: unfenced, the planner takes a phrase for rare and reads every match of the
            # whole table from the GIN index to keep the few in ``ids``.
            cur.execute("SELECT petition_id FROM (SELECT petition_id, search_tsv FROM triage_triagedoc "
                        "WHERE petition_id = ANY(%s) OFFSET 0) AS w WHERE search_tsv @@ to_tsquery('simple'::regconfig, %s) "
                        "ORDER BY petition_id DESC", [list(ids), expr])
        else:
            marks = ", ".join(["%s"] * len(ids))
            cur.execute(f"SELECT rowid FROM triage_fts WHERE triage_fts MATCH %s AND rowid IN ({marks}) "  # nosec B608
                        "ORDER BY rowid DESC", [expr, *ids])
        return [r[0] for r in cur.fetchall()]


def matching_ids(term: str) -> RawSQL | None:
    """A subquery of the ids of petitions whose text contains the term(s), or None (no term)."""
    expr = match_expression(term)
    if not expr:
        return None
    if connection.vendor == "postgresql":
        return RawSQL("SELECT petition_id FROM triage_triagedoc WHERE search_tsv @@ to_tsquery('simple'::regconfig, %s)",
                      [expr])
    if connection.vendor == "sqlite":
        return RawSQL("SELECT rowid FROM triage_fts WHERE triage_fts MATCH %s", [expr])
    # The project supports SQLite and PostgreSQL only: another engine gets a clear configuration error.
    raise ImproperlyConfigured(f"全文检索不支持数据库 {connection.vendor}")

