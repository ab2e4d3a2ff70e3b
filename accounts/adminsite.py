"""The Django admin behind the same login and second factor as the rest of tongxin.

``accounts.admin_apps.AccountsAdminConfig`` replaces "django.contrib.admin" in INSTALLED_APPS, so ``admin.site``
(where every app registers its models) is an ``OTPAdminSite``: it lets staff in only with a
verified session when they have a device or TWO_FACTOR_REQUIRED is on, and it has no login
form of its own — /admin/login/ sends people to tongxin's login, which counts failures and
asks for the code.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from accounts.session import otp_satisfied


class OTPAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and otp_satisfied(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, login_url=reverse("login"))
