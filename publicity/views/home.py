"""The module's landing page: what this person can do here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from publicity import selectors
from publicity.scoping import correspondent_units, is_staff_for, post_units


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    latest, _more = selectors.news_search(user, "", limit=5)
    return render(request, "publicity/home.html", {
        "latest": latest,
        "is_correspondent": bool(correspondent_units(user)),
        "is_reviewer": bool(post_units(user)),
        "is_staff": is_staff_for(user),
        "is_admin": user.is_superuser or user.is_administrator,
        "queue_count": selectors.review_queue(user).count() if post_units(user) else 0,
    })
