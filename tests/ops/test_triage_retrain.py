"""Retraining the triage model on Celery (triage/tasks.py) is idempotent: twice on the same data
gives one model version and one training; concurrent runs (two nodes) train once; new officer
decisions give a new version; a damaged artifact is rebuilt; one model stays active."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from django.db import connection

from petitions.choices import Category, PetitionType
from tests.petitions.conftest import at, submit
from triage import tasks
from triage.models import Feedback, ModelArtifact


@pytest.fixture
def artifacts(settings, tmp_path) -> Path:
    settings.TRIAGE_ARTIFACT_DIR = tmp_path / "triage"
    return settings.TRIAGE_ARTIFACT_DIR


@pytest.fixture
def trainings(monkeypatch) -> list[str]:
    """Counts the real trainings (the management command still runs)."""
    calls: list[str] = []
    real = tasks.call_command

    def counted(name, *args, **kwargs):
        calls.append(args[1] if len(args) > 1 else "")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(tasks, "call_command", counted)
    return calls


def _sha(row: ModelArtifact) -> str:
    return hashlib.sha256(Path(row.path).read_bytes()).hexdigest()


@pytest.mark.django_db
def test_twice_on_the_same_data_is_one_version(world, artifacts, trainings):
    first = tasks.retrain_model.delay(activate=True).get()
    second = tasks.retrain_model.delay(activate=True).get()
    assert first["trained"] is True and second == {"version": first["version"], "trained": False}
    assert trainings == [first["version"]]
    rows = list(ModelArtifact.objects.all())
    assert len(rows) == 1 and rows[0].version == first["version"] and rows[0].active
    assert _sha(rows[0]) == rows[0].sha256
    assert len(list(artifacts.glob("*.json.gz"))) == 1


@pytest.mark.django_db
def test_new_officer_decisions_make_a_new_version_and_one_stays_active(world, artifacts, trainings):
    first = tasks.retrain_model.delay(activate=True).get()
    p = submit(world, now=at(2026, 3, 2)).petition
    Feedback.objects.create(petition=p, user=world.officer, action=Feedback.Action.CORRECT,
                            category=Category.HOUSING_LIVING, ptype=PetitionType.REQUEST)
    second = tasks.retrain_model.delay(activate=True).get()
    assert second["trained"] and second["version"] != first["version"]
    assert ModelArtifact.objects.count() == 2
    assert list(ModelArtifact.objects.filter(active=True).values_list("version", flat=True)) == [second["version"]]
    # Again on the same data: nothing new.
    assert tasks.retrain_model.delay(activate=True).get() == {"version": second["version"], "trained": False}
    assert len(trainings) == 2


@pytest.mark.django_db
def test_a_damaged_artifact_is_rebuilt_under_the_same_version(world, artifacts, trainings):
    first = tasks.retrain_model.delay().get()
    row = ModelArtifact.objects.get()
    Path(row.path).write_bytes(b"truncated by a killed worker")
    again = tasks.retrain_model.delay().get()
    assert again == {"version": first["version"], "trained": True}
    row = ModelArtifact.objects.get()
    assert _sha(row) == row.sha256 and not row.active


@pytest.mark.django_db
def test_a_run_while_another_holds_the_lock_is_skipped(world, artifacts, trainings):
    from ops.locks import single_run

    with single_run(tasks.RETRAIN_LOCK) as mine:
        assert mine
        # Another node at the same moment (PostgreSQL: another session; here the same process,
        # which single_run also refuses).
        assert tasks.retrain_model.delay().get() == {"skipped": "another node is retraining"}
    assert trainings == [] and not ModelArtifact.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_on_two_connections_train_once(world, artifacts, trainings):
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait(timeout=10)
            # Called in-process in each thread (as each worker node would run it); .delay().get()
            # from a thread is refused by eager Celery.
            results.append(tasks.retrain_model(activate=True))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    trained = [r for r in results if r.get("trained")]
    # One trains; the other is skipped (lock held) or, if it came after, finds the version done.
    assert len(trained) == 1 and len(trainings) == 1, results
    row = ModelArtifact.objects.get()
    assert row.active and row.version == trained[0]["version"] and _sha(row) == row.sha256
