"""The concurrent intake benchmark runs at a small size (figures are not asserted; on SQLite the
writers queue on the database lock, which is what the benchmark is not about)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_intake_concurrency_benchmark_runs_at_small_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "bench/load/intake_concurrency.py", "--procs", "2", "--each", "3", "--runs", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    assert "2 procs × 3: 6 ok, 0 errors, 6 stored" in out.stdout, out.stdout
    assert "number row held median" in out.stdout and "RESULT concurrent intake median throughput" in out.stdout
