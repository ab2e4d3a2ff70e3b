"""Per-request context shared by the log filter, the database router and the middleware."""

from __future__ import annotations

import threading
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("tongxin_request_id", default="")
read_replica: ContextVar[bool] = ContextVar("tongxin_read_replica", default=False)


# The id of the request this thread served last: runserver's "django.server" line is written
# after the request has finished (and its id been cleared), by the same thread.
_last = threading.local()


def last_request_id() -> str:
    return getattr(_last, "rid", "")


def finish_request() -> None:
    _last.rid = request_id.get()
    request_id.set("")
