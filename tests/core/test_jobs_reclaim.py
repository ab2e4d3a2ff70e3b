"""A background job whose worker dies mid-job is not left "running" for ever: its heartbeat
stops, and reclaim_stale_jobs (beat, every 5 min) fails it with a clear message shown on the
progress page, or queues it again when its kind is idempotent; a late worker cannot overwrite
the outcome, and reclaiming twice (two nodes) changes nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from core import jobs
from core.jobs import JobOutput, job_run, job_start, reclaim_stale_jobs, register_job
from core.models import BackgroundJob
from orgs.models import User


class WorkerKilled(BaseException):
    """What SIGKILL looks like from the job's side: nothing after it runs (not even except Exception)."""


RUNS: list[str] = []


@register_job("test.reclaim.killed")
def _killed(ctx):
    ctx.progress(1, 10)
    raise WorkerKilled


@register_job("test.reclaim.export", idempotent=True)
def _export(ctx):
    RUNS.append(ctx.job.kind)
    if len(RUNS) == 1:  # the first run's worker dies; the second completes
        raise WorkerKilled
    ctx.progress(3, 3)
    return JobOutput(filename="导出.xlsx", content=b"rows", summary={"rows": 3})


@register_job("test.reclaim.slow")
def _slow(ctx):
    # The worker stalls so long that beat reclaims the job meanwhile, then comes back.
    reclaim_stale_jobs(now=timezone.now() + timedelta(hours=1))
    return JobOutput(filename="迟到.txt", content=b"late", summary={"late": True})


@pytest.fixture
def owner(db):
    RUNS.clear()
    return User.objects.create_user("J7", "发起人", "Tongxin@2026")


def _start_and_kill(owner, kind="test.reclaim.killed") -> BackgroundJob:
    job = job_start(kind=kind, title="导出台账", owner=owner)
    with pytest.raises(WorkerKilled):
        job_run(job.pk)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.RUNNING and job.heartbeat_at is not None and job.attempts == 1
    return job


def test_a_killed_job_is_failed_with_a_message_on_its_page(owner, client):
    job = _start_and_kill(owner)
    # Within the stale time it is a running job like any other.
    assert reclaim_stale_jobs(now=timezone.now() + timedelta(minutes=10)) == {"requeued": 0, "failed": 0}
    later = timezone.now() + timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    assert reclaim_stale_jobs(now=later) == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED and job.finished_at == later
    assert "后台进程已中断" in job.message and "请重新发起" in job.message
    client.force_login(owner)
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert 'data-status="failed"' in page and "后台进程已中断" in page and "hx-trigger" not in page
    # Reclaiming again (a second node, the next beat) changes nothing.
    assert reclaim_stale_jobs(now=later + timedelta(minutes=5)) == {"requeued": 0, "failed": 0}
    assert BackgroundJob.objects.get(pk=job.pk).finished_at == later


def test_progress_is_a_heartbeat(owner):
    job = _start_and_kill(owner)
    soon = timezone.now() + timedelta(seconds=settings.JOB_STALE_SECONDS - 30)
    BackgroundJob.objects.filter(pk=job.pk).update(heartbeat_at=soon)  # the worker reported meanwhile
    assert reclaim_stale_jobs(now=soon + timedelta(seconds=60)) == {"requeued": 0, "failed": 0}
    assert BackgroundJob.objects.get(pk=job.pk).status == BackgroundJob.Status.RUNNING
    started = timezone.now()
    jobs.JobContext(BackgroundJob.objects.get(pk=job.pk)).heartbeat()
    assert started <= BackgroundJob.objects.get(pk=job.pk).heartbeat_at <= timezone.now()


def test_an_idempotent_job_is_queued_again_and_completes(owner, django_capture_on_commit_callbacks):
    job = _start_and_kill(owner, "test.reclaim.export")
    later = timezone.now() + timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    with django_capture_on_commit_callbacks(execute=True):
        assert reclaim_stale_jobs(now=later) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE and job.attempts == 2 and job.result == {"rows": 3}
    assert RUNS == ["test.reclaim.export", "test.reclaim.export"]
    assert job.result_name == "导出.xlsx" and job.result_file.read() == b"rows"


def test_an_idempotent_job_fails_after_its_last_attempt(owner, settings):
    settings.JOB_MAX_ATTEMPTS = 1
    job = _start_and_kill(owner, "test.reclaim.export")
    later = timezone.now() + timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    assert reclaim_stale_jobs(now=later) == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED and "已尝试1次" in job.message


def test_a_late_worker_does_not_overwrite_the_reclaimed_outcome(owner):
    job = job_start(kind="test.reclaim.slow", title="慢任务", owner=owner)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED and "后台进程已中断" in job.message
    assert job.result == {} and not job.result_file
    assert not default_storage.exists(f"jobs/{job.public_id.hex}")  # the late result was discarded


def test_the_beat_task_reclaims_and_is_on_the_schedule(owner):
    from core.tasks import reclaim_stale_jobs as task

    job = _start_and_kill(owner)
    BackgroundJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 60))
    assert task.delay().get() == {"requeued": 0, "failed": 1}
    assert BackgroundJob.objects.get(pk=job.pk).status == BackgroundJob.Status.FAILED
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "core.tasks.reclaim_stale_jobs")
    assert entry["schedule"] <= 600
