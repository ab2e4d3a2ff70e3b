import pytest

from tests.petitions.conftest import at, submit
from triage.demo import build_triage
from triage.models import SensitivePeriod, Triage

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(world):
    p = submit(world, now=at(2026, 3, 2)).petition
    Triage.objects.filter(petition=p).delete()
    assert build_triage() == 1
    periods = SensitivePeriod.objects.count()
    assert build_triage() == 0
    assert SensitivePeriod.objects.count() == periods and Triage.objects.filter(petition=p).count() == 1
