"""Idle timeout and second-factor confinement of logged-in sessions (see accounts.session).

Placed after AuthenticationMiddleware and MessageMiddleware. It adds no query to an ordinary
request: the states live in the session, and the idle clock is written at most once a minute.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import session

# Views an ``enroll`` session may still reach.
ENROLL_ALLOWED = frozenset({
    "accounts:two_factor",
    "accounts:two_factor_confirm",
    "accounts:two_factor_restart",
    "logout",
    "login",
    "set_language",
    "javascript-catalog",
    "healthz",
})
SEEN_RESOLUTION = 60  # seconds: the idle clock is rewritten at most this often


class AccountSecurityMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not request.session.get(SESSION_KEY) or not request.user.is_authenticated:
            return None
        if self._idle_expired(request):
            logout(request)
            messages.warning(request, _("您已长时间未操作，为保护账号安全已自动退出，请重新登录。"))
            return None  # carries on as an anonymous request: protected pages ask to log in
        state = session.otp_state(request)
        if state == session.MISSING:
            logout(request)
            messages.warning(request, _("您的账号已启用两步验证，请重新登录并输入动态验证码。"))
            return None
        if state == session.ENROLL:
            match = request.resolver_match
            if match is not None and match.view_name in ENROLL_ALLOWED:
                return None
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "two_factor_enrollment_required", "message": _("请先在网页上启用两步验证。")},
                    status=403,
                )
            return redirect("accounts:two_factor")
        return None

    @staticmethod
    def _idle_expired(request: HttpRequest) -> bool:
        now = timezone.now().timestamp()
        seen = request.session.get(session.SEEN_KEY)
        timeout = session.idle_timeout()
        if isinstance(seen, int | float) and now - seen > timeout:
            return True
        if not isinstance(seen, int | float) or now - seen >= min(SEEN_RESOLUTION, timeout / 10):
            request.session[session.SEEN_KEY] = now
        return False
