from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        # Register the background jobs (exports, reports) with core.jobs.
        from insights import exports, reports  # noqa: F401
