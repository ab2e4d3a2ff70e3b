import pytest

from tests.petitions.conftest import World, at, submit, world  # noqa: F401 — shared personas


@pytest.fixture(autouse=True)
def _default_rules(request):
    """The rules come with a data migration; a transactional test elsewhere may have flushed them."""
    if "db" in request.fixturenames or "world" in request.fixturenames:
        from triage.services import load_default_rules

        load_default_rules()
