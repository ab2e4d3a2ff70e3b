"""Who reaches which staff page for which petition: every persona of the ``world`` fixture ×
inbox, work list, petition page, notice download and attachment download, for an ordinary
petition and for an accusation (检举控告) against the handler.

The accused and the leaders of the accused unit's line never see an accusation (第三十条第三款):
404 on its page and downloads, absent from every list. (The API's matrix is tested with the API.)
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from petitions.choices import Category, NoticeKind, PetitionType, State
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import Petition
from petitions.workflow import petition_accept, petition_assign
from tests.petitions.conftest import A

# The ordinary petition: an employee's wage complaint to the mine, accepted by the mine's officer
# and assigned to the team's handler under the mine's leader (state 办理中).
#
#   persona           inbox  in inbox  in worklist  detail  notice  attachment
ORDINARY = [
    ("employee",        403, False,    False,       200,    200,    200),  # the petitioner
    ("officer",         200, True,     False,       200,    200,    200),
    ("handler",         403, False,    True,        200,    200,    200),
    ("leader",          200, True,     True,        200,    200,    200),
    ("company_officer", 200, True,     False,       200,    200,    200),
    ("group_officer",   200, True,     False,       200,    200,    200),
    ("inspector",       200, False,    False,       404,    404,    404),  # not an accusation
    ("other_officer",   200, False,    False,       404,    404,    404),
    ("outsider",        403, False,    False,       404,    404,    404),
]

# The accusation: the same employee accuses the handler (accused unit: the team, whose parent
# is the mine); accepted by the mine's officer (state 已受理待交办).
#
#   persona           inbox  in inbox  in worklist  detail  notice  attachment
ACCUSATION = [
    ("employee",        403, False,    False,       200,    200,    200),  # the petitioner
    ("officer",         200, True,     False,       200,    200,    200),
    ("handler",         403, False,    False,       404,    404,    404),  # the accused
    ("leader",          200, False,    False,       404,    404,    404),  # leads the accused's mine
    ("company_officer", 200, True,     False,       200,    200,    200),
    ("group_officer",   200, True,     False,       200,    200,    200),
    ("inspector",       200, True,     False,       200,    200,    200),  # 纪检 handle accusations
    ("other_officer",   200, False,    False,       404,    404,    404),
    ("outsider",        403, False,    False,       404,    404,    404),
]


@dataclass
class Case:
    petition: Petition
    notice_url: str
    attachment_url: str


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 90, 160)).save(buffer, format="PNG")
    return SimpleUploadedFile("证据.png", buffer.getvalue(), content_type="image/png")


def _case(world, **draft) -> Case:
    now = timezone.now()
    p = petition_submit(
        petitioner=world.employee,
        draft=PetitionDraft(unit=world.mine, identity=Identity(), **draft),
        uploads=[_png()],
        now=now,
    ).petition
    p = petition_accept(petition=p, actor=A(world.officer), now=now)
    notice = p.notices.get(kind=NoticeKind.ACCEPTANCE)
    return Case(
        petition=p,
        notice_url=reverse("petitions:notice_download", args=[notice.pk]),
        attachment_url=reverse("petitions:attachment_download", args=[p.attachments.get().pk]),
    )


@pytest.fixture
def ordinary(world) -> Case:
    case = _case(world, title="综采一队十月绩效工资少发",
                 content="十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。",
                 category=Category.WAGES)
    case.petition = petition_assign(petition=case.petition, actor=A(world.officer), handling_unit=world.team,
                                    handler=world.handler, leader=world.leader)
    assert case.petition.state == State.HANDLING
    return case


@pytest.fixture
def accusation(world) -> Case:
    case = _case(world, title="反映综采一队承办人吃拿卡要",
                 content="综采一队赵某在办理工伤认定时索要好处费，有转账记录为证，请求纪检查处。",
                 category=Category.CADRE_CONDUCT, ptype=PetitionType.ACCUSATION, accused_user=world.handler)
    assert case.petition.state == State.ACCEPTED and case.petition.accused_unit == world.team
    return case


def _check(client, user, case: Case, expected: tuple) -> None:
    inbox_status, in_inbox, in_worklist, detail_status, notice_status, attachment_status = expected
    number = case.petition.number
    client.force_login(user)

    inbox = client.get(reverse("petitions:inbox"))
    assert inbox.status_code == inbox_status
    assert (number in inbox.content.decode()) is in_inbox

    worklist = client.get(reverse("petitions:worklist"))
    assert worklist.status_code == 200
    assert (number in worklist.content.decode()) is in_worklist

    detail = client.get(reverse("petitions:detail", args=[case.petition.public_id]))
    assert detail.status_code == detail_status
    assert client.get(case.notice_url).status_code == notice_status
    assert client.get(case.attachment_url).status_code == attachment_status
    # A page that is not found says nothing about the petition.
    if detail_status == 404:
        assert case.petition.title not in detail.content.decode()


def _rows(table):
    return pytest.mark.parametrize(("persona", "expected"), [(row[0], row[1:]) for row in table],
                                   ids=[row[0] for row in table])


@_rows(ORDINARY)
def test_ordinary_petition(world, client, ordinary, persona, expected):
    _check(client, getattr(world, persona), ordinary, expected)


@_rows(ACCUSATION)
def test_accusation_against_the_handler(world, client, accusation, persona, expected):
    _check(client, getattr(world, persona), accusation, expected)


def test_the_accused_and_their_leaders_are_not_offered_as_assignees(world, client, accusation):
    client.force_login(world.officer)
    html = client.get(reverse("petitions:detail", args=[accusation.petition.public_id])).content.decode()
    assert 'data-action="assign"' in html
    assert f"{world.handler.name}（{world.handler.employee_no}" not in html
    assert f"{world.leader.name}（{world.leader.employee_no}" not in html


def test_the_table_covers_every_persona(world):
    personas = {name for name in vars(world) if name not in {"group", "company", "mine", "team", "other_mine"}}
    assert {row[0] for row in ORDINARY} == {row[0] for row in ACCUSATION} == personas
