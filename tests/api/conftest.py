"""Fixtures of the API tests: the petition personas (``world``) and API clients acting as them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from orgs.models import User
from petitions.api.tokens import api_token_create
from tests.petitions.conftest import world  # noqa: F401

BASE = "/api/v1"


class ApiClient:
    """A Django test client speaking JSON to /api/v1 with one person's bearer key."""

    def __init__(self, key: str | None = None, **client_kwargs) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = Client(headers=headers, **client_kwargs)

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params)

    def post(self, path: str, data=None, *, raw: str | None = None):
        body = raw if raw is not None else json.dumps(data if data is not None else {}, ensure_ascii=False)
        return self.client.post(BASE + path, body, content_type="application/json")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limit counts in Django's cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(db) -> Callable[[User], str]:
    def issue(user: User, name: str = "测试令牌") -> str:
        return api_token_create(user=user, name=name).key

    return issue


@pytest.fixture
def api_as(api_key) -> Callable[[User], ApiClient]:
    """``api_as(world.officer).post("/petitions/<id>/accept")``: requests as that person."""
    clients: dict[int, ApiClient] = {}

    def build(user: User) -> ApiClient:
        if user.pk not in clients:
            clients[user.pk] = ApiClient(api_key(user))
        return clients[user.pk]

    return build


@pytest.fixture
def anon_api() -> ApiClient:
    return ApiClient()
