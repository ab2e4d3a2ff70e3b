"""Server-side timing of pages in-process, the same way for tongxin and for django-helpdesk.

A request goes through Django's whole handler (middleware, session, view, template) by the test
``Client``; the time is the wall time of the call, a streamed body consumed inside it. Warm-up
requests first, then the median of the timed runs. Imports only Django and the standard library:
the django-helpdesk harness (another virtual environment) uses it too.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Timing:
    key: str
    label: str
    url: str
    samples_ms: list[float] = field(default_factory=list)
    status: int = 0
    bytes: int = 0
    queries: int | None = None
    rows: int | None = None  # exports: rows written
    goal_ms: float | None = None
    note: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    @property
    def rows_per_s(self) -> float | None:
        if not self.rows or not self.samples_ms:
            return None
        return self.rows / (self.median_ms / 1000)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["median_ms"] = self.median_ms
        d["rows_per_s"] = self.rows_per_s
        return d


def fetch(client, url: str, **extra) -> tuple[int, int, float]:
    """(status, body bytes, milliseconds) of one GET, a streamed body read to the end."""
    start = time.perf_counter()
    response = client.get(url, **extra)
    if getattr(response, "streaming", False):
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    elapsed = (time.perf_counter() - start) * 1000
    return response.status_code, size, elapsed


def count_queries(client, url: str, **extra) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fetch(client, url, **extra)
    return len(ctx.captured_queries)


def measure(client, timing: Timing, *, runs: int, warmup: int, queries: bool = True, **extra) -> Timing:
    for _ in range(warmup):
        status, size, _ms = fetch(client, timing.url, **extra)
        if status != 200:
            timing.status, timing.note = status, f"HTTP {status} at warm-up"
            return timing
    for _ in range(runs):
        status, size, ms = fetch(client, timing.url, **extra)
        timing.samples_ms.append(ms)
        timing.status, timing.bytes = status, size
    if queries:
        timing.queries = count_queries(client, timing.url, **extra)
    return timing


def measure_call(fn, timing: Timing, *, runs: int, warmup: int) -> Timing:
    """Like :func:`measure` for work done outside a request (a background export job):
    ``fn()`` returns (status, bytes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        fn()
    for _ in range(runs):
        start = time.perf_counter()
        timing.status, timing.bytes = fn()
        timing.samples_ms.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        fn()
    timing.queries = len(ctx.captured_queries)
    return timing


def memory() -> dict[str, float]:
    """RSS now and its peak (VmHWM) of this process, in MB."""
    out: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) / 1024
    except OSError:
        import resource

        out["VmHWM"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    ram = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    from django import get_version
    from django.db import connection

    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        server = f"SQLite {sqlite3.sqlite_version}"
    return {
        "cpus": str(os.cpu_count()), "cpu": cpu, "ram": ram, "os": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(), "django": get_version(), "database": server,
    }


def write_json(path: str | None, payload: dict) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def pad(text: str, width: int) -> str:
    """Left-aligned in ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def table(timings: list[Timing]) -> str:
    lines = [f"{pad('path', 50)} {'median':>11} {'min':>10} {'max':>10} {'queries':>7}  goal"]
    for t in timings:
        if not t.samples_ms:
            lines.append(f"{pad(t.label, 50)} {'—':>11} {'':>10} {'':>10} {'':>7}  {t.note}")
            continue
        goal = f"≤ {t.goal_ms:g} ms" if t.goal_ms else ""
        extra = f"  {t.rows_per_s:,.0f} rows/s ({t.rows:,} rows)" if t.rows_per_s else ""
        lines.append(
            f"{pad(t.label, 50)} {t.median_ms:>8.1f} ms {min(t.samples_ms):>7.1f} ms {max(t.samples_ms):>7.1f} ms "
            f"{t.queries if t.queries is not None else '':>7}  {goal}{extra}"
        )
    return "\n".join(lines)
