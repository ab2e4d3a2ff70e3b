from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from audit.middleware import audit_origin
from petitions.retention import purge_personal_data, retention_cutoff


class Command(BaseCommand):
    help = (
        "删除办结超过保存期（PERSONAL_DATA_RETENTION_DAYS）的信访事项的信访人身份信息和匿名查询码，"
        "每件写一条审计记录（Delete petitioners' personal data past the retention period）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        with audit_origin(user_agent="manage.py purge_personal_data"):
            done = purge_personal_data(dry_run=dry_run)
        cutoff = retention_cutoff()
        for item in done:
            what = "、".join(w for w, present in (("身份信息", item.identity), ("匿名查询码", item.receipt)) if present)
            self.stdout.write(f"{item.number}：{'将删除' if dry_run else '已删除'}{what}")
        days = settings.PERSONAL_DATA_RETENTION_DAYS
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(
            f"{cutoff:%Y-%m-%d} 前办结（保存期 {days} 天）：{verb} {len(done)} 件信访事项的个人信息"
            + ("（未执行）" if dry_run else "")
        )
