"""The publicity benchmark runs at a small size (figures are printed, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_publicity_benchmark_runs_at_small_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "bench/publicity/run.py", "--pieces", "1500", "--placements", "300",
                          "--lectures", "150", "--runs", "1", "--search-runs", "1"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    assert "rows: 1,500 pieces, 300 placements, 150 lectures" in out.stdout
    results = [line for line in out.stdout.splitlines() if line.startswith("RESULT")]
    assert len(results) == 2 * (2 + 8 + 1 + 8) and all("HTTP 200" in line for line in results)
