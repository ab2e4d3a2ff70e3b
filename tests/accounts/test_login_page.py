"""The login page keeps its look (templates/core/login.html) and sends people only to this site."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import client_at, logged_in_as, post_login

pytestmark = pytest.mark.django_db


def test_the_login_page_is_the_familiar_one(db):
    html = client_at().get("/login/?next=/xf/mine/").content.decode()
    assert 'data-testid="login-submit"' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="next" value="/xf/mine/"' in html
    assert "凭查询码查询匿名信访" in html  # the login_extra block


def test_a_wrong_password_shows_the_usual_message_and_keeps_the_name(people):
    response = post_login(client_at(), "Z1001", "wrong")
    html = response.content.decode()
    assert "工号/手机号或密码不正确，请重新输入。" in html
    assert 'value="Z1001"' in html


def test_next_leads_back_inside_the_site_only(people):
    client = client_at()
    assert post_login(client, "Z1001", next="/orgs/units/").url == "/orgs/units/"
    client = client_at()
    assert post_login(client, "Z1001", next="https://evil.example/").url == "/"
    client = client_at()
    assert post_login(client, "Z1001", next="//evil.example/x").url == "/"
    assert logged_in_as(client) == people.miner.pk


def test_oversized_input_is_refused_without_a_lookup(people):
    response = post_login(client_at(), "Z" * 5000, "x" * 5000)
    assert response.status_code == 200
    assert "工号/手机号或密码不正确" in response.content.decode()


def test_logging_in_rotates_the_session_key(people):
    client = client_at()
    client.get("/login/")
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    post_login(client, "Z1001")
    assert client.session.session_key != "attacker-chosen-session-id"
    assert logged_in_as(client) == people.miner.pk
