"""./dev pg-test really runs the suite on PostgreSQL ≥ 15 (and ./dev test deselects this)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_15_or_newer():
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 150000
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone() == ("UTF8",)
