from __future__ import annotations

from django.core.management.base import BaseCommand

from audit.tasks import export_audit_head


class Command(BaseCommand):
    help = "把审计链和信访事件链的链头追加写入库外文件（Export the chain heads outside the database）"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="目录或 .jsonl 文件（默认 AUDIT_HEAD_EXPORT_DIR）")

    def handle(self, *args, **options):
        result = export_audit_head(directory=options["dir"])
        self.stdout.write(
            f"已写入 {result['path']}：审计记录 #{result['audit']['last_id']}，"
            f"信访事件 {result['petitions']['events']} 条"
        )
