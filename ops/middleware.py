"""Request id, access log line, latency metric and the replica flag of each request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings

from ops.context import read_replica, request_id
from ops.metrics import REQUEST_LATENCY, REQUESTS_FAILED

access_log = logging.getLogger("tongxin.access")
VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """First in MIDDLEWARE: every log line of the request carries its id; nginx passes its own
    ``$request_id`` in X-Request-ID so that its access log and ours join on it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.replica_paths = tuple(getattr(settings, "REPLICA_READ_PATHS", ()))

    def __call__(self, request):
        # Set by the request_started receiver (ops/logs.py) for the whole request; here only when
        # the middleware is called without Django's handler.
        rid = request_id.get()
        if not rid:
            incoming = request.headers.get("X-Request-ID", "")
            rid = incoming if VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        id_token = request_id.set(rid)
        replica_token = read_replica.set(
            request.method in ("GET", "HEAD") and bool(self.replica_paths) and request.path.startswith(self.replica_paths)
        )
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = match.view_name if match else "unmatched"
            REQUEST_LATENCY.labels(request.method if request.method in _METHODS else "other", route,
                                   f"{status // 100}xx").observe(elapsed)
            if status >= 500:
                REQUESTS_FAILED.labels(route).inc()
            access_log.info("request", extra={
                "method": request.method, "path": request.path[:200], "route": route, "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "user_id": getattr(getattr(request, "_cached_user", None), "pk", None),
            })
            read_replica.reset(replica_token)
            request_id.reset(id_token)


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
