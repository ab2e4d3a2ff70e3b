"""Structured logs: one JSON object per line with the request id (python-json-logger).

``LOG_FORMAT=json`` (the production default) selects ``JsonFormatter``; ``RequestIdFilter``
adds ``request_id`` to every record (the HTTP request's, or the Celery task's id in a worker).
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter as _Base

from ops.context import request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            rid = request_id.get()
            if not rid:
                rid = _celery_task_id()
            record.request_id = rid
        return True


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
