from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.middleware import audit_origin
from audit.retention import purge_audit
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "归档并删除超过保存期（AUDIT_RETENTION_DAYS，至少180天）的最早审计记录，记录检查点以便继续校验"
        "（Archive audit rows older than the retention period）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=None,
                            help="只处理早于这么多天的记录（不能小于 AUDIT_RETENTION_DAYS）")
        parser.add_argument("--dry-run", action="store_true", help="只报告，不归档不删除")

    def handle(self, *args, **options):
        try:
            with audit_origin(user_agent="manage.py purge_audit"):
                result = purge_audit(older_than_days=options["older_than_days"], dry_run=options["dry_run"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        plan = result.plan
        if plan.rows == 0:
            self.stdout.write(f"没有早于 {plan.cutoff:%Y-%m-%d} 的审计记录需要归档")
        elif options["dry_run"]:
            self.stdout.write(f"将归档审计记录 #{plan.from_id}–#{plan.upto_id}，共 {plan.rows} 条（未执行）")
        else:
            self.stdout.write(
                f"已归档审计记录 #{plan.from_id}–#{plan.upto_id}，共 {plan.rows} 条，归档文件 {result.archive}"
            )
