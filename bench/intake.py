"""Benchmark: the intake path in-process (validation, numbering, event, notifications queued).

    python bench/intake.py --rows 1000000 --submissions 1000 [--runs 3]

Prints the median time of one online submission with ``--rows`` petitions already stored.
Not a timed test: CI runs it at a small size as a smoke test only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, summary


def run(rows: int, submissions: int, runs: int) -> list[float]:
    from django.db import transaction

    from bench.common import machine
    from bench.generate import ensure_group, generate_petitions
    from petitions.choices import Category
    from petitions.identity import Identity
    from petitions.intake import PetitionDraft, petition_submit

    t0 = time.perf_counter()
    total = generate_petitions(rows)
    print(f"stored petitions: {total:,} (generated in {time.perf_counter() - t0:.1f} s)")
    _, mines, users = ensure_group()
    medians = []
    for r in range(runs):
        samples = []
        for i in range(submissions):
            user = users[i % len(users)]
            draft = PetitionDraft(
                title="井下班中餐质量差",
                content=f"第{i}次反映：综采队井下班中餐经常是凉的，分量也不够，希望后勤改进送餐保温。",
                category=Category.HOUSING_LIVING, unit=mines[i % len(mines)], identity=Identity(),
            )
            start = time.perf_counter()
            # Like a request: the transaction commits and on-commit notifications are dispatched.
            with transaction.atomic():
                petition_submit(petitioner=user, draft=draft)
            samples.append((time.perf_counter() - start) * 1000)
        print(summary(f"run {r + 1}: petition_submit", samples))
        medians.append(statistics.median(samples))
    print(f"machine: {machine()}")
    print(f"RESULT intake median of run medians: {statistics.median(medians):.2f} ms (goal ≤ 10 ms)")
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="bench.sqlite3", help="SQLite file under var/ (ignored with DATABASE_URL)")
    args = parser.parse_args(argv)
    setup_django(args.db)
    run(args.rows, args.submissions, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
