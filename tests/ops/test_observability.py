"""/ops/metrics (Prometheus), the health check's worker part, and the replica router."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from ops.context import read_replica
from ops.routers import ReplicaRouter
from petitions.models import Petition
from tests.petitions.conftest import at, submit

TOKEN = "t" * 40


@pytest.mark.django_db
def test_metrics_need_the_token_or_an_administrator(client, world):
    assert client.get("/ops/metrics").status_code == 403
    with override_settings(METRICS_TOKEN=TOKEN):
        assert client.get("/ops/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
        client.force_login(world.employee)
        assert client.get("/ops/metrics").status_code == 403


@pytest.mark.django_db
def test_metrics_show_latency_overdue_and_outbox(client, world):
    submit(world, now=at(2025, 1, 6))  # acceptance due long ago: overdue
    client.get("/healthz")
    with override_settings(METRICS_TOKEN=TOKEN):
        response = client.get("/ops/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'tongxin_http_request_duration_seconds_bucket{le="0.2",method="GET",route="healthz",status="2xx"}' in text
    assert 'tongxin_petitions_overdue{due_kind="acceptance"} 1.0' in text
    assert "tongxin_outbox_pending 0.0" in text
    assert 'tongxin_task_runs_last_hour{status="failed"} 0.0' in text


@pytest.mark.django_db
def test_healthz_without_a_broker_has_no_worker_part(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and "workers" not in body["checks"]


@pytest.mark.django_db
def test_healthz_reports_workers_only_when_asked(client, monkeypatch):
    from ops import health

    monkeypatch.setattr(health, "worker_names", lambda: [])
    monkeypatch.setattr(health, "beat_last_tick", lambda: None)
    with override_settings(REDIS_URL="redis://127.0.0.1:9/0", CELERY_TASK_ALWAYS_EAGER=False):
        monkeypatch.setattr("redis.Redis.ping", lambda self: True)
        plain = client.get("/healthz")
        strict = client.get("/healthz?workers=1")
        monkeypatch.setattr(health, "worker_names", lambda: ["w1@node1", "w2@node2"])
        good = client.get("/healthz?workers=1")
    assert plain.status_code == 200 and "workers" not in plain.json()["checks"]
    assert strict.status_code == 503 and strict.json()["checks"]["workers"] == "error: no worker answered"
    assert strict.json()["checks"]["beat"] == "stale"
    assert good.status_code == 200 and good.json()["checks"]["workers"] == "ok: 2"


def test_router_sends_kpi_reads_to_the_replica_only_when_configured():
    router = ReplicaRouter()
    token = read_replica.set(True)
    try:
        assert router.db_for_read(Petition) is None  # no replica configured
        with override_settings(DATABASES={"default": {}, "replica": {}}):
            assert router.db_for_read(Petition) == "replica"
            assert router.db_for_write(Petition) == "default"
    finally:
        read_replica.reset(token)
    with override_settings(DATABASES={"default": {}, "replica": {}}):
        assert router.db_for_read(Petition) is None  # not a KPI request
    assert router.allow_migrate("replica", "petitions") is False
    assert router.allow_migrate("default", "petitions") is True


@pytest.mark.django_db
def test_middleware_marks_only_kpi_reads(client, world, monkeypatch):
    seen: dict[str, list[bool]] = {}
    monkeypatch.setattr(ReplicaRouter, "db_for_read", lambda self, model, **h: seen.setdefault(
        "flags", []).append(read_replica.get()))
    client.force_login(world.officer)
    client.get("/insights/")
    kpi_flags = list(seen.pop("flags", []))
    client.get(reverse("petitions:inbox"))
    other_flags = list(seen.pop("flags", []))
    assert kpi_flags and all(kpi_flags[-3:])
    assert other_flags and not any(other_flags)
