"""The comparison table of one benchmark run: tongxin's paths against django-helpdesk's.

    python bench/compare.py TONGXIN.json HELPDESK.json [--intake bench/results/intake-1m.txt]

Pairs (tongxin | helpdesk), medians in ms, ratio = helpdesk ÷ tongxin:
  leader dashboard (+ its charts' data) | /helpdesk/dashboard/
  officer inbox, page of 25   | ticket list page + its first 25 rows (the datatables JSON the page loads)
  one unit's list             | one queue's open tickets: page + first 25 rows
  KPI table 12 months × units | report queue × status
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

PAIRS = [  # keys summed; "key?" counted when present (a dashboard's chart data loaded after the page)
    ("Dashboard", ["dashboard", "dashboard_data?"], ["dashboard"]),
    ("Open list, page of 25", ["inbox"], ["list_page", "list_data"]),
    ("One unit's / queue's list", ["unit_list"], ["queue_page", "queue_data"]),
    ("KPI / report table", ["kpi_table"], ["report"]),
]


def _median(data: dict, keys: list[str]) -> float | None:
    by_key = {t["key"]: t for t in data.get("timings", [])}
    total = 0.0
    for k in keys:
        optional = k.endswith("?")
        t = by_key.get(k.rstrip("?"))
        if optional and not t:
            continue
        if not t or not t.get("samples_ms") or t.get("status") != 200:
            return None
        total += t["median_ms"]
    return total


def _fmt(ms: float | None) -> str:
    if ms is None:
        return "n/a"
    return f"{ms / 1000:,.2f} s" if ms >= 1000 else f"{ms:,.1f} ms"


def render(tx: dict, hd: dict, intake: str | None = None) -> str:
    m = tx.get("machine", {})
    lines = [
        f"tongxin: {tx.get('petitions', 0):,} petitions, {tx.get('events', 0):,} events; "
        f"django-helpdesk 2.6.1: {hd.get('tickets', 0):,} tickets, {hd.get('followups', 0):,} follow-ups",
        f"machine: {m.get('cpus')} CPUs ({m.get('cpu')}), {m.get('ram')} RAM, {m.get('database')}, "
        f"Python {m.get('python')}, Django {m.get('django')}; median of {tx.get('runs')} runs after "
        f"{tx.get('warmup')} warm-up, server time in-process",
        "",
        "| path | tongxin | django-helpdesk | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, tkeys, hkeys in PAIRS:
        a, b = _median(tx, tkeys), _median(hd, hkeys)
        ratio = "n/a" if not (a and b) else f"{b / a:.1f}×" if b / a < 10 else f"{b / a:,.0f}×"
        lines.append(f"| {label} | {_fmt(a)} | {_fmt(b)} | {ratio} |")
    lines += ["", "tongxin, every path:", "", "| path | median | queries | goal |", "| --- | ---: | ---: | --- |"]
    for t in tx.get("timings", []):
        if t.get("samples_ms") and t.get("status") == 200:
            goal = f"≤ {t['goal_ms']:g} ms" if t.get("goal_ms") else ""
            if t.get("rows_per_s"):
                goal = f"{t['rows_per_s']:,.0f} rows/s ({t['rows']:,} rows; goal ≥ 20,000 rows/s)"
            lines.append(f"| {t['label']} | {_fmt(t['median_ms'])} | {t.get('queries') or ''} | {goal} |")
        else:
            lines.append(f"| {t['label']} | — | | {t.get('note') or 'HTTP ' + str(t.get('status'))} |")
    mem = tx.get("memory_mb", {})
    lines.append(f"\ntongxin web process memory: RSS {mem.get('VmRSS', 0):.0f} MB, peak (VmHWM) "
                 f"{mem.get('VmHWM', 0):.0f} MB (goal ≤ 300 MB)")
    hmem = hd.get("memory_mb", {})
    if hmem:
        lines.append(f"django-helpdesk process memory: RSS {hmem.get('VmRSS', 0):.0f} MB, peak {hmem.get('VmHWM', 0):.0f} MB")
    if intake:
        lines.append(f"intake (bench/intake.py): {intake}")
    return "\n".join(lines)


def intake_figure(path: str | None) -> str | None:
    if not path or not Path(path).exists():
        return None
    text = Path(path).read_text()
    m = re.search(r"RESULT intake median of run medians: ([0-9.]+ ms)", text)
    stored = re.search(r"stored petitions: ([0-9,]+)", text)
    db = re.search(r"Python [0-9.]+, (\w+)", text)
    if not m:
        return None
    return f"{m.group(1)} median per online submission with {stored.group(1) if stored else '?'} petitions stored" + (
        f" ({db.group(1)})" if db else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tongxin")
    parser.add_argument("helpdesk")
    parser.add_argument("--intake")
    args = parser.parse_args(argv)
    tx = json.loads(Path(args.tongxin).read_text())
    hd = json.loads(Path(args.helpdesk).read_text()) if Path(args.helpdesk).exists() else {}
    print(render(tx, hd, intake_figure(args.intake)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
