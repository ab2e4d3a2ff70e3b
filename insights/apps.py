from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        # Register the background jobs (exports, reports) with core.jobs.
        from django.db.models.signals import post_migrate

        from insights import exports, reports  # noqa: F401

        post_migrate.connect(_analyze_sqlite, sender=self)


def _analyze_sqlite(sender, using: str = "default", **kwargs) -> None:
    """SQLite plans with the statistics ANALYZE leaves, and a migration that adds an index
    leaves none for it: at a million petitions the KPI pages were 1.5× slower until ANALYZE.
    A sampled ANALYZE (analysis_limit) takes well under a second. PostgreSQL's autovacuum
    analyzes by itself."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE")
