"""Every engagement URL × every persona of the petition world (and anonymous) × GET and an empty
POST: never a server error; anonymous is sent to the login page; an empty or refused POST changes
no engagement record; records of one mine stay invisible to another mine's officer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from engagement import library, meetings, qa, screening, training, visits
from engagement.models import (
    Attempt,
    AttemptAnswer,
    CaseShare,
    Decision,
    LibraryCase,
    Meeting,
    Question,
    ScreeningEntry,
    VisitLog,
    VisitMatter,
    VisitPlan,
)
from petitions.choices import Category, RiskLevel
from tests.engagement.conftest import close_petition

PERSONAS = ("employee", "officer", "handler", "leader", "company_officer", "group_officer", "inspector",
            "other_officer", "outsider")
MODELS = (Question, LibraryCase, CaseShare, VisitPlan, VisitLog, VisitMatter, Meeting, Decision, ScreeningEntry,
          Attempt, AttemptAnswer)


def fingerprint() -> tuple:
    return tuple(tuple(m.objects.order_by("pk").values_list("pk", flat=True)) for m in MODELS) + (
        tuple(Question.objects.order_by("pk").values_list("state", "answer")),
        tuple(LibraryCase.objects.order_by("pk").values_list("state", "summary")),
        tuple(Decision.objects.order_by("pk").values_list("state")),
        tuple(ScreeningEntry.objects.order_by("pk").values_list("status")),
        tuple(Attempt.objects.order_by("pk").values_list("state", "score")),
    )


@pytest.fixture
def records(world, second_officer):
    now = timezone.now()
    q = qa.question_ask(asker=world.employee, unit=world.mine, category=Category.WAGES, title="夜班津贴怎么计算？")
    p = close_petition(world)
    case = library.case_from_petition(petition=p, acting_user=world.officer)
    plan = visits.plan_create(unit=world.company, month=timezone.localdate(), cadres=[world.leader],
                              targets=[world.mine], acting_user=world.company_officer)
    log = visits.visit_log(cadre=world.leader, unit=world.mine, visited_on=timezone.localdate(), place="职工之家",
                           employees_met=5, summary="座谈了解情况", acting_user=world.leader,
                           matters=[visits.MatterInput("班中餐补贴标准偏低", Category.WAGES)],
                           assignment=plan.assignments.first())
    m = meetings.meeting_schedule(unit=world.mine, kind="monthly", period=f"{timezone.localdate():%Y-%m}",
                                  scheduled_at=now - timedelta(hours=1), place="会议室", chair=world.leader,
                                  attendees=[world.handler], acting_user=world.officer)
    meetings.meeting_minutes(meeting=m, acting_user=world.officer, minutes="研究本月信访形势和重点事项", absent=[])
    d = meetings.decision_add(meeting=m, acting_user=world.officer, text="逐件化解", owner=world.handler,
                              due_on=timezone.localdate() + timedelta(days=3))
    e = screening.entry_create(unit=world.mine, dispute="绩效分配争议", source=Category.WAGES, source_note="",
                               people="", people_count=3, risk_level=RiskLevel.LOW, measures="",
                               responsible=world.handler, acting_user=world.officer)
    exam = training.exam_assign(unit=world.mine, title="测试", acting_user=world.officer, count=12)
    attempt = Attempt.objects.get(exam=exam, person=world.handler)
    training.attempt_submit(attempt=attempt, acting_user=world.handler, responses={})
    answer = attempt.answers.first()
    # Looked up by the first key the URL name contains: the more specific names first.
    return {"public_id": [str(q.public_id), str(p.public_id)], "pk": {
        "matter": log.matters.first().pk, "assignment": plan.assignments.first().pk, "answer": answer.pk,
        "meeting": m.pk, "decision": d.pk, "visit": log.pk, "library": case.pk, "screening": e.pk, "exam": exam.pk,
        "attempt": attempt.pk}}


def engagement_paths(records) -> list[str]:
    out = []
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "engagement":
            continue
        for p in pattern.url_patterns:
            assert isinstance(p, URLPattern)
            route = str(p.pattern)
            name = p.name
            if "<uuid:public_id>" in route:
                for value in records["public_id"]:
                    out.append(reverse(f"engagement:{name}", args=[value]))
            elif "<int:pk>" in route:
                key = next((k for k in records["pk"] if k in name), "library")
                out.append(reverse(f"engagement:{name}", args=[records["pk"][key]]))
                out.append(reverse(f"engagement:{name}", args=[999999]))
            else:
                out.append(reverse(f"engagement:{name}"))
    return out


@pytest.mark.django_db
def test_every_engagement_url_for_every_persona(world, records):
    paths = engagement_paths(records)
    assert len(paths) > 40
    errors, changed, open_to_anonymous = [], [], []
    for who in ("anonymous", *PERSONAS):
        client = Client()
        if who != "anonymous":
            client.force_login(getattr(world, who))
        for path in paths:
            response = client.get(path)
            if response.status_code >= 500:
                errors.append((who, "GET", path, response.status_code))
            if who == "anonymous" and not (response.status_code in (302, 404) and
                                           (response.status_code == 404 or "/login/" in response["Location"])):
                open_to_anonymous.append(path)
            with transaction.atomic():
                before = fingerprint()
                response = client.post(path, {})
                if response.status_code >= 500:
                    errors.append((who, "POST", path, response.status_code))
                if fingerprint() != before:
                    changed.append((who, path))
                transaction.set_rollback(True)
    assert errors == []
    assert open_to_anonymous == []
    assert changed == []


@pytest.mark.django_db
def test_another_mine_sees_none_of_these_records(world, records, client):
    client.force_login(world.other_officer)
    for name, key in (("library_detail", "library"), ("visit_detail", "visit"), ("meeting_detail", "meeting"),
                      ("screening_entry", "screening"), ("attempt", "attempt")):
        assert client.get(reverse(f"engagement:{name}", args=[records["pk"][key]])).status_code == 404, name
    page = client.get(reverse("engagement:screening") + "?all=1").content.decode()
    assert "绩效分配争议" not in page
    assert not re.search("夜班津贴", client.get(reverse("engagement:qa_staff")).content.decode())
