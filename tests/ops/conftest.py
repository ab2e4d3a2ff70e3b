from tests.petitions.conftest import world  # noqa: F401  (the petition personas)
