"""Every engagement page renders for staff, a plain employee and another unit's officer (no 5xx),
and the staff-only pages hide from a plain employee."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.engagement.conftest import close_petition

PAGES = ["engagement:home", "engagement:rules", "engagement:rules_poster", "engagement:qa", "engagement:qa_mine",
         "engagement:training"]
STAFF_PAGES = ["engagement:qa_staff", "engagement:library", "engagement:visits", "engagement:meetings",
               "engagement:screening", "engagement:screening_export"]


@pytest.mark.parametrize("who", ["officer", "employee", "other_officer", "leader", "handler"])
def test_pages_render(client, world, who):
    client.force_login(getattr(world, who))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    for name in STAFF_PAGES:
        status = client.get(reverse(name)).status_code
        assert status in (200, 404), (name, status)
        if who in ("officer", "leader", "other_officer"):
            assert status == 200, name


def test_staff_pages_hidden_from_employees(client, world):
    client.force_login(world.employee)
    for name in STAFF_PAGES:
        assert client.get(reverse(name)).status_code == 404, name


def test_petition_page_shows_the_library_panel(client, world):
    p = close_petition(world)
    client.force_login(world.officer)
    page = client.get(reverse("petitions:detail", args=[p.public_id])).content.decode()
    assert 'data-testid="library-suggestions"' in page and 'data-testid="make-case"' in page
