"""The admin app with tongxin's admin site (accounts.adminsite.OTPAdminSite) as ``admin.site``.

Kept apart from accounts.adminsite: an AppConfig module is imported before models can be."""

from django.contrib.admin.apps import AdminConfig


class AccountsAdminConfig(AdminConfig):
    default_site = "accounts.adminsite.OTPAdminSite"
