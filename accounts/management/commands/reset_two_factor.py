"""Reset a person's two-step verification from the console (e.g. the only superuser lost
their phone and recovery codes). Audited with no acting user and the stated reason."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.otp import two_factor_reset
from core.errors import DomainError
from orgs.models import User


class Command(BaseCommand):
    help = "重置某人的两步验证（需写明原因，写入审计记录）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("employee_no", help="工号")
        parser.add_argument("--reason", required=True, help="重置原因")

    def handle(self, *args, employee_no: str, reason: str, **options) -> None:
        person = User.objects.filter(employee_no__iexact=employee_no).first()
        if person is None:
            raise CommandError(f"没有工号为 {employee_no} 的人员")
        try:
            two_factor_reset(person=person, acting_user=None, reason=reason)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已重置 {person} 的两步验证")
