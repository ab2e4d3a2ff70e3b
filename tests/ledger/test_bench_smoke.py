"""bench/ledger_import.py runs at a small size (a smoke test; the figures are not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ledger_import_benchmark_runs_at_small_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "bench/ledger_import.py", "--rows", "300", "--bad", "0.05"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "RESULT ledger import 300 rows" in out.stdout
    assert "RESULT ledger reimport 300 rows" in out.stdout and "created 0" in out.stdout
