"""Personas and helpers of the accounts tests (built on tests/conftest.py's make_person).

    miner      职工 of the team (never asked for a second factor)
    officer    信访干事 of the mine (staff)
    clerk      another 职工 (for "other people from the same address")
    admin      系统管理员 of the mine (may reset two-step verification in the mine)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pyotp
import pytest
from django.test import Client

from accounts import otp
from accounts.models import TOTPDevice
from core.crypto import decrypt
from orgs.choices import Role
from orgs.models import Unit, User

PASSWORD = "Tongxin@2026"


@dataclass(frozen=True)
class People:
    mine: Unit
    team: Unit
    other_mine: Unit
    miner: User
    clerk: User
    officer: User
    admin: User
    outside_admin: User


@pytest.fixture
def people(make_unit_tree, make_person) -> People:
    tree = make_unit_tree()
    return People(
        mine=tree.mine,
        team=tree.team,
        other_mine=tree.other_mine,
        miner=make_person(tree.team, name="王建国", employee_no="Z1001", phone="13903521234"),
        clerk=make_person(tree.team, name="李秀兰", employee_no="Z1002"),
        officer=make_person(tree.mine, Role.PETITION_OFFICER, name="赵干事", employee_no="X1001"),
        admin=make_person(tree.mine, Role.ADMINISTRATOR, name="孙管理", employee_no="A1001"),
        outside_admin=make_person(tree.other_mine, Role.ADMINISTRATOR, name="周管理", employee_no="A2001"),
    )


def client_at(ip: str = "10.0.0.1") -> Client:
    return Client(REMOTE_ADDR=ip)


def post_login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def post_code(client: Client, code: str):
    return client.post("/accounts/verify/", {"code": code})


def logged_in_as(client: Client) -> int | None:
    from django.contrib.auth import SESSION_KEY

    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def secret_of(user: User) -> str:
    return decrypt(TOTPDevice.objects.get(user=user).secret)


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


@dataclass(frozen=True)
class Enrolled:
    secret: str
    recovery_codes: list[str]


def enroll(user: User, when: datetime) -> Enrolled:
    """Enroll a device through the services, as the page does (the step of ``when`` is spent)."""
    otp.enrollment_start(user=user, now=when)
    secret = secret_of(user)
    codes = otp.enrollment_confirm(user=user, code=code_at(secret, when), now=when)
    return Enrolled(secret=secret, recovery_codes=codes)


def page_secret(html: str) -> str:
    match = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html)
    assert match, "no secret on the page"
    return match.group(1).replace(" ", "")


def recovery_codes_on(html: str) -> list[str]:
    return re.findall(r'data-testid="recovery-code">([a-z0-9-]+)<', html)
