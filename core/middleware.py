"""Response headers Django does not set by itself, and a gate for NUL characters.

Content-Security-Policy comes from django-csp (``CONTENT_SECURITY_POLICY`` in settings);
HSTS, nosniff, X-Frame-Options and Referrer-Policy from Django's SecurityMiddleware and
XFrameOptionsMiddleware. This adds Permissions-Policy: no page of tongxin uses the camera,
the microphone or the location, so a script injected into one could not either.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

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


NUL = "\x00"
NUL_MESSAGE = "请求中含有空字符（NUL），已拒绝。请删除后重试。"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class RejectNulMiddleware:
    """Refuse a request whose path, query, form fields or JSON body carry a NUL character.

    PostgreSQL cannot store NUL in text and raises on a query that contains one, so a NUL that
    reaches the ORM is a 500. Django's form CharFields refuse it already; this covers everything
    else (path parameters such as 工号, query parameters read without a form, the JSON API) in
    one place: 400 for pages, the API's 422 ``validation_error`` under /api/. (File names lose
    their NUL in Django's multipart parser, which drops non-printable characters.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        if NUL in request.path_info or _has_nul(dict(request.GET.lists())):
            return True
        if request.method not in ("POST", "PUT", "PATCH"):
            return False
        if request.content_type == "application/json":
            try:
                return _has_nul(json.loads(request.body or b"null"))
            except (ValueError, RecursionError):
                return False  # not JSON (or nested too deep): the API answers that itself
        # Form bodies of the pages (not of the API, which reads request.body itself: parsing the
        # stream here would leave it nothing to read).
        forms = ("application/x-www-form-urlencoded", "multipart/form-data")
        if request.content_type in forms and not request.path_info.startswith("/api/"):
            return _has_nul(dict(request.POST.lists()))
        return False

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            item = {"field": "请求", "message": "不能包含空字符（NUL）"}
            return JsonResponse({"code": "validation_error", "message": NUL_MESSAGE, "errors": [item]},
                                status=422, json_dumps_params={"ensure_ascii": False})
        return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
