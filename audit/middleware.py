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

from django.conf import settings
from django.http import HttpRequest, HttpResponse

MAX_AGENT = 300


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
    origin = Origin(ip=ip[:45], user_agent=user_agent[:MAX_AGENT])
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or, behind ``API_TRUSTED_PROXIES`` reverse proxies, the address the
    outermost trusted proxy saw (X-Forwarded-For read from the right, as the API does)."""
    proxies = int(getattr(settings, "API_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies][:45]
    return (request.META.get("REMOTE_ADDR", "") or "")[:45]


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
