from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号安全")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.session import on_login

        # Every login, whatever calls django.contrib.auth.login (our views, the test client's
        # force_login), stamps the session with its idle clock and second-factor state.
        user_logged_in.connect(on_login, dispatch_uid="accounts.session.on_login")

        from core.crypto import register_encrypted_fields

        register_encrypted_fields("accounts.TOTPDevice", "secret")  # rotate_encryption_key
