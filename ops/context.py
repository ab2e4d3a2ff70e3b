"""Per-request context shared by the log filter, the database router and the middleware."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("tongxin_request_id", default="")
read_replica: ContextVar[bool] = ContextVar("tongxin_read_replica", default=False)
