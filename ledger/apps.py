from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("台账导入")

    def ready(self) -> None:
        from core.crypto import register_encrypted_fields
        from ledger import services  # noqa: F401  (registers the "ledger.import" job)

        register_encrypted_fields("ledger.LedgerUpload", "preview_enc")  # rotate_encryption_key
