"""Rebuild the news search index (publicity.search): ``--rebuild`` drops every posting first;
without it only published news pieces that have none are indexed (safe to repeat)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publicity.models import NewsToken, Piece
from publicity.search import backfill


class Command(BaseCommand):
    help = "Index the published news pieces for the news search (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="drop every posting and index again")

    def handle(self, *args, rebuild: bool = False, **options) -> None:
        if rebuild:
            NewsToken.objects.all().delete()
        n = backfill(Piece, NewsToken)
        self.stdout.write(f"indexed {n} pieces; {NewsToken.objects.count()} postings")
