"""Build the closed months of the KPI rollup not built yet and rebuild those changed since
(insights.rollup.refresh). Run it periodically (its Celery task insights.tasks.refresh_kpi_rollup)
and after a month closes; ``--full`` rebuilds every month."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from insights.rollup import refresh


class Command(BaseCommand):
    help = "Rebuild the closed months of the KPI rollup that are new or changed (--full: all)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--full", action="store_true", help="rebuild every closed month")

    def handle(self, *args, full: bool = False, **options) -> None:
        done = refresh(full=full)
        months = ", ".join(f"{m:%Y-%m}" for m in done.months) or "none"
        self.stdout.write(f"rebuilt {len(done.months)} months ({months}): {done.rows} rows, "
                          f"up to event {done.watermark}, in {done.seconds:.1f} s")
