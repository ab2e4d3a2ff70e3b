"""The benchmarks run at a small size in CI as a smoke test (figures are not asserted).

The realistic generator is also checked for what the benchmarks rely on: every generated
petition is what the workflow would have left — hash chain intact, state, periods and due dates
computed by the workflow's arithmetic, ``on_time``/``rating`` in the events — and the workflow
carries on from it. The django-helpdesk harness installs another Django stack from PyPI, so CI
runs only its data transcription (bench/helpdesk/transcribe.py), not the harness itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(db: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _run(args: list[str], env: dict) -> str:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    return out.stdout


def test_intake_benchmark_runs_at_small_size(tmp_path):
    out = _run(["bench/intake.py", "--rows", "3000", "--submissions", "30", "--runs", "1"], _env(tmp_path / "bench.sqlite3"))
    assert "stored petitions: 3,000" in out
    assert "RESULT intake median" in out


def test_realistic_generator_paths_and_helpdesk_transcription_run_at_small_size(tmp_path):
    db = tmp_path / "realistic.sqlite3"
    env = _env(db)
    out = _run(["bench/generate_realistic.py", "--petitions", "2000", "--people", "2000"], env)
    assert "RESULT generated 2,000 petitions (2,000 in the group)" in out

    out = _run(["bench/paths.py", "--runs", "1", "--warmup", "0", "--export-rows", "300",
                "--json", str(tmp_path / "tongxin.json")], env)
    figures = json.loads((tmp_path / "tongxin.json").read_text())
    timed = [t for t in figures["timings"] if t["samples_ms"]]
    assert {"inbox", "unit_list", "worklist", "api_list"} <= {t["key"] for t in timed}
    assert all(t["status"] == 200 for t in timed), [(t["key"], t["status"]) for t in timed]
    assert figures["petitions"] == 2000
    assert figures["memory_mb"]["VmHWM"] > 0

    # The helpdesk harness's transcription reads the same rows (what its loader inserts).
    sys.path.insert(0, str(ROOT))
    from bench.helpdesk import transcribe

    conn = transcribe.connect(f"sqlite:///{db}")
    tickets = list(transcribe.tickets(conn))
    assert len(tickets) == 2000
    assert {t["status"] for t in tickets} <= {1, 2, 3, 4, 5}
    assert sum(1 for _ in transcribe.followups(conn)) == figures["events"]
    assert sum(1 for _ in transcribe.queues(conn)) == transcribe.count(conn, "orgs_unit")
    assert sum(1 for u in transcribe.users(conn) if u["is_staff"]) > 1000
    assert transcribe.open_units(conn)[0][0] == figures["unit"]["id"]

    from bench.compare import render

    assert "| Open list, page of 25 |" in render(figures, {})


# --- what the generated history is -------------------------------------------------------------------


@pytest.mark.django_db
def test_generated_petitions_are_what_the_workflow_leaves():
    from bench.generate_realistic import generate
    from core.calendar import work_calendar
    from petitions.choices import OPEN_STATES, State
    from petitions.events import verify_petition_chain
    from petitions.models import Petition, PetitionEvent, Review
    from tongxin.lib.periods import Period, due_at, extend_due_at

    assert generate(1200, people=2000, seed=11, progress=lambda *_: None)["made"] == 1200
    assert generate(1200, people=2000, seed=11, progress=lambda *_: None)["made"] == 0  # tops up: nothing to add
    cal = work_calendar()
    events = defaultdict(list)
    for e in PetitionEvent.objects.order_by("petition_id", "seq"):
        events[e.petition_id].append(e)
    reviews = defaultdict(list)
    for r in Review.objects.order_by("requested_at"):
        reviews[r.petition_id].append(r)
    petitions = list(Petition.objects.all())
    assert len(petitions) == 1200
    by_number = {p.number: p for p in petitions}
    states = Counter(p.state for p in petitions)
    for p in petitions:
        assert verify_petition_chain(p) == [], p.number
        evs = events[p.pk]
        assert evs[0].kind == "registered" and [e.seq for e in evs] == list(range(1, len(evs) + 1))
        assert [e.at for e in evs] == sorted(e.at for e in evs)
        moves = [e for e in evs if e.to_state]
        assert moves[-1].to_state == p.state
        assert p.version == sum(1 for e in evs if e.from_state)
        # Periods: the workflow's arithmetic.
        forwards = [e for e in evs if e.kind == "forwarded"]
        received = forwards[-1].at if forwards else p.received_at
        assert p.acceptance_due_at == due_at(received, Period(15), cal)
        for f in forwards:
            assert f.data["on_time"] == (f.at < due_at(p.received_at, Period(15), cal))
        if p.accepted_at:
            handling = due_at(p.accepted_at, Period(60), cal)
            extended = [e for e in evs if e.kind == "extended"]
            if extended:
                handling = extend_due_at(handling, Period(extended[0].data["days"]), cal)
            assert p.handling_due_at == handling
        for e in evs:
            if e.kind == "replied":
                assert p.replied_at == e.at and e.data["on_time"] == (e.at < p.handling_due_at)
                assert p.review_request_due_at == due_at(e.at, Period(30), cal)
            if e.kind == "rated":
                assert e.data["rating"] == p.rating and e.actor_id == p.petitioner_id
        # The current period.
        if p.state in OPEN_STATES or p.state in (State.REPLIED, State.REVIEWED):
            expected = {
                State.REGISTERED: ("acceptance", p.acceptance_due_at),
                State.ACCEPTED: ("handling", p.handling_due_at),
                State.HANDLING: ("handling", p.handling_due_at),
                State.REPLIED: ("review_request", p.review_request_due_at),
                State.REVIEWED: ("rereview_request", p.rereview_request_due_at),
                State.REVIEWING: ("review", reviews[p.pk][-1].due_at if reviews[p.pk] else None),
                State.REREVIEWING: ("rereview", reviews[p.pk][-1].due_at if reviews[p.pk] else None),
            }[p.state]
            assert (p.due_kind, p.due_at) == expected, p.number
            assert p.closed_at is None
        else:
            assert p.due_kind == "" and p.due_at is None and p.closed_at is not None, p.number
        if p.state == State.MERGED:
            original = by_number[evs[-1].data["into"]]
            assert p.merged_into_id == original.pk
            assert any(e.kind == "merged" and e.data.get("duplicate") == p.number for e in events[original.pk])
        if p.state == State.FINAL:
            assert [r.level for r in reviews[p.pk]] == ["review", "rereview"] and p.final_fingerprint
    # Realistic proportions: most closed, the recent ones still open, ratings mostly satisfied.
    assert states[State.CLOSED] > 0.6 * len(petitions)
    assert states[State.HANDLING] > 0 and states[State.NOT_ACCEPTED] > 0 and states[State.MERGED] > 0
    ratings = Counter(p.rating for p in petitions if p.rating)
    assert ratings["satisfied"] > ratings["basically"] > ratings["unsatisfied"] > 0

    # The workflow carries on from a generated petition: its handler replies.
    from orgs.models import User
    from petitions.rules import Actor
    from petitions.workflow import petition_reply

    p = Petition.objects.filter(state=State.HANDLING).first()
    replied = petition_reply(petition=p, actor=Actor(user=User.objects.get(pk=p.handler_id)), outcome="explain",
                             text="经调查核实，已向信访人解释说明相关政策依据。")
    assert replied.state == State.REPLIED and verify_petition_chain(replied) == []
