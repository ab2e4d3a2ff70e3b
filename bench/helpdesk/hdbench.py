"""django-helpdesk side of the comparison; runs in the harness's own virtual environment.

    HELPDESK_DATABASE_URL=... python bench/helpdesk/hdbench.py load --source URL
    HELPDESK_DATABASE_URL=... python bench/helpdesk/hdbench.py time [--runs 5] [--warmup 2] [--queue ID] [--json F]

``load`` migrates helpdesk's database and copies tongxin's generated data into it (transcribe.py)
with the same bulk writer as tongxin's generator (bench/bulk.py). ``time`` times helpdesk's pages
the way bench/paths.py times tongxin's (bench/timing.py): as a staff superuser who sees every
queue, after warm-up, median of the runs, server time in-process.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(HERE), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproject.settings")
# helpdesk's reports compare naive month starts with aware datetimes: its warning, not ours.
warnings.filterwarnings("ignore", message=r"DateTimeField .* received a naive datetime", category=RuntimeWarning)

LEADER = "hd-leader"


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(source_url: str, chunk: int = 20_000) -> int:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from helpdesk.models import FollowUp, Queue, Ticket

    from bench.bulk import Writer
    from bench.helpdesk import transcribe as tr

    User = get_user_model()
    src = tr.connect(source_url)
    expected = tr.count(src, "petitions_petition")
    have = Ticket.objects.count()
    if have == expected and have:
        print(f"helpdesk already holds {have:,} tickets")
        return 0
    if have or Queue.objects.exists():
        print(f"helpdesk's database holds {have:,} tickets, tongxin {expected:,}: start from an empty database",
              file=sys.stderr)
        return 2
    writer = Writer()
    writer.tune()
    t0 = time.perf_counter()

    def copy(model, rows, size) -> int:
        n, batch = 0, []
        for row in rows:
            batch.append(row)
            if len(batch) >= size:
                with transaction.atomic():
                    writer.insert(model, batch)
                n += len(batch)
                batch = []
                if model is not User and n % (size * 10) == 0:
                    print(f"  {model.__name__}: {n:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
        if batch:
            with transaction.atomic():
                writer.insert(model, batch)
            n += len(batch)
        return n

    counts = {
        "users": copy(User, tr.users(src), chunk),
        "queues": copy(Queue, tr.queues(src), chunk),
        "tickets": copy(Ticket, tr.tickets(src), chunk),
        "followups": copy(FollowUp, tr.followups(src), chunk * 5),
    }
    writer.finish([User, Queue, Ticket, FollowUp])
    User.objects.create_superuser(LEADER, f"{LEADER}@rg.example.com", None)  # its UserSettings by signal
    seconds = time.perf_counter() - t0
    print(f"RESULT helpdesk loaded {counts['tickets']:,} tickets, {counts['followups']:,} follow-ups, "
          f"{counts['queues']:,} queues, {counts['users']:,} users in {seconds:.1f} s")
    return 0


def run_timings(runs: int, warmup: int, queue: int | None, json_path: str | None) -> int:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from helpdesk.models import FollowUp, Ticket

    from bench.timing import Timing, machine, measure, memory, table, write_json

    leader = get_user_model().objects.get(username=LEADER)
    client = Client(raise_request_exception=False)
    client.force_login(leader)
    if queue is None:
        from django.db.models import Count

        busiest = (Ticket.objects.filter(status__in=[1, 2], queue__slug__regex=r"-m[0-9]+$").values("queue")
                   .annotate(n=Count("id")).order_by("-n").first())
        queue = busiest["queue"] if busiest else None

    def data_url(page_url: str) -> str | None:
        """The JSON the list page's table loads (its first 25 rows), as the browser would ask for it."""
        html = client.get(page_url).content.decode()
        m = re.search(r"datatables_ticket_list/([A-Za-z0-9_=\-]+)", html)
        if not m:
            return None
        return f"/helpdesk/datatables_ticket_list/{m.group(1)}?draw=1&start=0&length=25"

    list_page = "/helpdesk/tickets/"
    queue_page = f"/helpdesk/tickets/?queue={queue}&status=1&status=2" if queue else None
    timings = [
        Timing("dashboard", "dashboard /helpdesk/dashboard/", "/helpdesk/dashboard/"),
        Timing("list_page", "open tickets list page /helpdesk/tickets/", list_page),
        Timing("list_data", "open tickets, first 25 rows (datatables JSON)", data_url(list_page) or ""),
    ]
    if queue_page:
        timings += [
            Timing("queue_page", f"one queue's open tickets: page (queue {queue})", queue_page),
            Timing("queue_data", "one queue's open tickets: first 25 rows (JSON)", data_url(queue_page) or ""),
        ]
    timings.append(Timing("report", "report queue × status /helpdesk/reports/queuestatus/",
                          "/helpdesk/reports/queuestatus/"))
    for t in timings:
        if not t.url:
            t.note = "not found on the page"
            continue
        measure(client, t, runs=runs, warmup=warmup, queries=True)
        print(f"  {t.label}: {t.median_ms:.1f} ms", flush=True)
    mem = memory()
    info = machine()
    tickets, followups = Ticket.objects.count(), FollowUp.objects.count()
    print(f"\ntickets: {tickets:,}, follow-ups: {followups:,}; runs: {runs} after {warmup} warm-up")
    print(table(timings))
    print(f"memory of this process: RSS {mem.get('VmRSS', 0):.0f} MB, peak {mem.get('VmHWM', 0):.0f} MB")
    for t in timings:
        if t.samples_ms and t.status == 200:
            print(f"RESULT helpdesk {t.key} median {t.median_ms:.2f} ms")
    write_json(json_path, {
        "system": "django-helpdesk 2.6.1", "tickets": tickets, "followups": followups, "queue": queue,
        "runs": runs, "warmup": warmup, "machine": info, "memory_mb": mem, "timings": [t.as_dict() for t in timings],
    })
    return 0 if all(t.status == 200 for t in timings if t.samples_ms) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_load = sub.add_parser("load")
    p_load.add_argument("--source", required=True, help="tongxin's database URL (sqlite:///… or postgres://…)")
    p_time = sub.add_parser("time")
    p_time.add_argument("--runs", type=int, default=5)
    p_time.add_argument("--warmup", type=int, default=2)
    p_time.add_argument("--queue", type=int, help="queue (= unit) id of the one-queue list")
    p_time.add_argument("--json")
    args = parser.parse_args(argv)
    setup()
    if args.command == "load":
        return load(args.source)
    return run_timings(args.runs, args.warmup, args.queue, args.json)


if __name__ == "__main__":
    sys.exit(main())
