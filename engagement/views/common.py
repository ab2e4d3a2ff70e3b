"""Helpers shared by the engagement pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.errors import DomainError


def run(request: HttpRequest, fn: Callable[..., Any], success: str, back: str, **kwargs) -> tuple[Any, HttpResponse]:
    """Call a service; show its Chinese refusal as a message. Returns (result or None, redirect)."""
    try:
        result = fn(**kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None, redirect(back)
    if success:
        messages.success(request, success)
    return result, redirect(back)


def form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))
