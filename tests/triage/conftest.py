from tests.petitions.conftest import World, at, submit, world  # noqa: F401 — shared personas
