"""API tokens: create, revoke, authenticate. The key is shown once and never stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, NotFound
from orgs.models import User
from petitions.models import ApiToken

KEY_PREFIX = "txk_"  # recognisable in logs and by secret scanners
PREFIX_LENGTH = 12  # "txk_" + 8 characters: enough to tell keys apart in a list
# last_used_at is written at most once a minute per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once to whoever created it


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, acting_user: User | None = None) -> IssuedToken:
    name = name.strip()
    if not name:
        raise InvalidInput("name_required", "请填写令牌名称（用途），例如“OA系统对接”")
    if not user.is_active:
        raise InvalidInput("inactive_user", f"{user.name}的账号已停用，不能创建令牌")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key))
    audit_record(actor=acting_user, action="api_token.create", target=token,
                 data={"user": user.employee_no, "name": token.name, "prefix": token.prefix})
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, prefix: str, acting_user: User | None = None, now: datetime | None = None) -> ApiToken:
    """Revoke the active key whose prefix starts with ``prefix`` (at least 8 characters)."""
    now = now or timezone.now()
    prefix = prefix.strip()[:PREFIX_LENGTH]
    if len(prefix) < 8:
        raise InvalidInput("prefix_too_short", "请至少给出令牌的前8个字符")
    tokens = list(
        ApiToken.objects.select_for_update().select_related("user")
        .filter(prefix__startswith=prefix, revoked_at__isnull=True)
    )
    if not tokens:
        raise NotFound("not_found", "没有找到该前缀的有效令牌")
    if len(tokens) > 1:
        raise InvalidInput("ambiguous_prefix", f"有{len(tokens)}个令牌以此开头，请给出完整的前缀")
    token = tokens[0]
    token.revoked_at = now
    token.save(update_fields=["revoked_at"])
    audit_record(actor=acting_user, action="api_token.revoke", target=token,
                 data={"user": token.user.employee_no, "prefix": token.prefix})
    return token


def api_token_user(key: str, *, now: datetime | None = None) -> User | None:
    """The active user holding this key, or None (unknown, revoked, or the account is disabled)."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
