"""Health of the background side: do Celery workers answer, does beat tick."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

# A process's first ping also sets up its reply queue: on a busy node 1 s was sometimes too short
# and a healthy pool looked absent (CI's topology check saw a 503 from one web worker).
PING_TIMEOUT = 2.0
CACHE_SECONDS = 10.0
BEAT_STALE = timedelta(minutes=5)  # flush_outbox runs every minute
_cache: dict[str, tuple[float, list[str]]] = {}


def worker_names() -> list[str]:
    """Names of the workers answering a broadcast ping (cached for 10 s per process, so a
    load balancer polling /healthz does not flood the broker)."""
    hit = _cache.get("workers")
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    from tongxin.celery import app

    replies = app.control.ping(timeout=PING_TIMEOUT) or []
    names = sorted(name for reply in replies for name in reply)
    if names:  # "nobody answered" is asked again next time rather than remembered for 10 s
        _cache["workers"] = (time.monotonic(), names)
    return names


def beat_last_tick():
    from ops.models import TaskRun

    return (TaskRun.objects.filter(name="ops.tasks.flush_outbox").order_by("-started_at")
            .values_list("started_at", flat=True).first())


def background_checks() -> tuple[dict[str, str], bool]:
    """(checks, workers_ok): empty when tasks run in-process (no broker)."""
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return {}, True
    checks: dict[str, str] = {}
    try:
        names = worker_names()
    except Exception as exc:
        names = []
        checks["workers"] = f"error: {exc.__class__.__name__}"
    else:
        checks["workers"] = f"ok: {len(names)}" if names else "error: no worker answered"
    last = beat_last_tick()
    checks["beat"] = "ok" if last and timezone.now() - last < BEAT_STALE else "stale"
    return checks, bool(names)
