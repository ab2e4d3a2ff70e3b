"""Who is calling: a bearer API token, or the logged-in web user (session cookie + CSRF)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from orgs.models import User
from petitions.api.tokens import api_token_user


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer txk_…``. A key that is presented but unknown or revoked is
    refused outright (401), even if the request also carries a session cookie."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = api_token_user(token.strip())
        if user is None:
            raise AuthenticationError()
        return user


class WebSessionAuth(SessionAuth):
    """ninja's ``django_auth`` (session cookie, CSRF checked on unsafe methods), except that a
    caller who is not logged in gets 401 rather than a CSRF failure."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


token_auth = ApiTokenAuth()
session_auth = WebSessionAuth(csrf=True)
AUTH = [token_auth, session_auth]


def current_user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]
