"""Personas of the publicity tests, built through the platform's and the module's services.

集团 → 公司 → 东山煤矿 (综采一队, 机电科) and 西岭煤矿. The newsroom of the mine: a correspondent in
the team, an editor (初审) at the mine, the company's department head (复审) and responsible leader
(终审); a 宣传干事 at the mine who is no reviewer; a plain employee of the other mine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orgs.choices import Role
from orgs.models import Unit, User
from publicity.choices import ReviewLevel
from publicity.newsroom import correspondent_appoint, editorial_post_grant


@dataclass
class Newsroom:
    group: Unit
    company: Unit
    mine: Unit
    team: Unit
    other_mine: Unit
    correspondent: User
    editor: User  # 初审
    head: User  # 复审
    leader: User  # 终审
    officer: User  # 宣传干事 of the mine (not a reviewer)
    company_officer: User  # 宣传干事 of the company
    outsider: User  # employee of another mine
    both: User  # holds 复审 and 终审 posts (the conflict case)


@pytest.fixture
def nr(make_unit_tree, make_person, system_admin) -> Newsroom:
    tree = make_unit_tree("PB")
    correspondent = make_person(tree.team, name="张通讯")
    editor = make_person(tree.mine, name="李编辑")
    head = make_person(tree.company, name="王部长")
    leader = make_person(tree.company, name="赵书记")
    officer = make_person(tree.mine, Role.PUBLICITY_OFFICER, name="钱干事")
    company_officer = make_person(tree.company, Role.PUBLICITY_OFFICER, name="孙干事")
    outsider = make_person(tree.other_mine, name="周职工")
    both = make_person(tree.company, name="吴兼任")
    correspondent_appoint(user=correspondent, unit=tree.team, acting_user=system_admin)
    editorial_post_grant(user=editor, unit=tree.mine, level=ReviewLevel.FIRST, acting_user=system_admin)
    editorial_post_grant(user=head, unit=tree.company, level=ReviewLevel.SECOND, acting_user=system_admin)
    editorial_post_grant(user=leader, unit=tree.company, level=ReviewLevel.FINAL, acting_user=system_admin)
    editorial_post_grant(user=both, unit=tree.company, level=ReviewLevel.SECOND, acting_user=system_admin)
    editorial_post_grant(user=both, unit=tree.company, level=ReviewLevel.FINAL, acting_user=system_admin)
    return Newsroom(group=tree.group, company=tree.company, mine=tree.mine, team=tree.team,
                    other_mine=tree.other_mine, correspondent=correspondent, editor=editor, head=head,
                    leader=leader, officer=officer, company_officer=company_officer, outsider=outsider, both=both)


def jpeg_with_gps(name: str = "photo.jpg") -> SimpleUploadedFile:
    """A JPEG carrying EXIF (camera model and a GPS block) as a phone would send it."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "PhoneCam X1"  # Model
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
