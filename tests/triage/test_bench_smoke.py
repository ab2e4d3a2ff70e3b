"""The triage benchmark runs at a small size (figures are printed, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_triage_benchmark_runs_at_small_size(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run([sys.executable, "bench/triage/bench.py", "--rows", "1500", "--samples", "20", "--workers", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    for label in ("RESULT reindex", "RESULT triage (suggestion", "RESULT repeat check", "RESULT search 2-character"):
        assert label in out.stdout, out.stdout


def test_evaluate_command_prints_the_figures(tmp_path):
    # A database of its own (the default risk rules come with a migration): CI's PostgreSQL run
    # has only the test database migrated.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'evaluate.sqlite3'}", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    out = subprocess.run([sys.executable, "manage.py", "triage_evaluate"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    for label in ("category: macro-F1", "ptype: macro-F1", "high risk", "rules + model", "repeat"):
        assert label in out.stdout
