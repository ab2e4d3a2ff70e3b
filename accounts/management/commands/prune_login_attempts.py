"""Delete login attempts older than LOGIN_ATTEMPT_RETENTION_DAYS (default 30); run daily.

The lockout reads only the last window + cooldown; the audit chain keeps every login, failed
login and lock for its own retention. Safe to run any time, and repeatedly."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.lockout import attempts_prune


class Command(BaseCommand):
    help = "删除超过保留期限的登录尝试记录（默认 30 天）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days", type=int, default=None,
            help="保留天数（默认取 LOGIN_ATTEMPT_RETENTION_DAYS）",
        )

    def handle(self, *args, days: int | None, **options) -> None:
        days = days if days is not None else int(getattr(settings, "LOGIN_ATTEMPT_RETENTION_DAYS", 30))
        if days < 1:
            self.stderr.write("保留天数至少为 1")
            raise SystemExit(2)
        deleted = attempts_prune(now=timezone.now(), older_than=timedelta(days=days))
        self.stdout.write(f"已删除 {deleted} 条登录尝试记录（保留 {days} 天）")
