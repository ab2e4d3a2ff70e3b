"""production operation: task runs, metrics, load and fault tooling (issue #8)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("运行维护")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from ops import signals  # noqa: F401  (Celery signal receivers)
        from ops.logs import on_request_finished, on_request_started

        # The request id for every log line of the request, Django's own included (ops/logs.py).
        request_started.connect(on_request_started, dispatch_uid="ops.request_id.started")
        request_finished.connect(on_request_finished, dispatch_uid="ops.request_id.finished")
