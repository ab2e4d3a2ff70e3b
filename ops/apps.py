"""production operation: task runs, metrics, load and fault tooling (issue #8)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("运行维护")

    def ready(self) -> None:
        from ops import signals  # noqa: F401  (Celery signal receivers)
