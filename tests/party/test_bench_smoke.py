"""The party benchmark runs at a small size (figures are printed, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_party_benchmark_runs_at_small_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "bench/party/run.py", "--members", "600", "--branches", "30", "--years", "1",
                          "--runs", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    assert "generated 600 members, 30 branches" in out.stdout
    for label in ("dashboard page", "branch compliance calendar", "dues of one month for the whole group"):
        assert f"RESULT {label}" in out.stdout
