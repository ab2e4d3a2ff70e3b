from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from orgs.models import User


class EmployeeNumberOrPhoneBackend(ModelBackend):
    """Log in with 工号 or 手机号 and a password."""

    def authenticate(self, request, username: str | None = None, password: str | None = None, **kwargs):
        if not username or not password:
            return None
        username = username.strip()
        user = User.objects.filter(Q(employee_no__iexact=username) | Q(phone=username)).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
