from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from petitions.api.tokens import api_token_revoke


class Command(BaseCommand):
    help = "吊销REST API令牌（给出创建时显示的前缀）"

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="令牌前缀，例如 txk_Ab3dEf9h")

    def handle(self, *args, **options):
        try:
            token = api_token_revoke(prefix=options["prefix"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已吊销{token.user.name}（{token.user.employee_no}）的令牌“{token.name}”（{token.prefix}）")
