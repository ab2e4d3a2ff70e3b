"""From where: the client address and browser of the current request, for the audit log.

``AuditOriginMiddleware`` stores them in a ContextVar for the duration of the request;
``audit_record`` reads it, so no service has to pass the request down. Outside a request
(commands, scheduled tasks) the origin is empty, or what ``audit_origin`` sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from core import net

MAX_AGENT = 300
MAX_IP = 45  # AuditEvent.ip: the longest textual IPv6 address


@dataclass(frozen=True)
class Origin:
    ip: str = ""
    user_agent: str = ""


_origin: ContextVar[Origin | None] = ContextVar("tongxin_audit_origin", default=None)


def current_origin() -> Origin:
    return _origin.get() or Origin()


@contextmanager
def audit_origin(*, ip: str = "", user_agent: str = "") -> Iterator[Origin]:
    """Set the origin for the events written inside the block (commands: ``manage.py …``)."""
    origin = Origin(ip=ip[:MAX_IP], user_agent=user_agent[:MAX_AGENT])
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)


def client_ip(request: HttpRequest) -> str:
    """The client address as lockout and rate limits see it (core.net), cut to the column."""
    address = net.client_ip(request)
    return "" if address == "unknown" else address[:MAX_IP]


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        agent = request.headers.get("User-Agent", "")
        token = _origin.set(Origin(ip=client_ip(request), user_agent=agent[:MAX_AGENT]))
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)
