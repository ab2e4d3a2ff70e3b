from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from orgs.models import User
from petitions.api.tokens import api_token_create


class Command(BaseCommand):
    help = "为人员创建REST API令牌（Bearer），令牌只显示这一次"

    def add_arguments(self, parser):
        parser.add_argument("employee_no", help="工号")
        parser.add_argument("name", help="令牌名称（用途），例如“OA系统对接”")

    def handle(self, *args, **options):
        user = User.objects.filter(employee_no=options["employee_no"]).first()
        if user is None:
            raise CommandError(f"没有工号为{options['employee_no']}的人员")
        try:
            issued = api_token_create(user=user, name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"已为{user.name}（{user.employee_no}）创建令牌“{issued.token.name}”，前缀 {issued.token.prefix}。"
            "令牌只显示这一次，请妥善保存："
        )
        self.stdout.write(issued.key)
