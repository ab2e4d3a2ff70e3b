"""The access matrix: every URL pattern of the project × every persona of the ``world`` fixture
and an anonymous visitor × GET and POST.

Path parameters are filled with real ids of three petitions (an ordinary one, an accusation
against the handler, an anonymous one: see conftest.SCOPE for who may see each), the ids of their
notices, attachments, 督办单 and accountability records, enumerated small integers (1…6, whatever
they belong to) and guessed ids (a random UUID, 999999). Lists are also asked for each petition's
number (?q=XF-…).

Checked on every answer:
* never a 5xx;
* no trace of a petition (number, title, start of the content) in any answer to a persona outside
  its scope, nor to the anonymous visitor — pages, lists, searches, API JSON alike;
* a URL that names a petition's record answers a persona outside the scope with 403/404 (or
  exactly what a guessed, nonexistent id gets: the same 405 or 422), never 2xx; the accused and
  the leader of the accused's mine get 404;
* the anonymous visitor is sent to log in, or gets 401/403/404/405, everywhere but the public pages;
* a refused POST changes nothing (petitions, events, notices, attachments, orders, records, roles).
And the scope table is not vacuous: every persona inside the scope does see the petition.

The figures (combinations, 5xx, leaks) are printed at the end of the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from orgs.models import RoleAssignment
from petitions.models import (
    AccountabilityRecord,
    Attachment,
    Notice,
    Petition,
    PetitionEvent,
    Review,
    SupervisionOrder,
)
from petitions.rules import Action
from petitions.selectors import visible_to
from tests.security.conftest import MATRIX, PERSONAS, SCOPE, Case, Route, guessed_uuid, project_routes

# Pages anyone may open without logging in.
PUBLIC = {
    "healthz", "set_language", "javascript-catalog", "login", "logout", "accounts:verify",
    "petitions:track", "petitions:track_detail", "api-v1-docs-asset", "api-v1:openapi-json",
    "api-v1:openapi-view", "api-v1:api-root", "api-v1:", "api-v1:petitions_track_anonymous", "admin:login", "admin:logout",
}
# Records of the petition workflow named by an integer in the URL, by URL name.
INT_MODELS = {
    "petitions:notice_download": Notice,
    "petitions:attachment_download": Attachment,
    "petitions:supervision_answer": SupervisionOrder,
    "petitions:accountability_decide": AccountabilityRecord,
}
LISTS = {"petitions:inbox", "petitions:worklist", "petitions:mine", "petitions:accountability",
         "api-v1:petitions_list", "home"}
# Pages that only read: asked with GET only (a POST there renders the same page). Every other URL,
# including any added later, is asked with POST too.
READ_ONLY = LISTS | {
    "petitions:detail", "orgs:units", "orgs:people", "orgs:person", "petitions:notice_download",
    "petitions:attachment_download", "api-v1:petitions_get", "api-v1:petitions_timeline",
    "api-v1:openapi-json", "api-v1:openapi-view", "api-v1-docs-asset", "healthz", "javascript-catalog",
    "petitions:submit_done", "job_status", "job_download",
}
ENUMERATED = [str(i) for i in range(1, 7)] + ["999999"]
REFUSED = {401, 403, 404, 405}


@dataclass(frozen=True)
class Target:
    """One concrete path and the petition it names (None: it names none)."""

    route: Route
    path: str
    owner: str | None = None
    guessed: str | None = None  # the same route with a nonexistent id, to compare answers with
    searched: str = ""  # the petition number typed into ?q= (the page echoes it: not a leak by itself)
    methods: tuple[str, ...] = ("GET", "POST")


def _values(route: Route, name: str, conv: str, cases: dict[str, Case], world) -> Iterator[tuple[str, str | None]]:
    """(value, owning case) for one path parameter."""
    petition_route = route.name.startswith(("petitions:", "api-v1:"))
    if name == "public_id":
        for case in cases.values():
            yield str(case.petition.public_id), case.name if petition_route else None
        yield guessed_uuid(), None
        if conv == "str":
            yield "1", None
    elif name == "action":
        for action in [*Action, "bogus"]:
            yield str(action), None
    elif route.name in INT_MODELS:
        model = INT_MODELS[route.name]
        by_petition = {c.petition.pk: c.name for c in cases.values()}
        owners = dict(model.objects.values_list("pk", "petition_id"))
        for value in sorted({*ENUMERATED, *(str(pk) for pk in owners)}, key=int):
            yield value, by_petition.get(owners.get(int(value)))
    elif name == "employee_no":
        for user in (world.handler, world.employee, world.other_officer):
            yield user.employee_no, None
        yield "NOBODY", None
    elif name == "assignment_id":
        for pk in sorted(RoleAssignment.objects.filter(user=world.handler).values_list("pk", flat=True)):
            yield str(pk), None
        yield "999999", None
    elif name == "name":
        yield "swagger-ui.css", None
        yield "..%2F..%2Fsettings.py", None
    elif conv == "uuid":
        yield str(cases["ordinary"].petition.public_id), None
        yield guessed_uuid(), None
    elif conv == "int":
        yield from ((v, None) for v in ENUMERATED)
    else:
        yield {"app_label": "auth", "url": "x/"}.get(name, "1"), None


def targets(cases: dict[str, Case], world) -> list[Target]:
    out: list[Target] = []
    for route in project_routes():
        params = route.params
        read_only = ("GET",) if route.name in READ_ONLY else ("GET", "POST")
        if not params:
            out.append(Target(route, route.fill({}), methods=read_only))
            if route.name in LISTS:
                out += [Target(route, route.fill({}) + f"?q={c.petition.number}", searched=c.petition.number,
                               methods=("GET",)) for c in cases.values()]
            continue
        # (values, owning case, the parameter that named it)
        combos: list[tuple[dict[str, str], str | None, str | None]] = [({}, None, None)]
        for conv, name in params:
            combos = [({**values, name: v}, owner or o, by or (name if o else None)) for values, owner, by in combos
                      for v, o in _values(route, name, conv, cases, world)]
        for values, owner, by in combos:
            guessed = None
            if owner:  # the same path with the petition's id replaced by one that exists nowhere
                guessed = route.fill({**values, by: guessed_uuid() if by == "public_id" else "999999"})
            # Every action URL answers GET with 405 before looking at anything: ask once per petition.
            methods = ("POST",) if name_is_action(values) and values["action"] != "accept" else read_only
            out.append(Target(route, route.fill(values), owner, guessed, methods=methods))
    return out


def name_is_action(values: dict[str, str]) -> bool:
    return "action" in values


def fingerprint() -> tuple:
    return (
        tuple(Petition.objects.order_by("pk").values_list("pk", "state", "version", "event_seq")),
        PetitionEvent.objects.count(), Notice.objects.count(), Attachment.objects.count(), Review.objects.count(),
        tuple(SupervisionOrder.objects.order_by("pk").values_list("pk", "status")),
        tuple(AccountabilityRecord.objects.order_by("pk").values_list("pk", "status")),
        RoleAssignment.objects.count(),
    )


def _login_path(location: str) -> bool:
    path = location.split("?")[0]
    return path in (reverse(settings.LOGIN_URL), "/admin/login/")


@pytest.mark.django_db
def test_every_url_for_every_persona(world, cases):
    every = targets(cases, world)
    clients: dict[str, Client] = {}
    users = {name: getattr(world, name) for name in PERSONAS}
    for name in (None, *PERSONAS):
        client = Client()
        if name:
            client.force_login(users[name])
        clients[name or "anonymous"] = client

    errors, leaks, anonymous_open, refusals_differ, changed = [], [], [], [], []
    seen_by: dict[str, set[str]] = {name: set() for name in cases}
    guessed_status: dict[tuple[str, str, str], int] = {}

    def request(who: str, method: str, path: str) -> tuple[int, str, str]:
        client = clients[who]
        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
        if who != "anonymous" and (session is None or not session.value):
            client.force_login(users[who])  # a POST to a logout URL ended the session
        if method == "GET":
            response = client.get(path)
        else:
            with transaction.atomic():
                response = client.post(path, {})
                transaction.set_rollback(True)  # every persona meets the same world
        MATRIX[f"combinations {method}"] += 1
        MATRIX["combinations (url × persona × method)"] += 1
        content_type = response.get("Content-Type", "")
        text = response.content.decode(errors="ignore") if (
            content_type.startswith(("text/", "application/json")) and not getattr(response, "streaming", False)
        ) else ""
        return response.status_code, response.get("Location", ""), text

    for target in every:
        for method in target.methods:
            for who in ("anonymous", *PERSONAS):
                if method == "POST" and target.owner and who != "anonymous" and who not in SCOPE[target.owner]:
                    with transaction.atomic():
                        before = fingerprint()
                        status, location, text = request(who, method, target.path)
                        if fingerprint() != before:
                            changed.append((who, method, target.path))
                        transaction.set_rollback(True)
                else:
                    status, location, text = request(who, method, target.path)
                where = (who, method, target.path, status)
                if status >= 500:
                    errors.append(where)
                for case in cases.values():
                    markers = [m for m in case.markers if m != target.searched]
                    if who not in SCOPE[case.name] and any(m in text for m in markers):
                        leaks.append((*where, case.name))
                if who == "anonymous" and target.route.name not in PUBLIC and not (
                    status in REFUSED or (status in (301, 302) and _login_path(location))
                ):
                    anonymous_open.append(where)
                if target.owner is None:
                    continue
                if who in SCOPE[target.owner]:
                    if status == 200 and cases[target.owner].petition.number in text:
                        seen_by[target.owner].add(who)
                    continue
                if 200 <= status < 300:
                    leaks.append((*where, target.owner))
                    continue
                if who == "anonymous" or status in (403, 404):
                    accused = target.owner == "accusation" and who in ("handler", "leader")
                    if accused and status != 404:
                        refusals_differ.append(where)
                    continue
                key = (who, method, target.guessed)
                if key not in guessed_status:
                    guessed_status[key] = request(who, method, target.guessed)[0]
                if status != guessed_status[key]:
                    refusals_differ.append((*where, f"a guessed id gets {guessed_status[key]}"))

    MATRIX["urls (patterns)"] = len(project_routes())
    MATRIX["paths (patterns × filled ids)"] = len(every)
    MATRIX["personas (with the anonymous visitor)"] = len(clients)
    MATRIX["5xx seen"] = len(errors)
    MATRIX["leaks seen"] = len(leaks)
    MATRIX["anonymous not refused"] = len(anonymous_open)
    MATRIX["refusals that tell a real id from a guessed one"] = len(refusals_differ)
    MATRIX["refused POSTs that changed something"] = len(changed)
    assert errors == []
    assert leaks == [], "\n".join(map(str, leaks))
    assert anonymous_open == []
    assert refusals_differ == []
    assert changed == []
    # Not vacuous: everyone in a petition's scope did see it (its page or a list), nobody else.
    for name, case in cases.items():
        assert seen_by[name] == SCOPE[name], name
        assert {p for p in PERSONAS if visible_to(getattr(world, p)).filter(pk=case.petition.pk).exists()} == SCOPE[name]
    assert MATRIX["combinations (url × persona × method)"] > 5000


def test_the_matrix_covers_every_persona_and_url_kind(world, cases):
    personas = {name for name in vars(world) if name not in {"group", "company", "mine", "team", "other_mine"}}
    assert set(PERSONAS) == personas
    names = {t.route.name for t in targets(cases, world)}
    assert {"petitions:detail", "petitions:act", "petitions:notice_download", "petitions:attachment_download",
            "petitions:supervision_answer", "petitions:accountability_decide", "api-v1:petitions_get",
            "api-v1:petitions_list", "petitions:inbox", "orgs:person"} <= names
