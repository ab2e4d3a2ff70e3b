"""The publicity endpoints: scoped reads, writes through the services, refusals as {code, message}."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

API = "/api/v1/publicity"


def test_pieces_create_review_and_news(nr, client):
    client.force_login(nr.correspondent)
    r = client.post(f"{API}/pieces", {"unit": nr.team.code, "title": "掘进队安全生产一千天",
                                      "body": "掘进队实现安全生产一千天，全队职工受表彰。", "submit": True},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    pid = r.json()["public_id"]
    assert r.json()["state"] == "in_review"
    client.force_login(nr.outsider)
    assert client.get(f"{API}/pieces/{pid}").status_code == 404
    for who in (nr.editor, nr.both):
        client.force_login(who)
        r = client.post(f"{API}/pieces/{pid}/review", {"decision": "pass", "proofread": True},
                        content_type="application/json")
        assert r.status_code == 200, r.content
    r = client.post(f"{API}/pieces/{pid}/review", {"decision": "pass", "proofread": True},
                    content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "same_reviewer"
    client.force_login(nr.leader)
    r = client.post(f"{API}/pieces/{pid}/review", {"decision": "pass", "proofread": True},
                    content_type="application/json")
    assert r.json()["state"] == "published" and len(r.json()["reviews"]) == 3
    client.force_login(nr.outsider)
    items = client.get(f"{API}/news", {"q": "一千天"}).json()["items"]
    assert [i["title"] for i in items] == ["掘进队安全生产一千天"]
    assert client.get(f"{API}/pieces").json()["count"] == 0  # newsroom list: not theirs


def test_anonymous_refused(client):
    assert client.get(f"{API}/pieces").status_code == 401
