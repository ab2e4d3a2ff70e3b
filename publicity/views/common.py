"""Helpers shared by the publicity pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import DomainError


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "orgs/forbidden.html", {"message": message}, status=403)


def refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


def form_errors(form) -> str:
    return "；".join(f"{form.fields[f].label if f in form.fields else ''}{'：' if f in form.fields else ''}{e}"
                    for f, errs in form.errors.items() for e in errs)


def download_headers(response: HttpResponse) -> HttpResponse:
    """As petitions' downloads: never sniffed, sandboxed, not cached by shared caches."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
