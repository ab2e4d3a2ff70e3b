"""Benchmark: import of a legacy ledger (.xlsx) of N rows, end to end.

    python bench/ledger_import.py --rows 100000 [--bad 0.01] [--csv] [--keep-db]

Builds the benchmark group (bench.generate.ensure_group: 1 group, 3 companies, 12 mines,
60 teams) in a fresh SQLite database (or the one DATABASE_URL names), a 承办人 per team, a
ledger source of the group, writes a ledger with bench/ledger_gen.py, and times:

- ``upload``: reading the whole file once at upload (format, header row, row count, limits)
  and storing it encrypted — what the clerk waits for before the mapping page;
- ``import``: the background job — validation of every row, the petitions with their
  historical events, identities and keys written in bulk, the error report;
- ``reimport``: the same file again (every row recognised as already imported).

The goal of issue #4 is an import of 100k ledger rows in ≤ 60 s. Prints RESULT lines.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django

DB_NAME = "bench-ledger.sqlite3"


def run(rows: int, bad: float, as_csv: bool, profile: bool = False) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench.common import machine
    from bench.generate import ensure_group
    from bench.ledger_gen import Handler, write_ledger
    from core.jobs import job_run
    from ledger.models import LedgerSource
    from ledger.services import run_start, upload_create
    from orgs.choices import Role, UnitKind
    from orgs.models import RoleAssignment, Unit, User
    from petitions.models import Petition, PetitionEvent

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    group, _mines, _users = ensure_group()
    clerk, _ = User.objects.get_or_create(employee_no="BLEDGER", defaults={"name": "台账管理员"})
    RoleAssignment.objects.get_or_create(user=clerk, unit=group, role=Role.PETITION_OFFICER)
    teams = list(Unit.objects.filter(code__startswith="BENCH-", kind=UnitKind.TEAM).order_by("code"))
    handlers = []
    for i, team in enumerate(teams):
        user, _ = User.objects.get_or_create(employee_no=f"BH{i:04d}", defaults={"name": f"承办人{i}", "home_unit": team})
        RoleAssignment.objects.get_or_create(user=user, unit=team, role=Role.HANDLER)
        handlers.append(Handler(unit=team.code, name=user.employee_no))
    # A new source per run: its keys are its own, so every row of this run is new to it.
    source = LedgerSource.objects.create(name=f"基准测试台账 {time.time_ns()}", unit=group, created_by=clerk)
    source.mapping = {
        "legacy_number": "信访编号", "received": "登记日期", "name": "来信人", "phone": "联系电话",
        "channel": "信访方式", "category": "问题类别", "content": "反映问题", "handling_unit": "办理单位",
        "handler": "承办人", "accepted": "受理日期", "state": "办理状态", "replied": "答复日期", "rating": "满意度",
    }
    source.fixed = {"ptype": "request"}
    source.date_formats = ["ymd", "ymd8"]
    source.save()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("ledger.csv" if as_csv else "ledger.xlsx")
        t0 = time.perf_counter()
        broken = write_ledger(path, rows, csv_encoding="gb18030" if as_csv else None,
                              units=[t.code for t in teams], handlers=handlers, bad=bad, seed=11)
        print(f"ledger: {rows:,} rows, {broken:,} broken, {path.stat().st_size / 1e6:.1f} MB "
              f"(generated in {time.perf_counter() - t0:.1f} s)")
        before = Petition.objects.count()
        results = {}
        for label in ("import", "reimport"):
            t0, c0 = time.perf_counter(), time.process_time()
            upload = upload_create(user=clerk, source=source,
                                   uploaded=SimpleUploadedFile(path.name, path.read_bytes()))
            t_upload, c_upload = time.perf_counter() - t0, time.process_time() - c0
            run_ = run_start(upload=upload, user=clerk, dry_run=False, queue=False)
            t1, c1 = time.perf_counter(), time.process_time()
            if profile and label == "import":
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                job = profiler.runcall(job_run, run_.job.pk)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            else:
                job = job_run(run_.job.pk)
            t_job, c_job = time.perf_counter() - t1, time.process_time() - c1
            if job.status != "done":
                raise SystemExit(f"job failed: {job.message}")
            results[label] = (t_upload, t_job, job.result)
            print(f"{label}: upload {t_upload:.1f} s (CPU {c_upload:.1f} s), job {t_job:.1f} s (CPU {c_job:.1f} s)"
                  f" — {job.message}")
        created = Petition.objects.count() - before
        print(f"petitions created: {created:,}; events: {PetitionEvent.objects.count():,}")
    print(f"machine: {machine()}; load average before the run: {load}")
    t_upload, t_job, result = results["import"]
    print(f"RESULT ledger import {rows} rows: upload {t_upload:.1f} s + import {t_job:.1f} s = "
          f"{t_upload + t_job:.1f} s ({rows / (t_upload + t_job):,.0f} rows/s); "
          f"created {result['created']:,}, failed {result['failed']:,}")
    t_upload, t_job, result = results["reimport"]
    print(f"RESULT ledger reimport {rows} rows: upload {t_upload:.1f} s + import {t_job:.1f} s = "
          f"{t_upload + t_job:.1f} s; unchanged {result['unchanged']:,}, created {result['created']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad", type=float, default=0.01)
    parser.add_argument("--csv", action="store_true", help="a GB18030 CSV instead of .xlsx")
    parser.add_argument("--keep-db", action="store_true", help="do not start from an empty database")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import job")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ and not args.keep_db:
        for suffix in ("", "-wal", "-shm"):
            (ROOT / "var" / f"{DB_NAME}{suffix}").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as media:
        os.environ.setdefault("MEDIA_ROOT", media)
        setup_django(DB_NAME)
        from django.conf import settings

        settings.MEDIA_ROOT = Path(media)
        run(args.rows, args.bad, args.csv, args.profile)


if __name__ == "__main__":
    main()
