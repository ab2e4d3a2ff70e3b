from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_verify


class Command(BaseCommand):
    help = "校验审计记录哈希链是否完整（Verify the audit hash chain）"

    def handle(self, *args, **options):
        problems = audit_verify()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"审计链校验失败：{len(problems)} 处问题")
        self.stdout.write(self.style.SUCCESS("审计链完整"))
