from __future__ import annotations

import pytest

from core.jobs import JobOutput, job_run, job_start, register_job
from core.models import BackgroundJob
from orgs.models import User


@register_job("test.count")
def _count(ctx):
    total = ctx.job.params["n"]
    for i in range(total):
        ctx.progress(i + 1, total)
    return JobOutput(filename="计数.txt", content=f"{total}".encode(), summary={"n": total})


@register_job("test.fail")
def _fail(ctx):
    raise ValueError("第3行格式错误")


@pytest.fixture
def owner(db):
    return User.objects.create_user("J9", "任务人", "Tongxin@2026")


def test_job_runs_on_commit_and_offers_its_file(owner, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.count", title="计数", owner=owner, params={"n": 5})
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE and job.percent == 100 and job.result == {"n": 5}
    client.force_login(owner)
    page = client.get(f"/jobs/{job.public_id}/")
    assert page.status_code == 200 and "计数.txt" in page.content.decode()
    download = client.get(f"/jobs/{job.public_id}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"5"
    # Someone else's job is not found.
    other = User.objects.create_user("J8", "旁人", "Tongxin@2026")
    client.force_login(other)
    assert client.get(f"/jobs/{job.public_id}/").status_code == 404
    assert client.get(f"/jobs/{job.public_id}/download/").status_code == 404


def test_failure_is_recorded_and_a_rerun_is_a_no_op(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.fail", title="失败的任务", owner=owner)
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED and "第3行格式错误" in job.message
    assert job_run(job.pk).status == BackgroundJob.Status.FAILED  # not run again


def test_unknown_kind_is_refused(owner):
    with pytest.raises(KeyError):
        job_start(kind="nope", title="x", owner=owner)
