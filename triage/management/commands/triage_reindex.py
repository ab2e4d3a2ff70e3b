"""Rebuild the repeat/similarity and search index of every petition.

    manage.py triage_reindex [--workers 2] [--batch 5000]

Text work (normalisation, signatures, profiles, grams) runs in ``--workers`` processes;
the database writes stay in this one. Prints the time taken."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections import deque

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from petitions.models import Petition, PetitionerIdentity
from triage import index

DOC_COLUMNS = "petition_id, person_key, unit_id, received_at, text_hash, signature, profile, grams"
# Indexes dropped during a rebuild and built once at the end (sorted), many times faster than
# keeping them up to date row by row: LshBand's (triage.models) and, on PostgreSQL, the search
# index of migration 0002.
REBUILT_INDEXES = {
    "triage_band_key_idx": "CREATE INDEX IF NOT EXISTS triage_band_key_idx ON triage_lshband (key, petition_id)",
    "triage_band_petition_idx": "CREATE INDEX IF NOT EXISTS triage_band_petition_idx ON triage_lshband (petition_id)",
}


def _compute(rows):
    out = []
    for pid, unit_id, received, key, title, content in rows:
        d = index.doc_data(title, content)
        out.append((pid, unit_id, received, key, d.text_hash, d.signature, d.keys, d.profile.as_data(), d.grams))
    return out


class Command(BaseCommand):
    help = "重建研判索引（相似/重复索引和全文检索索引）"

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, **opts):
        started = time.perf_counter()
        total = Petition.objects.count()
        with transaction.atomic():
            index.clear()
        with_identity = set(PetitionerIdentity.objects.values_list("petition_id", flat=True))
        workers = max(1, opts["workers"])
        pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
        done, batch = 0, opts["batch"]
        # A full rebuild inserts 16 random band keys per petition: building their B-tree once at
        # the end (sorted) is many times faster than keeping it up to date row by row.
        rebuilt = dict(REBUILT_INDEXES)
        if connection.vendor == "postgresql":
            rebuilt[index.PG_SEARCH_INDEX] = index.PG_SEARCH_INDEX_SQL
            rebuilt[index.PG_UNIT_SEARCH_INDEX] = index.PG_UNIT_SEARCH_INDEX_SQL
        with connection.cursor() as cur:
            for name in rebuilt:
                cur.execute(f"DROP INDEX IF EXISTS {name}")  # nosec B608 — fixed names
            if connection.vendor == "sqlite" and not connection.in_atomic_block:
                # The index is derived data: a crash mid-rebuild is mended by running it again.
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("PRAGMA cache_size=-400000")
        try:
            # A pipeline: the workers compute the next chunks while this process writes the
            # previous one (at most workers + 1 chunks in flight, so memory stays bounded).
            pending: deque = deque()
            chunks = self._chunks(batch, with_identity)
            for work in chunks:
                pending.append(pool.apply_async(_compute, (work,)) if pool else work)
                if len(pending) <= workers:
                    continue
                done += self._write_next(pending, pool)
                self.stdout.write(f"  {done:,}/{total:,} {time.perf_counter() - started:,.0f} s")
            while pending:
                done += self._write_next(pending, pool)
                self.stdout.write(f"  {done:,}/{total:,} {time.perf_counter() - started:,.0f} s")
        finally:
            if pool:
                pool.close()
                pool.join()
            # Also after a failure: the incremental index keeps working on what was written, and
            # running the command again completes it.
            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    # Inside an outer transaction the rows' deferred foreign-key checks are still
                    # pending, and PostgreSQL refuses CREATE INDEX on a table with pending checks.
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cur.execute("SET maintenance_work_mem = '512MB'")
                for sql in rebuilt.values():
                    cur.execute(sql)
        self.stdout.write(f"  indexes rebuilt {time.perf_counter() - started:,.0f} s")
        if connection.vendor == "sqlite":
            with connection.cursor() as cur:
                cur.execute("INSERT INTO triage_fts(triage_fts) VALUES('optimize')")
                cur.execute("ANALYZE triage_lshband")
                cur.execute("ANALYZE triage_triagedoc")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE triage_lshband")
                cur.execute("ANALYZE triage_triagedoc")
        self.stdout.write(f"RESULT reindex {done:,} petitions in {time.perf_counter() - started:,.1f} s")

    @staticmethod
    def _chunks(batch: int, with_identity: set[int]):
        last_id = 0
        while True:
            rows = list(Petition.objects.filter(pk__gt=last_id).order_by("pk").values_list(
                "pk", "unit_id", "received_at", "petitioner_id", "is_anonymous", "title", "content")[:batch])
            if not rows:
                return
            last_id = rows[-1][0]
            work = []
            for pid, unit_id, received, petitioner_id, anonymous, title, content in rows:
                key = ""
                if not anonymous and petitioner_id:
                    key = index.person_key(petitioner_id)
                elif not anonymous and pid in with_identity:
                    key = _identity_key(pid)
                work.append((pid, unit_id, received, key, title, content))
            yield work

    def _write_next(self, pending: deque, pool) -> int:
        head = pending.popleft()
        chunk = head.get() if pool else _compute(head)
        with transaction.atomic():
            self._write(chunk)
        return len(chunk)

    @staticmethod
    def _write(chunk) -> None:
        """Plain multi-row inserts (COPY on PostgreSQL): the ORM's bulk_create spent more time
        building 17 model instances per petition than the database spent storing them."""
        ops = connection.ops
        docs, bands, fts = [], [], []
        for pid, unit_id, received, key, text_hash, sig, keys, profile, grams in chunk:
            docs.append((pid, key, unit_id, ops.adapt_datetimefield_value(received), text_hash, sig,
                         json.dumps(profile), grams))
            bands.extend((pid, k) for k in keys)
            fts.append((pid, grams))
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                raw = cur.cursor
                with raw.copy(f"COPY triage_triagedoc ({DOC_COLUMNS}) FROM STDIN") as copy:
                    for row in docs:
                        copy.write_row(row)
                with raw.copy("COPY triage_lshband (petition_id, key) FROM STDIN") as copy:
                    for row in bands:
                        copy.write_row(row)
            return
        with connection.cursor() as cur:
            cur.executemany(f"INSERT INTO triage_triagedoc ({DOC_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # nosec B608
                            docs)  # a fixed column list; the values are parameters
            cur.executemany("INSERT INTO triage_lshband (petition_id, key) VALUES (%s, %s)", bands)
        index._fts_insert(fts)


def _identity_key(pid: int) -> str:
    from petitions.identity import unseal

    row = PetitionerIdentity.objects.get(petition_id=pid)
    ident = unseal(row)
    return index.person_key(None, ident.name, ident.phone, ident.id_number)
