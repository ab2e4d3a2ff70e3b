from celery import shared_task


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def run_background_job(self, job_id: int) -> str:
    from core.jobs import job_run

    return job_run(job_id).status


@shared_task(acks_late=True)
def reclaim_stale_jobs() -> dict:
    """Every 5 min on beat: background jobs whose worker died are queued again or failed
    (core.jobs.reclaim_stale_jobs; compare-and-set, so two nodes at once do no harm)."""
    from core.jobs import reclaim_stale_jobs as reclaim
    from ops.locks import single_run

    with single_run("core.reclaim_stale_jobs", ttl_seconds=600) as mine:
        if not mine:
            return {"skipped": "another node is reclaiming"}
        return reclaim()
