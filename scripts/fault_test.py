#!/usr/bin/env python3
"""Fault tests on a running topology (scripts/topology.sh), under submission load:

1. kill -9 a gunicorn worker in the middle of requests;
2. restart PostgreSQL (pg_ctl restart -m fast: open transactions are cut);
3. restart Redis (the broker: messages in flight, publications at commit);
4. kill -9 the Celery pool processes in the middle of tasks (the deadline sweep and notification
   deliveries), then kill -9 a whole worker node and start it again.

Then: no half-written petition, nothing acknowledged lost, nothing stored twice, no gap in the
numbering, no notification lost or doubled, every overdue petition escalated once, each
reminder once, the audit and event chains intact (manage.py ops_check prints each check).

    .venv/bin/python scripts/fault_test.py DIR [--threads 8] [--rounds 1]

Loopback only; the load stops when the faults are done (bounded: at most 10 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
MAX_SECONDS = 600


def load_env(directory: Path) -> dict:
    env = dict(os.environ)
    for line in (directory / "env").read_text().splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            env[key] = value
    return env


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Load:
    """Threads submitting petitions over HTTP; records acknowledgements and unknown outcomes."""

    def __init__(self, base: str, config: dict, acks: Path, threads: int) -> None:
        assert base.startswith(("http://127.0.0.1:", "http://localhost:")), "loopback only"
        self.base, self.config, self.threads = base, config, threads
        self.acks = acks.open("a", encoding="utf-8")
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ok = self.errors = 0
        self.error_kinds: dict[str, int] = {}

    def one(self) -> None:
        person = random.choice(self.config["tokens"])
        marker = f"LT-{uuid.uuid4().hex[:16]}"
        body = json.dumps({"title": f"[{marker}] 故障测试", "content": "故障测试：本人工资少发，请求核实并补发。",
                           "category": "wages", "unit": person["unit"]}).encode()
        request = urllib.request.Request(
            self.base + "/api/v1/petitions", data=body, method="POST",
            headers={"Authorization": f"Bearer {person['token']}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                number = json.loads(response.read())["number"]
            with self.lock:
                self.ok += 1
                self.acks.write(f"{marker}\t{number}\n")
                self.acks.flush()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            kind = f"HTTP {exc.code}" if isinstance(exc, urllib.error.HTTPError) else exc.__class__.__name__
            with self.lock:
                self.errors += 1
                self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
            time.sleep(0.2)

    def run(self) -> None:
        while not self.stop.is_set():
            self.one()

    def __enter__(self):
        self.workers = [threading.Thread(target=self.run, daemon=True) for _ in range(self.threads)]
        for t in self.workers:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.workers:
            t.join(40)
        self.acks.close()

    def snapshot(self) -> tuple[int, int]:
        with self.lock:
            return self.ok, self.errors


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def live_pid(pidfile: Path, timeout: float = 120) -> int:
    """The pid in ``pidfile`` once it names a running process (a restarted worker rewrites it)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            pid = int(pidfile.read_text())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError):
            time.sleep(0.5)
    raise SystemExit(f"no live process in {pidfile} after {timeout}s")


def healthy(base: str, timeout: float = 60, workers: bool = False) -> float:
    start = time.monotonic()
    url = base + ("/healthz?workers=1" if workers else "/healthz")
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"not healthy after {timeout}s: {url}")


def as_pg(args: list[str]) -> list[str]:
    if os.getuid() != 0:
        return args
    user = "postgres" if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0 else "tongxinpg"
    return ["runuser", "-u", user, "--", *args]


def step(load: Load, title: str, action, settle: float = 5.0) -> None:
    ok0, err0 = load.snapshot()
    say(f"fault: {title}")
    detail = action()
    time.sleep(settle)
    ok1, err1 = load.snapshot()
    say(f"  {detail}; during and after it: {ok1 - ok0} submissions acknowledged, {err1 - err0} failed at the client")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--employees", type=int, default=200)
    args = parser.parse_args()
    directory = args.dir.resolve()
    env = load_env(directory)
    os.environ.update(env)
    base = env["BASE_URL"]
    config_file = directory / "load.json"
    if not config_file.exists():
        subprocess.run([PY, "manage.py", "ops_loadprep", "--employees", str(args.employees), "--out", str(config_file)],
                       cwd=ROOT, check=True)
    config = json.loads(config_file.read_text())
    acks = directory / "results" / "fault-acks.tsv"
    acks.parent.mkdir(exist_ok=True)
    deadline = time.monotonic() + MAX_SECONDS
    healthy(base, workers=True)
    say(f"load: {args.threads} threads submitting to {base}")
    with Load(base, config, acks, args.threads) as load:
        time.sleep(5)

        def kill_web_worker():
            master = int((directory / "gunicorn.pid").read_text())
            before = children(master)
            victim = random.choice(before)
            os.kill(victim, signal.SIGKILL)
            for _ in range(60):
                time.sleep(0.5)
                now = children(master)
                if len(now) >= len(before) and victim not in now:
                    break
            return f"SIGKILL gunicorn worker {victim}; master respawned it ({len(children(master))} workers)"

        step(load, "kill a web worker mid-request", kill_web_worker)

        def restart_postgres():
            # -l: the restarted server must not inherit a pipe of ours (run() would wait for it to close).
            subprocess.run(as_pg([f"{PG_BIN}/pg_ctl", "-D", str(directory / "pg" / "primary"), "-m", "fast", "-w",
                                  "-l", str(directory / "pg" / "primary.log"), "restart"]),
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return f"PostgreSQL primary restarted (fast: open transactions cut), healthy again after {healthy(base):.1f}s"

        step(load, "restart PostgreSQL under load", restart_postgres)

        def restart_redis():
            port = (directory / "redis" / "port").read_text().strip()
            subprocess.run(["redis-cli", "-p", port, "shutdown"], capture_output=True)
            time.sleep(2)  # commits in these seconds cannot publish: their outbox rows wait
            subprocess.run([str(directory / "redis" / "start.sh")], check=True)
            web = healthy(base)
            workers = healthy(base, workers=True, timeout=180)
            return f"Redis shut down for 2 s and started again (AOF), web healthy after {web:.1f}s, workers after {workers:.1f}s more"

        step(load, "restart Redis under load", restart_redis)

        def kill_celery_mid_task():
            subprocess.run([str(ROOT / ".venv/bin/celery"), "-A", "tongxin", "call", "petitions.tasks.sweep_deadlines"],
                           cwd=ROOT, check=True, capture_output=True)
            time.sleep(0.5)
            killed = []
            for pidfile in sorted(directory.glob("celery-w[0-9]*.pid")):
                for child in children(live_pid(pidfile)):
                    os.kill(child, signal.SIGKILL)
                    killed.append(child)
            return f"sweep published, then SIGKILL of {len(killed)} pool processes mid-task (their messages requeued)"

        step(load, "kill Celery workers mid-task", kill_celery_mid_task, settle=10)

        def kill_worker_node():
            pidfile = directory / "celery-w1.pid"
            pid = live_pid(pidfile)
            pool = children(pid)
            os.kill(pid, signal.SIGKILL)
            for child in pool:
                os.kill(child, signal.SIGKILL)
            # Its supervisor (systemd in production) starts it again; its unacknowledged
            # messages come back after the visibility timeout.
            for _ in range(120):
                time.sleep(0.5)
                try:
                    if int(pidfile.read_text()) != pid:
                        break
                except (FileNotFoundError, ValueError):
                    pass
            return f"SIGKILL of worker node w1 (main process {pid} and {len(pool)} pool processes), restarted by its supervisor"

        step(load, "kill a whole Celery worker node", kill_worker_node, settle=10)
        if time.monotonic() > deadline:
            say("time bound reached")
    ok, errors = load.snapshot()
    say(f"load stopped: {ok} acknowledged, {errors} failed at the client {load.error_kinds}")
    healthy(base, workers=True, timeout=120)
    # The sweep once more after everything settled: it must find nothing left to do twice.
    subprocess.run([str(ROOT / ".venv/bin/celery"), "-A", "tongxin", "call", "petitions.tasks.sweep_deadlines"],
                   cwd=ROOT, check=True, capture_output=True)
    time.sleep(5)
    say("integrity checks (waiting for the outbox to drain; a lost message comes back after the visibility timeout)")
    earlier = directory / "results" / "acks.tsv"  # the load test's, when it ran on this topology
    extra = ["--acks", str(earlier)] if earlier.exists() else []
    result = subprocess.run([PY, "manage.py", "ops_check", "--acks", str(acks), *extra, "--wait", "300", "--swept"],
                            cwd=ROOT)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
