"""Domain errors: a stable machine-readable code plus a Chinese message.

Services raise them; pages show ``message`` and the API returns ``{"code", "message"}``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _lazy


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, **details) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError):
    """The acting user may not do this (role, scope or conflict of interest)."""

    status = 403


class NotFound(DomainError):
    status = 404


class InvalidState(DomainError):
    """The record is not in a state that permits this action."""

    status = 409


class InvalidInput(DomainError):
    status = 422


# A database that is restarting, unreachable or (SQLite) locked, met in the middle of a request:
# the request's transaction is atomic, so nothing is half-written, and the client may send it again
# after RETRY_AFTER seconds (a connection cut during the commit itself leaves it unknown whether it
# committed: the messages say "not completed", never "not saved"). Pages (core.views.server_error)
# and the API (petitions.api.errors) answer it with 503.
RETRY_AFTER = "5"
UNAVAILABLE_MESSAGE = _lazy("系统暂时不可用，本次操作没有完成，不会留下半截记录，请稍后重试")


def database_unavailable(exc: BaseException | None) -> bool:
    """Is ``exc`` the database being unreachable, itself or as the cause of what was raised (a
    restart can surface as another error raised while the first one was handled)?"""
    from django.db import InterfaceError, OperationalError

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
