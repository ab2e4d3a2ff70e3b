"""Load on the real HTTP path (gunicorn → Django → PostgreSQL, notifications via Redis/Celery).

Run by scripts/load_test.sh; loopback only, bounded in count (LOAD_TOTAL) and time (--run-time).

    LOAD_MODE=burst  every user submits petitions (POST /api/v1/petitions) until LOAD_TOTAL are
                     acknowledged in all, then the run stops
    LOAD_MODE=mixed  90 % reads (the caller's list, one petition, its timeline), 10 % submissions

Each submission carries a unique marker ``[LT-…]`` in its title; each acknowledged one is
appended to LOAD_ACKS as ``marker<TAB>number`` for ``manage.py ops_check --acks``.
"""

from __future__ import annotations

import json
import os
import random
import threading
import uuid
from urllib.parse import urlparse

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

CONFIG = json.load(open(os.environ["LOAD_FILE"], encoding="utf-8"))  # noqa: SIM115
TOTAL = int(os.environ.get("LOAD_TOTAL", "0"))
MODE = os.environ.get("LOAD_MODE", "burst")
ACKS = os.environ.get("LOAD_ACKS", "")
if urlparse(os.environ.get("LOAD_HOST", "http://127.0.0.1")).hostname not in {"127.0.0.1", "localhost"}:
    raise SystemExit("the load test runs against loopback only")

_lock = threading.Lock()
_acks = open(ACKS, "a", encoding="utf-8") if ACKS else None  # noqa: SIM115
_state = {"started": 0, "acked": 0, "failed": 0, "quitting": 0}
CONTENTS = [
    "本人所在区队{m}月份绩效工资比上月少发了一千二百元，区队没有任何书面说明，请求核实并补发。",
    "井下{m}号巷道通风设施长期损坏，多次向班组反映未见处理，担心安全隐患，请求尽快检查整改。",
    "食堂{m}月起饭菜价格上涨三成，质量反而下降，职工意见很大，请求公司核查承包方并公开收费标准。",
]


@events.quitting.add_listener
def _close(environment, **kwargs):
    if _acks:
        _acks.close()


class Employee(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        person = random.choice(CONFIG["tokens"])
        self.headers = {"Authorization": f"Bearer {person['token']}", "Content-Type": "application/json"}
        self.unit = person["unit"]
        self.mine: list[str] = []
        if MODE == "mixed":  # the petitions this employee submitted before (the burst's)
            response = self.client.get("/api/v1/petitions?limit=20", headers=self.headers,
                                       name="GET /api/v1/petitions")
            if response.status_code == 200:
                self.mine = [str(item["public_id"]) for item in response.json()["items"]]

    def submit(self) -> None:
        if TOTAL:
            with _lock:
                if _state["started"] >= TOTAL:
                    raise StopUser()  # the burst is complete: this user stops (no busy loop)
                _state["started"] += 1
        marker = f"LT-{uuid.uuid4().hex[:16]}"
        body = {
            "title": f"[{marker}] 工资待遇问题反映",
            "content": random.choice(CONTENTS).format(m=random.randint(1, 12)),
            "category": "wages", "unit": self.unit,
        }
        with self.client.post("/api/v1/petitions", data=json.dumps(body), headers=self.headers,
                              name="POST /api/v1/petitions", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                data = None
            else:
                data = response.json()
        if data is None:
            with _lock:
                _state["failed"] += 1
        else:
            self.mine.append(str(data["public_id"]))
            with _lock:
                _state["acked"] += 1
                if _acks:
                    _acks.write(f"{marker}\t{data['number']}\n")
                    _acks.flush()
        if TOTAL and _state["acked"] + _state["failed"] >= TOTAL and not _state["quitting"]:
            # From a greenlet of its own: quitting from this user's greenlet would kill it midway.
            _state["quitting"] = 1
            gevent.spawn_later(0.5, self.environment.runner.quit)

    @task(90 if MODE == "mixed" else 0)
    def read(self) -> None:
        choice = random.random()
        if not self.mine or choice < 0.4:
            self.client.get("/api/v1/petitions?limit=20", headers=self.headers, name="GET /api/v1/petitions")
        elif choice < 0.8:
            self.client.get(f"/api/v1/petitions/{random.choice(self.mine)}", headers=self.headers,
                            name="GET /api/v1/petitions/{id}")
        else:
            self.client.get(f"/api/v1/petitions/{random.choice(self.mine)}/timeline", headers=self.headers,
                            name="GET /api/v1/petitions/{id}/timeline")

    @task(10)
    def write(self) -> None:
        self.submit()
