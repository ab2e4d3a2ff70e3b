from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("信访")

    def ready(self) -> None:
        from core.crypto import register_encrypted_fields

        register_encrypted_fields(
            "petitions.PetitionerIdentity",
            "name_enc", "phone_enc", "id_number_enc", "address_enc", "employee_no_enc", "representatives_enc",
        )
