"""The dashboard's monthly tallies (publicity.tally): ``--rebuild`` recomputes them from the
records; ``--check YEAR`` compares them with the live aggregates for the whole group (exit 1 on
a difference)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from publicity import dashboard, tally


class Command(BaseCommand):
    help = "Rebuild or check the publicity dashboard's monthly tallies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--check", type=int, metavar="YEAR")

    def handle(self, *args, rebuild: bool = False, check: int | None = None, **options) -> None:
        if rebuild:
            self.stdout.write(f"{tally.rebuild()} tally rows")
        if check:
            now = timezone.now()
            if dashboard.figures(None, check, now) != dashboard.live_figures(None, check, now):
                raise CommandError(f"tallies of {check} differ from the records: run --rebuild")
            self.stdout.write(f"tallies of {check} agree with the records")
