"""Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS.

Rotation (docs/security.md): set FIELD_ENCRYPTION_KEYS="NEW,OLD", restart, run this command,
check its report (and verify_audit), then remove OLD: FIELD_ENCRYPTION_KEYS="NEW".
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.middleware import audit_origin
from audit.services import audit_record
from core.crypto import ENCRYPTED_FIELDS, reencrypt_registered, unregistered_encrypted_fields


class Command(BaseCommand):
    help = "用 FIELD_ENCRYPTION_KEYS 的第一个密钥重新加密全部加密字段（Rotate the field encryption key）"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        if not settings.FIELD_ENCRYPTION_KEYS:
            raise CommandError("FIELD_ENCRYPTION_KEYS 为空")
        missing = unregistered_encrypted_fields()
        if missing:
            raise CommandError(
                "以下字段看起来是密文但未登记（core.crypto.register_encrypted_fields），轮换会遗漏：" + "，".join(missing)
            )
        try:
            report = reencrypt_registered(batch_size=max(1, options["batch_size"]))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        rotated = sum(c["rotated"] for c in report.values())
        with audit_origin(user_agent="manage.py rotate_encryption_key"):
            audit_record(
                actor=None, action="crypto.rotate", target=None,
                data={"keys": len(settings.FIELD_ENCRYPTION_KEYS), "models": report, "rotated": rotated},
            )
        for label in ENCRYPTED_FIELDS:
            if label in report:
                c = report[label]
                self.stdout.write(f"{label}：{c['rows']} 行，重新加密 {c['rotated']} 个值，{c['current']} 个已是新密钥")
        self.stdout.write(self.style.SUCCESS(f"完成：共重新加密 {rotated} 个值"))
