from celery import shared_task


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def run_background_job(self, job_id: int) -> str:
    from core.jobs import job_run

    return job_run(job_id).status
