"""The django-helpdesk 2.6.1 comparison: its own virtual environment, its own database, the same data.

    python bench/helpdesk/run.py --source URL [--target URL] [--runs 5] [--warmup 2] [--queue ID]
                                 [--venv DIR] [--json F]

1. Makes a virtual environment (default bench/helpdesk/.venv, git-ignored) and installs
   ``django-helpdesk==2.6.1`` from PyPI into it — pip picks the Django it needs — plus psycopg
   for PostgreSQL. Nothing of helpdesk is ever committed: this script installs it.
2. Creates helpdesk's database: for PostgreSQL a database ``helpdesk`` next to tongxin's on the
   same server (``--target`` to choose); for SQLite a file next to tongxin's.
3. Loads tongxin's generated data into it (hdbench.py load: same rows, bulk insert).
4. Times helpdesk's pages (hdbench.py time) and writes the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
HELPDESK = "django-helpdesk==2.6.1"


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists() and marker.read_text().strip() == HELPDESK:
        return python
    if not python.exists():
        base = os.environ.get("HELPDESK_PYTHON") or "python3"
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    HELPDESK, "psycopg[binary]"], check=True)
    marker.write_text(HELPDESK + "\n")
    return python


def target_for(source: str) -> str:
    parsed = urlparse(source)
    if parsed.scheme == "sqlite":
        path = Path(parsed.path)
        return f"sqlite:///{path.with_name(path.stem + '-helpdesk' + path.suffix)}"
    return urlunparse(parsed._replace(path="/helpdesk"))


def create_database(target: str) -> None:
    parsed = urlparse(target)
    if parsed.scheme == "sqlite":
        Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=os.environ.get("DATABASE_URL"), help="tongxin's database URL")
    parser.add_argument("--target", help="helpdesk's database URL (default: next to tongxin's)")
    parser.add_argument("--venv", default=os.environ.get("HELPDESK_VENV", str(HERE / ".venv")))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--queue", type=int)
    parser.add_argument("--json")
    parser.add_argument("--skip-load", action="store_true", help="time only (the data is loaded)")
    parser.add_argument("--load-only", action="store_true", help="make the environment and load the data only")
    args = parser.parse_args(argv)
    if not args.source:
        parser.error("--source (or DATABASE_URL) is required")
    target = args.target or target_for(args.source)
    python = ensure_venv(Path(args.venv))
    create_database(target)
    env = {**os.environ, "HELPDESK_DATABASE_URL": target, "DJANGO_SETTINGS_MODULE": "hdproject.settings"}
    env.pop("DATABASE_URL", None)
    script = str(HERE / "hdbench.py")
    if not args.skip_load:
        done = subprocess.run([str(python), script, "load", "--source", args.source], env=env)
        if done.returncode or args.load_only:
            return done.returncode
    cmd = [str(python), script, "time", "--runs", str(args.runs), "--warmup", str(args.warmup)]
    if args.queue:
        cmd += ["--queue", str(args.queue)]
    if args.json:
        cmd += ["--json", args.json]
    return subprocess.run(cmd, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
