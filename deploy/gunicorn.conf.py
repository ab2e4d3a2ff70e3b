"""gunicorn settings of tongxin (systemd: deploy/systemd/tongxin-web.service).

Sync workers, about 2 per core: each request holds one worker and one database connection.
Prometheus' multiprocess mode needs the dead workers' files marked (child_exit below).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
backlog = 2048
# A worker is replaced after this many requests (bounded memory growth); jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = None  # tongxin.access logs each request as JSON with its request id
errorlog = "-"
preload_app = False  # each worker opens its own database and Redis connections


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
