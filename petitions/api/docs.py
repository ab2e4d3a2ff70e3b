"""Swagger UI served from the platform itself: ninja's own copy of the assets (installed from
PyPI with django-ninja), never a CDN — intranets are offline (DESIGN §1)."""

from __future__ import annotations

import json
from pathlib import Path

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template import engines
from django.urls import reverse
from ninja.openapi.docs import DocsBase, _csrf_needed

from petitions.api.errors import json_404

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}

PAGE = """<!DOCTYPE html>
<html lang="zh-Hans">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }}</title>
  <link rel="stylesheet" href="{{ assets }}swagger-ui.css">
  <link rel="icon" href="{{ assets }}favicon.png" type="image/png">
</head>
<body data-csrf-token="{% if add_csrf %}{{ csrf_token }}{% endif %}" data-api-csrf="{% if add_csrf %}true{% endif %}">
  <script type="application/json" id="swagger-settings">{{ settings|safe }}</script>
  <div id="swagger-ui"></div>
  <script src="{{ assets }}swagger-ui-bundle.js"></script>
  <script src="{{ assets }}swagger-ui-init.js"></script>
</body>
</html>
"""


class OfflineSwagger(DocsBase):
    def __init__(self, asset_url_name: str) -> None:
        self.asset_url_name = asset_url_name

    def render_page(self, request: HttpRequest, api, **kwargs) -> HttpResponse:
        settings = {
            "layout": "BaseLayout",
            "deepLinking": True,
            "url": self.get_openapi_url(api, kwargs),
            "validatorUrl": None,  # Swagger UI would otherwise load a badge from an outside validator
        }
        assets = reverse(self.asset_url_name, kwargs={"name": "x"})[:-1]
        template = engines["django"].from_string(PAGE)
        html = template.render(
            {
                "title": api.title,
                "assets": assets,
                # </script> cannot occur in the JSON: "<" is escaped.
                "settings": json.dumps(settings).replace("<", "\\u003c"),
                "add_csrf": _csrf_needed(api),
            },
            request,
        )
        return HttpResponse(html)


def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in ASSETS:
        return json_404(request)
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
