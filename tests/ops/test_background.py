"""Periodic work on two nodes, task-run records, and the admin/ops pages of them."""

from __future__ import annotations

import io
import json

import pytest
from celery import shared_task
from django.test import override_settings

from audit.heads import heads_path
from audit.tasks import export_audit_head
from ops.locks import claim_period, single_run
from ops.models import PeriodicClaim, TaskRun
from ops.tasks import prune_task_runs
from petitions.tasks import sweep_deadlines


@shared_task(name="tests.ops.explode")
def explode():
    raise ValueError("boom")


@pytest.mark.django_db
def test_single_run_lets_one_holder_in():
    with single_run("unit-test") as first, single_run("unit-test") as second:
        assert first and not second
    with single_run("unit-test") as again:
        assert again  # released


@pytest.mark.django_db
def test_a_sweep_running_elsewhere_is_skipped():
    with single_run("petitions.sweep_deadlines") as mine:
        assert mine
        assert sweep_deadlines.delay().get() == {"skipped": "another node is sweeping"}
    result = sweep_deadlines.delay().get()
    assert set(result) == {"reminders", "escalated", "closed", "supervision_ignored"}


@pytest.mark.django_db
def test_a_period_is_claimed_once():
    assert claim_period("daily:2026-11-30")
    assert not claim_period("daily:2026-11-30")
    assert PeriodicClaim.objects.count() == 1


@pytest.mark.django_db
def test_the_daily_head_export_runs_once_per_day_from_beat(tmp_path):
    export_audit_head.delay(directory=str(tmp_path), once_per_day=True)
    second = export_audit_head.delay(directory=str(tmp_path), once_per_day=True).get()
    assert "skipped" in second
    assert len(heads_path(tmp_path).read_text().splitlines()) == 1
    # The command (an operator's explicit export) still appends every time.
    export_audit_head(directory=str(tmp_path))
    assert len(heads_path(tmp_path).read_text().splitlines()) == 2


@pytest.mark.django_db
def test_task_runs_are_recorded_with_failures():
    with override_settings(OPS_RECORD_EAGER_TASKS=True, CELERY_TASK_EAGER_PROPAGATES=False):
        prune_task_runs.apply()
        explode.apply()
    ok = TaskRun.objects.get(name="ops.tasks.prune_task_runs")
    assert ok.status == TaskRun.Status.SUCCEEDED and ok.duration_ms is not None and ok.finished_at
    failed = TaskRun.objects.get(name="tests.ops.explode")
    assert failed.status == TaskRun.Status.FAILED and "ValueError: boom" in failed.error


@pytest.mark.django_db
def test_eager_runs_are_not_recorded_by_default():
    prune_task_runs.apply()
    assert not TaskRun.objects.exists()


@pytest.mark.django_db
def test_ops_page_and_admin_list_failures(client, make_unit_tree, make_person, system_admin):
    from orgs.choices import Role

    tree = make_unit_tree()
    with override_settings(OPS_RECORD_EAGER_TASKS=True, CELERY_TASK_EAGER_PROPAGATES=False):
        explode.apply()
    admin = make_person(tree.group, Role.ADMINISTRATOR)
    employee = make_person(tree.team)
    client.force_login(employee)
    assert client.get("/ops/").status_code == 403
    client.force_login(admin)
    page = client.get("/ops/")
    assert page.status_code == 200
    assert "tests.ops.explode" in page.content.decode() and "ValueError" in page.content.decode()
    client.force_login(system_admin)
    listing = client.get("/admin/ops/taskrun/?status__exact=failed")
    assert listing.status_code in (200, 302)  # 302: the admin asks a superuser for the second factor


def test_json_log_lines_carry_the_request_id(client, db, caplog):
    import logging

    from ops.logs import JsonFormatter, RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("tongxin.access")
    access.addHandler(handler)
    old = access.level
    access.setLevel(logging.INFO)
    try:
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abcdef0123456789")
    finally:
        access.removeHandler(handler)
        access.setLevel(old)
    assert response["X-Request-ID"] == "abcdef0123456789"
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "abcdef0123456789" and line["status"] == 200 and line["route"] == "healthz"
    assert line["level"] == "INFO" and "time" in line and line["duration_ms"] >= 0
    bad = client.get("/healthz", HTTP_X_REQUEST_ID="x\nforged")
    assert bad["X-Request-ID"] != "x\nforged" and len(bad["X-Request-ID"]) == 32
