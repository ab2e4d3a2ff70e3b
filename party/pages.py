"""The landing pages: a manager's workspace, a member's own page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from party import scoping


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    member = scoping.own_member(user)
    return render(request, "party/home.html", {"manages": scoping.manages_any(user), "member": member})
