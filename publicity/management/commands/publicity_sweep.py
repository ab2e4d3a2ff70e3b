"""Periodic work of the publicity module (idempotent, run every few minutes by cron or beat):
reminders of 第一议题 follow-up tasks and escalation of overdue opinion incidents."""

from django.core.management.base import BaseCommand

from publicity.ideology import escalate_overdue
from publicity.study import remind_follow_ups


class Command(BaseCommand):
    help = "第一议题落实任务提醒、舆情逾期升级（可重复运行）"

    def handle(self, *args, **options) -> None:
        reminded = remind_follow_ups()
        escalated = escalate_overdue()
        self.stdout.write(f"reminded={reminded} escalated={escalated}")
