from django.core.management.base import BaseCommand, CommandError

from petitions.events import verify_petition_chain
from petitions.models import Petition


class Command(BaseCommand):
    help = "校验每件信访事项的事件哈希链（Verify every petition's event chain）"

    def handle(self, *args, **options):
        problems: list[str] = []
        checked = 0
        for petition in Petition.objects.only("pk", "number", "event_head").iterator(chunk_size=1000):
            problems.extend(verify_petition_chain(petition))
            checked += 1
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"事件链校验失败：{len(problems)} 处问题")
        self.stdout.write(self.style.SUCCESS(f"已校验 {checked} 件信访事项，事件链完整"))
