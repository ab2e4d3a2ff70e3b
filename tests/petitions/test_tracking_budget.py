"""The tracking page and the API share one budget of receipt-code guesses per address."""

from __future__ import annotations

from django.core.cache import cache

from petitions.intake import TRACK_LIMIT


def test_page_and_api_share_the_guess_budget(db, client):
    cache.clear()
    for _ in range(TRACK_LIMIT):
        response = client.post("/xf/track/", {"code": "1234 5678 9012 3456"})
        assert response.status_code != 429  # a wrong code, but still allowed to try
    api = client.post("/api/v1/track", {"receipt_code": "1234567890123456"}, content_type="application/json")
    assert api.status_code == 429
    assert api.json()["code"] == "rate_limited"
    cache.clear()
