from django.core.management.base import BaseCommand

from petitions.sweep import run_sweep


class Command(BaseCommand):
    help = "扫描信访期限：到期提醒、超期督办与追责、关闭已过申请期的事项（可重复运行）"

    def handle(self, *args, **options):
        result = run_sweep()
        self.stdout.write(
            f"提醒 {result['reminders']} 条，督办 {result['escalated']} 件，办结 {result['closed']} 件，"
            f"督办逾期 {result['supervision_ignored']} 件"
        )
