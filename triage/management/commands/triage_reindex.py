"""Rebuild the repeat/similarity and search index of every petition.

    manage.py triage_reindex [--workers 2] [--batch 5000]

Text work (normalisation, signatures, profiles, grams) runs in ``--workers`` processes;
the database writes stay in this one. Prints the time taken."""

from __future__ import annotations

import multiprocessing
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from petitions.models import Petition, PetitionerIdentity
from triage import index
from triage.models import LshBand, TriageDoc

# The indexes of LshBand (triage.models), recreated after a rebuild.
BAND_INDEXES = {
    "triage_band_key_idx": "CREATE INDEX triage_band_key_idx ON triage_lshband (key, petition_id)",
    "triage_band_petition_idx": "CREATE INDEX triage_band_petition_idx ON triage_lshband (petition_id)",
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
        done, last_id, batch = 0, 0, opts["batch"]
        # A full rebuild inserts 16 random band keys per petition: building their B-tree once at
        # the end (sorted) is many times faster than keeping it up to date row by row.
        with connection.cursor() as cur:
            for name in BAND_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS {name}")  # nosec B608 — fixed names
            if connection.vendor == "sqlite":
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("PRAGMA cache_size=-400000")
        try:
            while True:
                rows = list(Petition.objects.filter(pk__gt=last_id).order_by("pk").values_list(
                    "pk", "unit_id", "received_at", "petitioner_id", "is_anonymous", "title", "content")[: batch * workers])
                if not rows:
                    break
                last_id = rows[-1][0]
                work = []
                for pid, unit_id, received, petitioner_id, anonymous, title, content in rows:
                    key = ""
                    if not anonymous and petitioner_id:
                        key = index.person_key(petitioner_id)
                    elif not anonymous and pid in with_identity:
                        key = _identity_key(pid)
                    work.append((pid, unit_id, received, key, title, content))
                chunks = [work[i : i + batch] for i in range(0, len(work), batch)]
                results = pool.map(_compute, chunks) if pool else [_compute(c) for c in chunks]
                with transaction.atomic():
                    for chunk in results:
                        self._write(chunk)
                done += len(rows)
                self.stdout.write(f"  {done:,}/{total:,} {time.perf_counter() - started:,.0f} s")
        finally:
            if pool:
                pool.close()
                pool.join()
        with connection.cursor() as cur:
            for sql in BAND_INDEXES.values():
                cur.execute(sql)
        self.stdout.write(f"  band indexes rebuilt {time.perf_counter() - started:,.0f} s")
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
    def _write(chunk) -> None:
        docs, bands, fts = [], [], []
        for pid, unit_id, received, key, text_hash, sig, keys, profile, grams in chunk:
            docs.append(TriageDoc(petition_id=pid, person_key=key, unit_id=unit_id, received_at=received,
                                  text_hash=text_hash, signature=sig, profile=profile, grams=grams))
            bands.extend(LshBand(petition_id=pid, key=k) for k in keys)
            fts.append((pid, grams))
        TriageDoc.objects.bulk_create(docs, batch_size=1000)
        LshBand.objects.bulk_create(bands, batch_size=5000)
        index._fts_insert(fts)


def _identity_key(pid: int) -> str:
    from petitions.identity import unseal

    row = PetitionerIdentity.objects.get(petition_id=pid)
    ident = unseal(row)
    return index.person_key(None, ident.name, ident.phone, ident.id_number)
