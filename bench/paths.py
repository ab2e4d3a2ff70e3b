"""Server-side timings of tongxin's paths on the realistic data (bench/generate_realistic.py).

    python bench/paths.py [--runs 5] [--warmup 2] [--petitions N] [--json bench/results/paths.json]

Each path is requested in-process through Django's whole stack (bench/timing.py) as the person who
would open it, after warm-up requests; the median of ``--runs`` runs is reported, with the number
of SQL queries of one request. Then the memory of this process, which has served every path like a
web worker: its resident set now and at its peak (VmHWM).

The insights app (dashboards, KPI tables, drill-down, exports) is timed once its URLs exist: they
are looked up by name in ``insights.urls``; a path whose view is missing is listed as not timed.
DEBUG is off (cached templates, no query log), as in production.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOALS_MS = {"dashboard": 150, "kpi_table": 300, "inbox": 30, "drill": 50}
EXPORT_GOAL_ROWS_S = 20_000
MEMORY_GOAL_MB = 300


def personas():
    """The people who open the pages: the group's leader and petition officer, a mine's officer,
    the busiest handler (all from the generated group)."""
    from django.db.models import Count

    from bench.generate_realistic import GROUP_CODE
    from orgs.models import RoleAssignment, Unit
    from petitions.choices import State
    from petitions.models import Petition

    group = Unit.objects.get(code=GROUP_CODE)

    def holder(unit, role):
        ra = RoleAssignment.objects.filter(unit=unit, role=role).select_related("user").order_by("user_id").first()
        return ra.user

    mine = (Petition.objects.filter(unit__kind__in=["mine", "plant"], unit__path__startswith=group.path,
                                    state__in=[State.REGISTERED, State.ACCEPTED, State.HANDLING])
            .values("unit").annotate(n=Count("id")).order_by("-n").first())
    mine = Unit.objects.get(pk=mine["unit"]) if mine else Unit.objects.filter(
        code__startswith=f"{GROUP_CODE}-", kind="mine").order_by("path").first()
    busiest = (Petition.objects.filter(state=State.HANDLING, handler__isnull=False).values("handler")
               .annotate(n=Count("id")).order_by("-n").first())
    from orgs.models import User

    handler = User.objects.get(pk=busiest["handler"]) if busiest else holder(mine, "handler")
    return {
        "group": group,
        "mine": mine,
        "leader": holder(group, "unit_leader"),
        "officer": holder(group, "petition_officer"),
        "mine_officer": holder(mine, "petition_officer"),
        "handler": handler,
    }


def insights_urls() -> dict[str, str]:
    """URL names of the insights app, by what they serve (empty while the app has no views)."""
    try:
        from insights import urls as iurls
    except ImportError:
        return {}
    names: dict[str, str] = {}

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix)
            elif getattr(p, "name", None):
                names[p.name] = f"insights:{p.name}"

    walk(iurls.urlpatterns)
    return names


def _first(names: dict[str, str], *candidates: str) -> str | None:
    for c in candidates:
        if c in names:
            return names[c]
    return None


def build(p: dict) -> list[tuple[object, dict]]:
    """(Timing, persona) for every path; a missing view gives a Timing with a note only."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from bench.timing import Timing

    out: list[tuple[Timing, object]] = []

    def add(key, label, user, url, goal=None, note=""):
        out.append((Timing(key=key, label=label, url=url or "", goal_ms=goal, note=note), user))

    add("inbox", "officer inbox, page of 25 (group: all units)", p["officer"], reverse("petitions:inbox"),
        GOALS_MS["inbox"])
    add("inbox_mine", "officer inbox, page of 25 (one mine's officer)", p["mine_officer"],
        reverse("petitions:inbox"), GOALS_MS["inbox"])
    add("unit_list", f"one unit's list (inbox filtered: {p['mine'].name})", p["officer"],
        reverse("petitions:inbox") + "?" + urlencode({"unit": p["mine"].pk}), GOALS_MS["drill"])
    add("overdue", "overdue list (inbox, due=overdue)", p["officer"],
        reverse("petitions:inbox") + "?due=overdue", GOALS_MS["drill"])
    add("worklist", "handler's work list", p["handler"], reverse("petitions:worklist"), GOALS_MS["drill"])
    add("api_list", "API GET /api/v1/petitions?limit=25", p["officer"], "/api/v1/petitions?limit=25",
        GOALS_MS["drill"])
    add("home", "home page (leader's counters)", p["leader"], reverse("home"))

    names = insights_urls()
    now = timezone.now()
    missing = "not timed: no such view in insights.urls yet"

    def rev(name, query=None):
        if name not in names:
            return None
        try:
            url = reverse(names[name])
        except NoReverseMatch:
            return None
        return url + ("?" + urlencode(query) if query else "")

    from tongxin.lib.kpi import Window

    year = Window.last_months(12, now)  # the 12 months up to this one
    dash = rev("dashboard")
    add("dashboard", "leader dashboard (insights)", p["leader"], dash, GOALS_MS["dashboard"], "" if dash else missing)
    monthly = rev("monthly", {"m": "handling_rate"})
    add("kpi_table", "KPI table, 12 months × all units (按期办结率)", p["leader"], monthly, GOALS_MS["kpi_table"],
        "" if monthly else missing)
    table = rev("table", {"p": year.spec, "by": "unit"})
    add("kpi_all", "KPI table, every metric × units, 12 months", p["leader"], table, GOALS_MS["kpi_table"],
        "" if table else missing)
    drill = rev("list", {"m": "handling_rate", "p": year.spec, "u": p["mine"].code, "part": "den"})
    add("drill", f"drill-down: {p['mine'].name} 按期办结率, 12 months", p["leader"], drill, GOALS_MS["drill"],
        "" if drill else missing)
    unit_board = None
    if "unit" in names:
        try:
            unit_board = reverse(names["unit"], args=[p["mine"].code])
        except NoReverseMatch:
            unit_board = None
    add("unit_dashboard", f"a unit's dashboard ({p['mine'].name})", p["leader"], unit_board, GOALS_MS["dashboard"],
        "" if unit_board else missing)
    me = rev("mine")
    add("handler_dashboard", "a handler's own dashboard", p["handler"], me, GOALS_MS["dashboard"], "" if me else missing)
    return out


def export_job(leader, export_rows: int):
    """The long .xlsx export as its background job runs it: the drill-down of the petitions
    received in the last days that hold about ``export_rows`` of them, written by
    insights.exports.drill_xlsx. Returns (callable, rows, query) or None without the exporter."""
    try:
        from django.http import QueryDict

        from insights.exports import drill_xlsx
        from insights.lists import parse_drill
    except ImportError:
        return None
    from django.utils import timezone

    from petitions.models import Petition
    from tongxin.lib.kpi import Window

    now = timezone.now()
    today = timezone.localdate()
    lo, hi = 1, 3 * 366  # days back: the shortest span holding export_rows petitions
    while lo < hi:
        mid = (lo + hi) // 2
        window = Window.range(today - timedelta(days=mid - 1), today)
        if Petition.objects.filter(received_at__gte=window.start, received_at__lt=window.end).count() >= export_rows:
            hi = mid
        else:
            lo = mid + 1
    window = Window.range(today - timedelta(days=lo - 1), today)
    query = QueryDict(mutable=True)
    query.update({"m": "received", "p": window.spec, "part": "num"})
    rows = parse_drill(query, leader, now).count()

    def call():
        return 200, len(drill_xlsx(parse_drill(query, leader, now)))

    return call, rows, query.urlencode()


def run(runs: int, warmup: int, export_rows: int, json_path: str | None, only: set[str] | None = None) -> int:
    from django.test import Client
    from django.test.utils import override_settings

    from bench.timing import Timing, machine, measure, measure_call, memory, table, write_json
    from petitions.models import Petition, PetitionEvent

    total = Petition.objects.count()
    events = PetitionEvent.objects.count()
    # The KPI rollup of closed months, as its periodic task keeps it (insights.rollup): built
    # before timing, its time printed. Months changed since are counted live by the pages.
    rollup_note = ""
    try:
        from insights.rollup import refresh
    except ImportError:
        refresh = None
    if refresh is not None:
        done = refresh()
        rollup_note = (f"KPI rollup refreshed before timing: {len(done.months)} months rebuilt, {done.rows:,} rows, "
                       f"{done.seconds:.1f} s")
        print(rollup_note, flush=True)
    p = personas()
    timings = []
    loads: dict[str, float] = {}
    # The second factor is required of staff in production; a verified session costs the same.
    with override_settings(TWO_FACTOR_REQUIRED=False):
        clients: dict[int, Client] = {}
        for timing, user in build(p):
            if only and timing.key not in only:
                continue
            if not timing.url:
                timings.append(timing)
                continue
            client = clients.get(user.pk)
            if client is None:
                client = clients[user.pk] = Client(raise_request_exception=False)
                client.force_login(user)
            measure(client, timing, runs=runs, warmup=warmup)
            timings.append(timing)
            loads[timing.key] = os.getloadavg()[0]  # the machine is shared: each figure with its load
            print(f"  {timing.label}: {timing.median_ms:.1f} ms (load average {loads[timing.key]:.2f})", flush=True)
            # A dashboard's charts that load after the page (data-url): part of what its reader waits for.
            for i, url in enumerate(_deferred_urls(client, timing.url) if timing.status == 200 else []):
                part = Timing(key=f"{timing.key}_data" + (f"{i + 1}" if i else ""), url=url,
                              label=f"{timing.label}: chart data", goal_ms=None)
                measure(client, part, runs=runs, warmup=warmup)
                timings.append(part)
                loads[part.key] = os.getloadavg()[0]
                print(f"  {part.label}: {part.median_ms:.1f} ms (load average {loads[part.key]:.2f})", flush=True)
        job = export_job(p["leader"], export_rows) if not only or "export" in only else None
        export = Timing(key="export", label=".xlsx export (background job, in-process)", url="",
                        note="not timed: no insights.exports.drill_xlsx yet" if not only else "not timed: not in --only")
        if job is not None:
            call, rows, query = job
            export.url, export.rows = f"insights.exports.drill_xlsx({query})", rows
            export.label = f".xlsx export of {rows:,} rows (background job)"
            export.note = ""
            measure_call(call, export, runs=runs, warmup=min(warmup, 1))
            loads[export.key] = os.getloadavg()[0]
            print(f"  {export.label}: {export.median_ms:.1f} ms, {export.rows_per_s or 0:,.0f} rows/s "
                  f"(load average {loads[export.key]:.2f})", flush=True)
        timings.append(export)
    mem = memory()
    info = machine()
    print(f"\npetitions: {total:,}, events: {events:,}; runs: {runs} after {warmup} warm-up")
    print(f"machine: {info['cpus']} CPUs, {info['cpu']}, {info['ram']} RAM, {info['database']}, "
          f"Python {info['python']}, Django {info['django']}")
    print(table(timings))
    print(f"memory of this process (a web worker that served every path): RSS {mem.get('VmRSS', 0):.0f} MB, "
          f"peak {mem.get('VmHWM', 0):.0f} MB (goal ≤ {MEMORY_GOAL_MB} MB)")
    for t in timings:
        if t.samples_ms and t.status == 200:
            print(f"RESULT {t.key} median {t.median_ms:.2f} ms")
        elif t.samples_ms:
            print(f"FAILED {t.key}: HTTP {t.status}")
    write_json(json_path, {
        "system": "tongxin", "petitions": total, "events": events, "runs": runs, "warmup": warmup,
        "rollup": rollup_note, "load_average": loads,
        "unit": {"id": p["mine"].pk, "name": p["mine"].name},
        "machine": info, "memory_mb": mem, "timings": [t.as_dict() for t in timings],
    })
    failed = [t.key for t in timings if t.samples_ms and t.status != 200]
    return 1 if failed else 0


def _deferred_urls(client, url: str) -> list[str]:
    """URLs a page's charts fetch after it has loaded (``data-url`` attributes)."""
    import html
    import re

    body = client.get(url).content.decode(errors="replace")
    return [html.unescape(u) for u in dict.fromkeys(re.findall(r'data-url="([^"]+)"', body))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--petitions", type=int, default=0,
                        help="generate realistic data up to this many petitions first (0: use what is there)")
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--only", default="", help="time only these paths (keys, comma-separated: inbox,inbox_mine,…)")
    parser.add_argument("--db", default="bench-realistic.sqlite3", help="SQLite file under var/ (ignored with DATABASE_URL)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DEBUG", "0")
    from bench.common import setup_django

    setup_django(args.db)
    if args.petitions:
        from bench.generate_realistic import generate

        made = generate(args.petitions)
        print(f"generated {made['made']:,} petitions in {made['seconds']:.1f} s")
    from bench.generate_realistic import GROUP_CODE
    from orgs.models import Unit

    if not Unit.objects.filter(code=GROUP_CODE).exists():
        print("no generated data: run bench/generate_realistic.py first (or pass --petitions N)", file=sys.stderr)
        return 2
    only = {k.strip() for k in args.only.split(",") if k.strip()} or None
    return run(args.runs, args.warmup, args.export_rows, args.json, only)


if __name__ == "__main__":
    sys.exit(main())
