"""Structured logs: one JSON object per line with the request id (python-json-logger).

``LOG_FORMAT=json`` (the production default) selects ``JsonFormatter``; ``RequestIdFilter``
adds ``request_id`` to every record (the HTTP request's, or the Celery task's id in a worker).

The id is set when Django's handler starts the request (``request_started``), before any
middleware, and cleared when it finishes (``request_finished``): Django's own lines written
outside the middleware chain ("Not Found: …" of a 4xx/5xx response, django.security's) carry
it too. runserver's access line (django.server) comes after the finish, from the same thread.
"""

from __future__ import annotations

import logging
import uuid

from pythonjsonlogger.json import JsonFormatter as _Base

from ops.context import finish_request, last_request_id, request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            rid = request_id.get()
            if not rid and record.name == "django.server":
                rid = last_request_id()
            if not rid:
                rid = _celery_task_id()
            record.request_id = rid
        return True


def incoming_or_new(header: str) -> str:
    """nginx's ``$request_id`` when it looks like one, else a new id."""
    from ops.middleware import VALID_ID

    return header if VALID_ID.match(header or "") else uuid.uuid4().hex


def on_request_started(sender=None, environ=None, scope=None, **kwargs) -> None:
    header = ""
    if environ is not None:
        header = environ.get("HTTP_X_REQUEST_ID", "")
    elif scope is not None:
        header = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
    request_id.set(incoming_or_new(header))


def on_request_finished(sender=None, **kwargs) -> None:
    finish_request()


def _celery_task_id() -> str:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover
        return ""
    task = current_task
    return f"task:{task.request.id}" if task and task.request and task.request.id else ""


class JsonFormatter(_Base):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)
