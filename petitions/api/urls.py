from __future__ import annotations

import functools

from django.http import HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path

from petitions.api.docs import docs_asset
from petitions.api.errors import error, json_404
from petitions.api.main import api


def _json_405(view):
    """ninja answers a wrong method with a plain-text 405; answer it in the API's shape."""

    @functools.wraps(view)  # keeps csrf_exempt and ninja's attributes
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            answer = error("method_not_allowed", f"该地址不支持{request.method}请求", 405)
            answer["Allow"] = response["Allow"]
            return answer
        return response

    return wrapper


api_patterns, app_name_, namespace = api.urls
for pattern in api_patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = _json_405(pattern.callback)

urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api-v1-docs-asset"),
    path("", (api_patterns, app_name_, namespace)),
    re_path(r"", json_404),  # anything else under /api/v1/: JSON 404, never an HTML page
]
