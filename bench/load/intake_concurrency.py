"""Benchmark: concurrent intake on PostgreSQL, in-process (no HTTP), to see the numbering lock.

    DATABASE_URL=postgres://... python bench/load/intake_concurrency.py --procs 8 --each 40 [--runs 3]

``--procs`` processes (one connection each) submit ``--each`` petitions at once through
``petition_submit``. Prints per run the throughput (submissions/s), the latency of one
submission and the time the year's number row was held: from the number draw to the end of
the commit. That hold time is what serialises intake (every submission of a year queues on the
row), so ``1 / hold`` is the ceiling however many web workers there are. Bounded: ≤ 64
processes, ≤ 2,000 submissions a run. With SQLite (the default ``var/bench.sqlite3``) it runs
too, but SQLite serialises every writer anyway.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.common import setup_django


def _worker(idx: int, each: int, mine_ids: list[int], user_ids: list[int], barrier, out) -> None:
    from django.db import connection, transaction

    import petitions.intake as intake
    from orgs.models import Unit, User
    from petitions.choices import Category
    from petitions.identity import Identity

    # Where the number is drawn: the old intake called next_petition_number in the middle of the
    # intake, the new one assigns it last (numbering.assign_number); either is timed the same way.
    drawn: list[float] = []
    name = "assign_number" if hasattr(intake, "assign_number") else "next_petition_number"
    original = getattr(intake, name)

    def timed(*args, **kwargs):
        result = original(*args, **kwargs)
        drawn.append(time.perf_counter())
        return result

    setattr(intake, name, timed)
    # The end of the hold is the COMMIT's return (on-commit work such as in-process notification
    # delivery runs after it and holds nothing).
    committed: list[float] = []
    raw_commit = connection._commit

    def commit_timed():
        raw_commit()
        committed.append(time.perf_counter())

    connection._commit = commit_timed
    mines = list(Unit.objects.filter(pk__in=mine_ids))
    users = list(User.objects.filter(pk__in=user_ids))
    latencies, holds, errors = [], [], 0
    barrier.wait(timeout=120)
    for i in range(each):
        draft = intake.PetitionDraft(
            title="井下班中餐质量差",
            content=f"第{idx}-{i}次反映：综采队井下班中餐经常是凉的，分量也不够，希望后勤改进送餐保温。",
            category=Category.HOUSING_LIVING, unit=mines[(idx + i) % len(mines)], identity=Identity(),
        )
        start = time.perf_counter()
        try:
            with transaction.atomic():
                intake.petition_submit(petitioner=users[(idx * each + i) % len(users)], draft=draft)
        except Exception as exc:
            errors += 1
            print(f"worker {idx}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        end = time.perf_counter()
        latencies.append((end - start) * 1000)
        if drawn and committed:
            holds.append((committed[-1] - drawn[-1]) * 1000)
    connection.close()
    out.put((latencies, holds, errors))


def run(procs: int, each: int, runs: int) -> list[float]:
    from django.db import connections

    from bench.common import machine
    from bench.generate import ensure_group
    from petitions.models import Petition

    _, mines, users = ensure_group()
    mine_ids, user_ids = [m.pk for m in mines], [u.pk for u in users[:500]]
    rates = []
    ctx = mp.get_context("fork")
    for r in range(runs):
        before = Petition.objects.count()
        connections.close_all()  # no connection crosses the fork
        barrier, out = ctx.Barrier(procs + 1), ctx.Queue()
        workers = [ctx.Process(target=_worker, args=(i, each, mine_ids, user_ids, barrier, out)) for i in range(procs)]
        for w in workers:
            w.start()
        load = os.getloadavg()[0]
        barrier.wait(timeout=120)
        t0 = time.perf_counter()
        results = [out.get(timeout=1800) for _ in workers]
        wall = time.perf_counter() - t0
        for w in workers:
            w.join(timeout=60)
        latencies = sorted(x for lat, _, _ in results for x in lat)
        holds = sorted(x for _, h, _ in results for x in h)
        errors = sum(e for _, _, e in results)
        stored = Petition.objects.count() - before
        rate = len(latencies) / wall
        rates.append(rate)
        p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
        print(
            f"run {r + 1}: {procs} procs × {each}: {len(latencies)} ok, {errors} errors, {stored} stored, "
            f"{rate:.1f} submissions/s; latency median {statistics.median(latencies):.1f} ms p95 {p95:.1f} ms; "
            f"number row held median {statistics.median(holds):.2f} ms (max {holds[-1]:.1f}); load {load:.2f}"
        )
    print(f"machine: {machine()}; load average now {os.getloadavg()[0]:.2f}")
    print(f"RESULT concurrent intake median throughput: {statistics.median(rates):.1f} submissions/s")
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--each", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="bench_concurrency.sqlite3", help="SQLite file under var/ (ignored with DATABASE_URL)")
    args = parser.parse_args(argv)
    if not (1 <= args.procs <= 64 and 1 <= args.procs * args.each <= 2000):
        parser.error("bounded: 1–64 processes, at most 2,000 submissions a run")
    setup_django(args.db)
    run(args.procs, args.each, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
