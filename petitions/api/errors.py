"""Every error of API v1 is JSON ``{"code", "message"}`` with a fitting HTTP status."""

from __future__ import annotations

import logging
import re

from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from core.errors import RETRY_AFTER, UNAVAILABLE_MESSAGE, DomainError, database_unavailable

logger = logging.getLogger("tongxin.api")

UNAUTHORIZED_MESSAGE = "请先登录，或在 Authorization 头中提供有效的 API 令牌（Bearer）"
NOT_FOUND_MESSAGE = "信访事项不存在，或您无权查看"

# pydantic error types → what to tell a person, in Chinese.
_PROBLEMS = {
    "missing": "必填",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "string_type": "须为文本",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "bool_type": "须为true或false",
    "bool_parsing": "须为true或false",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "uuid_parsing": "格式无效",
    "uuid_type": "格式无效",
    "json_invalid": "不是有效的JSON",
    "model_type": "须为JSON对象",
    "dict_type": "须为JSON对象",
    "model_attributes_type": "须为JSON对象",
    "extra_forbidden": "不允许的字段",
}
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class JsonBodyParser(Parser):
    """ninja answers an unparseable body with 400; mark it so it becomes a validation error."""

    def parse_body(self, request: HttpRequest):
        try:
            return super().parse_body(request)
        except (ValueError, UnicodeDecodeError):
            request._tongxin_bad_json = True  # type: ignore[attr-defined]
            raise


def error(code: str, message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _field_name(loc: list) -> str:
    # Drop pydantic's union-member tags such as "str-enum[LegalChannel]".
    parts = [str(p) for p in loc if re.fullmatch(r"\w+", str(p))]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # ninja nests a body schema under the view parameter's name ("payload").
        if source == "body" and len(parts) > 1:
            parts.pop(0)
    return ".".join(parts) or "请求体"


def validation_errors(errors: list[dict]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for err in errors:
        problem = _PROBLEMS.get(err.get("type", ""), "格式有误")
        ctx = err.get("ctx") or {}
        if err.get("type") in ("enum", "literal_error") and ctx.get("expected"):
            problem += f"（可选：{ctx['expected']}）"
        elif "limit_value" in ctx or "max_length" in ctx or "min_length" in ctx:
            bound = ctx.get("limit_value", ctx.get("max_length", ctx.get("min_length")))
            problem += f"（界限：{bound}）"
        field = _field_name(err.get("loc", []))
        if all(item["field"] != field for item in out):  # a union reports each member
            out.append({"field": field, "message": problem})
    return out


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def on_domain_error(request, exc: DomainError):
        extra = {}
        if isinstance(exc.details.get("errors"), list):
            extra["errors"] = [{"field": "", "message": str(m)} for m in exc.details["errors"]]
        response = error(exc.code, exc.message, exc.status, **extra)
        if "retry_after" in exc.details:
            response["Retry-After"] = str(exc.details["retry_after"])
        return response

    @api.exception_handler(ValidationError)
    def on_validation_error(request, exc: ValidationError):
        items = validation_errors(exc.errors)
        listed = "；".join(f"{i['field']}：{i['message']}" for i in items)
        return error("validation_error", f"请求参数有误——{listed}", 422, errors=items)

    @api.exception_handler(AuthenticationError)
    def on_unauthorized(request, exc):
        response = error("unauthorized", UNAUTHORIZED_MESSAGE, 401)
        response["WWW-Authenticate"] = 'Bearer realm="tongxin"'
        return response

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return error("not_found", NOT_FOUND_MESSAGE, 404)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        if getattr(request, "_tongxin_bad_json", False):
            item = {"field": "请求体", "message": "不是有效的JSON"}
            return error("validation_error", "请求参数有误——请求体不是有效的JSON", 422, errors=[item])
        if exc.status_code == 403 and "CSRF" in exc.message:
            return error("csrf_failed", "CSRF 校验失败：请刷新页面后重试，或改用 API 令牌", 403)
        codes = {400: ("bad_request", "请求有误"), 403: ("not_allowed", "无权进行此操作"),
                 405: ("method_not_allowed", "不支持该请求方法"), 429: ("rate_limited", "请求过于频繁，请稍后再试")}
        code, message = codes.get(exc.status_code, ("http_error", "请求失败"))
        return error(code, message, exc.status_code)

    @api.exception_handler(Exception)
    def on_exception(request, exc: Exception):
        # Reported like any unhandled error (logging, error trackers), answered in JSON; the
        # database down mid-request is a 503 the client may retry (core.errors.database_unavailable).
        logger.exception("API error on %s %s", request.method, request.path)
        got_request_exception.send(sender=None, request=request)
        if database_unavailable(exc):
            response = error("unavailable", str(UNAVAILABLE_MESSAGE), 503)
            response["Retry-After"] = RETRY_AFTER
            return response
        return error("server_error", "服务器内部错误，请稍后再试", 500)


def json_404(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's shape, not with an HTML page."""
    return error("not_found", "没有这个API地址", 404)
