from __future__ import annotations

import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.dashboard import home_context
from core.errors import RETRY_AFTER, UNAVAILABLE_MESSAGE, database_unavailable
from core.models import BackgroundJob


@login_required
def home(request):
    return render(request, "core/home.html", home_context(request.user))


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: 200 when the database (and Redis, when configured) answer.
    With a broker, also whether Celery workers answer a ping and beat ticks."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
            healthy = False
    # Workers and beat (ops/health.py) only with ?workers=1, the monitoring check: the load
    # balancer's plain /healthz stays fast and keeps web nodes in rotation while workers restart.
    if request.GET.get("workers") == "1":
        from ops.health import background_checks

        background, workers_ok = background_checks()
        checks.update(background)
        healthy = healthy and workers_ok
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@login_required
def job_status(request, public_id):
    """Progress of one of the user's background jobs (polled by htmx while it runs)."""
    job = get_object_or_404(BackgroundJob, public_id=public_id, owner=request.user)
    template = "core/_job_progress.html" if request.htmx else "core/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, public_id):
    job = get_object_or_404(BackgroundJob, public_id=public_id, owner=request.user)
    if job.status != BackgroundJob.Status.DONE or not job.result_file:
        raise Http404("文件尚未生成")
    response = FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name or "download")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def server_error(request):
    """handler500. A database that is restarting, unreachable or locked (the connection cut
    mid-request) answers 503 with Retry-After. The request's transaction is atomic: nothing of it
    is half-written, but a connection cut during the commit itself leaves unknown whether it
    committed, so the page asks to check before sending again rather than promising that nothing
    was saved. Anything else is a 500. Rendered without a request context, so no database access
    is needed to say so."""
    from ops.context import request_id

    unavailable = database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        message = UNAVAILABLE_MESSAGE if unavailable else _("系统出错，本次操作没有完成")
        response = JsonResponse({"code": "unavailable" if unavailable else "server_error", "message": message,
                                 "request_id": request_id.get()}, status=status)
    else:
        response = HttpResponse(render_to_string("errors/server_error.html", {
            "unavailable": unavailable, "request_id": request_id.get()}), status=status)
    if unavailable:
        response["Retry-After"] = RETRY_AFTER
    return response
