"""Retraining from officer-confirmed petitions: a new versioned artifact, registered, checked."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from petitions.choices import Category, PetitionType
from tests.petitions.conftest import at, submit
from triage import services
from triage.models import ModelArtifact

pytestmark = pytest.mark.django_db


def test_train_registers_and_activates_a_model_from_confirmations(world, settings, tmp_path):
    settings.TRIAGE_ARTIFACT_DIR = tmp_path
    p = submit(world, now=at(2026, 3, 2), title="通勤车", content="通勤车取消了早班，我们上早班的要走一个多小时。").petition
    services.triage_confirm(triage=p.triage, user=world.officer, category=Category.HOUSING_LIVING,
                            ptype=PetitionType.REQUEST)
    out = io.StringIO()
    call_command("triage_train", "--activate", "--model-version", "m-test", stdout=out)
    assert "1 confirmed by officers" in out.getvalue()
    row = ModelArtifact.objects.get(active=True)
    assert row.version == "m-test" and row.trained_on["confirmed"] == 1
    assert services.current_model().version == "m-test"
    # An altered artifact is refused: triage fails visibly, the intake still stands.
    (tmp_path / "model-m-test.json.gz").write_bytes(b"altered")
    services._model_cache.clear()
    q = submit(world, now=at(2026, 3, 3), title="食堂", content="职工食堂的饭菜又贵又难吃，价格一年涨了两次。").petition
    assert q.triage.status == "failed" and "checksum" in q.triage.error
