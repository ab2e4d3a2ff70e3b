"""The operations page (recent task runs and failures) and the Prometheus endpoint."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ops.models import OutboxMessage, TaskRun


def _is_operator(user) -> bool:
    return user.is_authenticated and user.is_administrator


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not _is_operator(request.user):
        raise PermissionDenied
    from ops.health import background_checks
    from ops.metrics import queue_depths

    since = timezone.now() - timedelta(hours=24)
    try:
        depths = queue_depths()
    except Exception:  # the broker is down: the page says so instead of failing
        depths = None
    checks, _ = background_checks()
    context = {
        "runs": TaskRun.objects.all()[:50],
        "failures": TaskRun.objects.filter(status=TaskRun.Status.FAILED)[:50],
        "summary": TaskRun.objects.filter(started_at__gte=since).values("name", "status")
        .annotate(n=Count("id")).order_by("name", "status"),
        "outbox_pending": OutboxMessage.objects.filter(done_at__isnull=True).count(),
        "outbox_stuck": OutboxMessage.objects.filter(done_at__isnull=True, last_error__gt="")[:20],
        "depths": depths,
        "checks": checks,
    }
    return render(request, "ops/home.html", context)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format. Scrapers present ``Authorization: Bearer $METRICS_TOKEN``;
    a logged-in administrator may look too. Anyone else: 403."""
    token = getattr(settings, "METRICS_TOKEN", "")
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    allowed = bool(token) and hmac.compare_digest(presented.encode(), token.encode())
    if not (allowed or _is_operator(request.user)):
        raise PermissionDenied
    from ops.metrics import render as render_metrics

    body, content_type = render_metrics()
    return HttpResponse(body, content_type=content_type)
