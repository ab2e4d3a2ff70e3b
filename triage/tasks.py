"""Celery task of triage: retraining the category/type model, idempotent.

The version is named after the training data (seed corpus + the latest officer decision per
petition), so running the task twice — a retried message, beat on two nodes, an operator
clicking twice — trains at most once per data set and registers one model version; the
artifact file is rewritten only when its registered row is missing or the file no longer
matches its SHA-256. One run at a time (ops.locks.single_run); the version's unique key and
the one-active-model constraint hold even without the lock.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

RETRAIN_LOCK = "triage.retrain_model"


def training_fingerprint() -> str:
    """What the model would be trained on: the seed corpus and the latest decision per petition."""
    from triage import model as triage_model
    from triage.models import Feedback
    from triage.training import seed_training

    texts, cats, types, groups = seed_training()
    latest: dict[int, tuple] = {}
    for fb in Feedback.objects.order_by("at", "pk").values_list("petition_id", "pk", "category", "ptype"):
        latest[fb[0]] = fb
    digest = hashlib.sha256()
    digest.update(json.dumps([getattr(triage_model, "FORMAT", ""), texts, cats, types, groups],
                             ensure_ascii=False).encode())
    digest.update(json.dumps(sorted(latest.values())).encode())
    return digest.hexdigest()


def _intact(row) -> bool:
    path = Path(row.path)
    if not path.is_absolute():
        path = Path(settings.BASE_DIR) / path
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    except OSError:
        return False


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def retrain_model(self, activate: bool = False) -> dict:
    from ops.locks import single_run
    from triage.models import ModelArtifact

    with single_run(RETRAIN_LOCK, ttl_seconds=3600) as mine:
        if not mine:
            return {"skipped": "another node is retraining"}
        version = f"r{training_fingerprint()[:16]}"
        row = ModelArtifact.objects.filter(version=version).first()
        trained = row is None or not _intact(row)
        if trained:
            call_command("triage_train", "--model-version", version, *(["--activate"] if activate else []),
                         stdout=io.StringIO())
        elif activate and not row.active:
            with transaction.atomic():
                ModelArtifact.objects.filter(active=True).update(active=False)
                ModelArtifact.objects.filter(pk=row.pk).update(active=True)
        return {"version": version, "trained": trained}
