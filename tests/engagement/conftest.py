"""Personas of the engagement tests: the petition tests' world (塔山矿 and 同忻矿 under 煤业一公司),
plus helpers that take a petition to 已办结 through the real workflow."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from orgs.choices import Role
from petitions.choices import Category, Rating, ReplyOutcome
from petitions.models import Petition
from petitions.workflow import petition_accept, petition_assign, petition_rate, petition_reply
from tests.petitions.conftest import A, World, person, submit, world  # noqa: F401

CONTENT = ("我是综采一队职工王建国，工号Z10023，电话13912345678，身份证140202198805061234。"
           "十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。")


def close_petition(world: World, *,  # noqa: F811
                   now: datetime | None = None, content: str = CONTENT, title: str = "综采一队十月绩效工资少发",
                   category: str = Category.WAGES, unit=None) -> Petition:
    """Submit, accept, assign, reply and rate: the petition ends 已办结 through the workflow."""
    now = now or timezone.now()
    unit = unit or world.mine
    officer = world.officer if unit == world.mine else world.other_officer
    p = submit(world, now=now, content=content, title=title, category=category, unit=unit).petition
    petition_accept(petition=p, actor=A(officer), now=now)
    handler = world.handler if unit == world.mine else world.other_officer
    petition_assign(petition=p, actor=A(officer), handling_unit=unit if unit != world.mine else world.team,
                    handler=handler, leader=world.leader if unit == world.mine else officer, now=now)
    p.refresh_from_db()
    petition_reply(petition=p, actor=A(handler), outcome=ReplyOutcome.SUPPORT,
                   text="经核实，十月绩效因考核系统录入错误少计八百元，已于十一月随工资补发。", now=now)
    petition_rate(petition=p, actor=A(world.employee), rating=Rating.SATISFIED, now=now)
    p.refresh_from_db()
    return p


@pytest.fixture
def second_officer(world):  # noqa: F811
    """Another 信访干事 of 塔山矿: reviews what the first one wrote."""
    return person("X5", "郑洁", world.mine, (Role.PETITION_OFFICER, world.mine))


@pytest.fixture
def other_second(world):  # noqa: F811
    """A second officer at 同忻矿 (the sister unit)."""
    return person("X6", "冯涛", world.other_mine, (Role.PETITION_OFFICER, world.other_mine))
