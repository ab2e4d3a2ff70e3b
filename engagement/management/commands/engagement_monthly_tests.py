from django.core.management.base import BaseCommand

from engagement.training import assign_monthly


class Command(BaseCommand):
    help = "下发本月信访业务能力测试（每个公司一份，可重复执行，不会重复下发）。"

    def handle(self, *args, **options) -> None:
        created = assign_monthly()
        self.stdout.write(f"新下发测试 {created} 份。")
