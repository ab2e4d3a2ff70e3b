"""The NinjaAPI instance of API v1: schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from petitions.api import errors
from petitions.api.auth import AUTH
from petitions.api.docs import OfflineSwagger
from petitions.api.views import router

api = NinjaAPI(
    title="同心 · 信访 API",
    version="1",
    description=(
        "信访事项的受理、办理、答复、评价、复查复核。认证：`Authorization: Bearer <令牌>` 或已登录的网页会话"
        "（需 CSRF）。错误一律为 `{\"code\", \"message\"}`。详见 docs/api.md。"
    ),
    auth=AUTH,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=OfflineSwagger(asset_url_name="api-v1-docs-asset"),
    parser=errors.JsonBodyParser(),
)
errors.install(api)
api.add_router("", router)
# The modules' endpoints share this API (one OpenAPI schema, one auth, one error shape).
api.add_router("/party/", "party.api.router")
api.add_router("/publicity/", "publicity.api.router")
api.add_router("/carbon/", "carbon.api.router")
