from __future__ import annotations

from pathlib import Path

import pytest

from tests.petitions.conftest import world  # noqa: F401  (the petition personas)


@pytest.fixture
def audit_dirs(settings, tmp_path) -> Path:
    """Heads and archives in a folder of the test's own."""
    settings.AUDIT_HEAD_EXPORT_DIR = tmp_path / "heads"
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    return tmp_path
