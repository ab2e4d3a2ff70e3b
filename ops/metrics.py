"""Prometheus metrics: request latency (per process, summed over gunicorn's workers through
prometheus_client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set) and the state of
the platform read at scrape time: queue depth, outbox backlog, overdue petitions, task failures.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY

logger = logging.getLogger(__name__)

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_LATENCY = Histogram(
    "tongxin_http_request_duration_seconds", "Time from the first middleware to the response.",
    ["method", "route", "status"], buckets=BUCKETS,
)
REQUESTS_FAILED = Counter("tongxin_http_requests_failed", "Requests that ended in a 5xx or an exception.", ["route"])
CELERY_QUEUES = ("celery",)
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")  # kombu's Redis priority lists


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue on Redis (empty without a broker)."""
    if not settings.REDIS_URL:
        return {}
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    return {q: sum(client.llen(q + suffix) for suffix in PRIORITY_SUFFIXES) for q in CELERY_QUEUES}


class PlatformCollector:
    """Gauges computed from the database and the broker at each scrape."""

    def collect(self):
        from ops.models import OutboxMessage, TaskRun
        from petitions.choices import OPEN_STATES
        from petitions.models import Petition

        now = timezone.now()
        overdue = GaugeMetricFamily("tongxin_petitions_overdue", "Open petitions past their current deadline.",
                                    labels=["due_kind"])
        rows = (Petition.objects.filter(state__in=list(OPEN_STATES), due_at__lt=now).exclude(due_kind="")
                .values("due_kind").annotate(n=Count("id")).order_by())
        for row in rows:
            overdue.add_metric([row["due_kind"]], row["n"])
        yield overdue
        outbox = GaugeMetricFamily("tongxin_outbox_pending", "Outbox messages not yet delivered.")
        outbox.add_metric([], OutboxMessage.objects.filter(done_at__isnull=True).count())
        yield outbox
        runs = GaugeMetricFamily("tongxin_task_runs_last_hour", "Celery task attempts started in the last hour.",
                                 labels=["status"])
        counts = dict(TaskRun.objects.filter(started_at__gte=now - timedelta(hours=1)).values_list("status")
                      .annotate(n=Count("id")).order_by())
        for status in TaskRun.Status.values:
            runs.add_metric([status], counts.get(status, 0))
        yield runs
        queue = GaugeMetricFamily("tongxin_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        try:
            for name, depth in queue_depths().items():
                queue.add_metric([name], depth)
        except Exception as exc:  # the broker is down: the gauge is absent, the scrape still works
            logger.warning("queue depth unavailable: %s", exc)
        yield queue


def render() -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_LATENCY, REQUESTS_FAILED):
            registry.register(collector)
    registry.register(PlatformCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


__all__ = ["REGISTRY", "REQUEST_LATENCY", "REQUESTS_FAILED", "render", "queue_depths"]
