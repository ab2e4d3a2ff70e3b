"""Response headers Django does not set by itself.

Content-Security-Policy comes from django-csp (``CONTENT_SECURITY_POLICY`` in settings);
HSTS, nosniff, X-Frame-Options and Referrer-Policy from Django's SecurityMiddleware and
XFrameOptionsMiddleware. This adds Permissions-Policy: no page of tongxin uses the camera,
the microphone or the location, so a script injected into one could not either.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
