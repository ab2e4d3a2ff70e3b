"""Extract the UI strings into the English catalogues: one for the project, one per module app.

The petition core (core, orgs, audit, accounts, petitions, insights, ledger and templates/) keeps
locale/en/LC_MESSAGES/django.po. Each module app that has its own ``<app>/locale/`` directory
(triage, engagement, ops, party, publicity, carbon) keeps its own catalogue there, so that the
modules can be worked on side by side without rewriting one shared file. Django merges them at
run time (LOCALE_PATHS first, then the apps in INSTALLED_APPS order).

    .venv/bin/python scripts/messages.py            # every catalogue
    .venv/bin/python scripts/messages.py party      # one app's catalogue only
    .venv/bin/python scripts/messages.py project    # the project catalogue only

Then fill the new entries (msgstr) and run scripts/compile_messages.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
COMMON_IGNORES = [".venv", "node_modules", "var", "static/vendor", "bench", "tests", "test-artifacts"]


def module_apps() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/locale") if p.parent != ROOT and p.is_dir())


def run(cwd: Path, ignores: list[str], settings: str) -> None:
    args = [str(PYTHON if PYTHON.exists() else sys.executable), str(ROOT / "manage.py"), "makemessages",
            "-l", "en", "--no-obsolete", f"--settings={settings}"]
    args += [f"--ignore={i}" for i in ignores]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(args, cwd=cwd, check=True, env=env)  # nosec B603 — fixed argv, no shell


def main(argv: list[str]) -> int:
    apps = module_apps()
    wanted = argv or ["project", *apps]
    for name in wanted:
        if name == "project":
            run(ROOT, COMMON_IGNORES + apps, "tongxin.settings")
        elif name in apps:
            # Without LOCALE_PATHS, makemessages run inside the app writes to the app's locale/.
            run(ROOT / name, COMMON_IGNORES, "tongxin.settings_messages")
        else:
            print(f"unknown catalogue {name!r}; choose from project, {', '.join(apps)}", file=sys.stderr)
            return 2
        print(f"extracted: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
