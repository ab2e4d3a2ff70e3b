"""bench/carbon/run.py at a small size (CI smoke test: figures are printed, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_carbon_benchmark_runs_at_small_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "bench/carbon/run.py", "--facilities", "6", "--years", "2", "--runs", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    assert "generated 6 facilities, 2,880 activity rows" in out.stdout
    for label in ("carbon inventory", "carbon dashboard page", "carbon scenario"):
        assert f"RESULT {label}" in out.stdout
