"""Fixtures of the attack tests: the petition personas (``world``), three petitions with every
kind of record a URL can name, and the project's URL patterns as concrete paths.

The three petitions, and who may see each (written out here, not read from
``petitions.selectors.visible_to``, so that the tests check the scoping instead of repeating it):

* ``ordinary`` — the employee's wage complaint to the mine, accepted by the mine's officer,
  assigned to the team's handler under the mine's leader (办理中), supervised by the company's
  officer (督办单) and with an open accountability record at the team (纪检 of the group see it).
* ``accusation`` — the employee accuses the handler (检举控告; accused unit: the team, whose
  parent is the mine), accepted: the handler and the mine's leader must never see it.
* ``anonymous`` — the employee's anonymous petition to the mine (登记): never tied to the account
  that typed it, so the employee does not see it either.
"""

from __future__ import annotations

import io
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from petitions.choices import AccountabilityGround, Category, NoticeKind, PetitionType, State
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import AccountabilityRecord, Petition, SupervisionOrder
from petitions.workflow import open_accountability, petition_accept, petition_assign, petition_supervise
from tests.petitions import conftest as petition_fixtures
from tests.petitions.conftest import A, World

world = petition_fixtures.world  # the personas, as a fixture of these tests too

PERSONAS = (
    "employee", "officer", "handler", "leader", "company_officer", "group_officer", "inspector",
    "other_officer", "outsider",
)
# Who may see each petition (its page, documents, lists, API). Everyone else: 403/404, no trace.
SCOPE = {
    "ordinary": {"employee", "officer", "handler", "leader", "company_officer", "group_officer", "inspector"},
    "accusation": {"employee", "officer", "company_officer", "group_officer", "inspector"},
    "anonymous": {"officer", "leader", "company_officer", "group_officer"},
}


# Figures of the attack tests, printed at the end of the run (pytest_terminal_summary below).
FUZZ_CASES: Counter[str] = Counter()  # target → examples run
MATRIX: Counter[str] = Counter()  # combinations, 5xx, leaks, by method and persona


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZ_CASES:
        terminalreporter.section("fuzz cases (tests/security)")
        for target, n in sorted(FUZZ_CASES.items()):
            terminalreporter.write_line(f"{n:6d}  {target}")
        total = sum(n for target, n in FUZZ_CASES.items() if "of which" not in target)
        terminalreporter.write_line(f"{total:6d}  in all")
    if MATRIX:
        terminalreporter.section("access matrix (tests/security/test_access_matrix.py)")
        for key, n in sorted(MATRIX.items()):
            terminalreporter.write_line(f"{n:6d}  {key}")


@dataclass
class Case:
    """One petition and the primary keys of everything that hangs off it."""

    name: str
    petition: Petition
    notices: list[int] = field(default_factory=list)
    attachments: list[int] = field(default_factory=list)
    supervisions: list[int] = field(default_factory=list)
    accountability: list[int] = field(default_factory=list)

    @property
    def markers(self) -> tuple[str, ...]:
        """Text that must not appear on any page of a persona outside the scope."""
        p = self.petition
        return (p.number, p.title, p.content[:24])


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path) -> Iterator[None]:
    """Uploads in a temporary folder; rate limits (Django's cache) start from zero."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def png(name: str = "证据.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 90, 160)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _submit(world: World, *, anonymous: bool = False, **draft) -> Petition:
    return petition_submit(
        petitioner=world.employee,
        draft=PetitionDraft(unit=world.mine, identity=Identity(), anonymous=anonymous, **draft),
        uploads=[png()],
        now=timezone.now(),
    ).petition


def _collect(name: str, p: Petition) -> Case:
    p.refresh_from_db()
    return Case(
        name=name,
        petition=p,
        notices=list(p.notices.values_list("pk", flat=True)),
        attachments=list(p.attachments.values_list("pk", flat=True)),
        supervisions=list(SupervisionOrder.objects.filter(petition=p).values_list("pk", flat=True)),
        accountability=list(AccountabilityRecord.objects.filter(petition=p).values_list("pk", flat=True)),
    )


@pytest.fixture
def cases(world) -> dict[str, Case]:
    now = timezone.now()
    ordinary = _submit(world, title="二号井十一月夜班津贴未发放",
                       content="二号井综采一队十一月份夜班津贴至今未发放，共计二十二个夜班，请求核实补发。",
                       category=Category.WAGES)
    ordinary = petition_accept(petition=ordinary, actor=A(world.officer), now=now)
    ordinary = petition_assign(petition=ordinary, actor=A(world.officer), handling_unit=world.team,
                               handler=world.handler, leader=world.leader)
    petition_supervise(petition=ordinary, actor=A(world.company_officer), reason="请于五日内报告夜班津贴核实情况")
    ordinary.refresh_from_db()
    open_accountability(ordinary, ground=AccountabilityGround.LATE_REPLY, cause=None, unit=world.team,
                        responsible=world.handler, leader=world.leader, now=now, key=f"{ordinary.pk}:test")
    ordinary.save(update_fields=["event_seq", "event_head"])

    accusation = _submit(world, title="检举综采队承办人索要好处费",
                         content="综采一队承办人在办理工伤认定时索要好处费三千元，有转账记录为证，请求纪检查处。",
                         category=Category.CADRE_CONDUCT, ptype=PetitionType.ACCUSATION,
                         accused_user=world.handler)
    accusation = petition_accept(petition=accusation, actor=A(world.officer), now=now)

    anonymous = _submit(world, anonymous=True, title="东翼运输巷积水长期无人处理",
                        content="东翼运输巷积水已经两个月，排水泵坏了没人修，工人每天蹚水上下班，请求尽快处理。",
                        category=Category.SAFETY)

    out = {name: _collect(name, p) for name, p in
           (("ordinary", ordinary), ("accusation", accusation), ("anonymous", anonymous))}
    assert out["ordinary"].petition.state == State.HANDLING
    assert out["accusation"].petition.state == State.ACCEPTED
    assert out["accusation"].petition.accused_unit == world.team
    assert out["anonymous"].petition.petitioner_id is None
    assert out["ordinary"].supervisions and out["ordinary"].accountability
    assert NoticeKind.SUPERVISION in set(out["ordinary"].petition.notices.values_list("kind", flat=True))
    return out


# --- the URL patterns of the project, as concrete paths ---------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route (``xf/case/<uuid:public_id>/``) and name (``petitions:detail``)."""

    route: str
    name: str
    callback: object

    @property
    def params(self) -> list[tuple[str, str]]:
        """(converter, name) of each parameter, regex groups as ("re", name)."""
        out = [(m.group(1) or "str", m.group(2)) for m in re.finditer(r"<(?:(\w+):)?(\w+)>", self.route)]
        out += [("re", m.group(1)) for m in re.finditer(r"\(\?P<(\w+)>", self.route)]
        return out

    def fill(self, values: dict[str, str]) -> str:
        """The path with each parameter replaced by ``values[name]``."""
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], self.route)
        path = _fill_regex_groups(path, values)
        return "/" + path.replace("^", "").replace("$", "").replace("\\Z", "")


def _fill_regex_groups(path: str, values: dict[str, str]) -> str:
    out, i = [], 0
    while True:
        m = re.compile(r"\(\?P<(\w+)>").search(path, i)
        if m is None:
            return "".join(out) + path[i:]
        depth, j = 1, m.end()
        while depth:  # the group's closing parenthesis
            depth += {"(": 1, ")": -1}.get(path[j], 0)
            j += 1
        out.append(path[i:m.start()])
        body = path[m.end():j - 1]
        out.append(values.get(m.group(1)) or body.split("|")[0])  # the first alternative, by default
        i = j


def project_routes() -> list[Route]:
    """Every URL pattern the project's URLconf resolves, includes expanded."""

    def walk(patterns, prefix: str, namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield Route(prefix + str(p.pattern), f"{namespace}{p.name or ''}", p.callback)

    return list(walk(get_resolver().url_patterns, "", ""))


def guessed_uuid() -> str:
    return str(uuid.UUID(int=uuid.uuid4().int))
