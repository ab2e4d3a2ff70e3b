"""/metrics, Prometheus' conventional path, serves what /ops/metrics serves, under the same
restriction: the scraper's bearer token or a logged-in administrator; anyone else 403. nginx
lets both through from the monitoring network only (tests/ops/test_nginx_config.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

TOKEN = "m" * 40
NGINX = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "tongxin.conf"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/metrics", "/ops/metrics"])
def test_both_paths_refuse_everyone_but_the_scraper_and_administrators(client, world, path):
    assert client.get(path).status_code == 403
    with override_settings(METRICS_TOKEN=TOKEN):
        assert client.get(path).status_code == 403
        assert client.get(path, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
        client.force_login(world.officer)
        assert client.get(path).status_code == 403
        client.logout()
        ok = client.get(path, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")
    assert "tongxin_http_request_duration_seconds" in ok.content.decode()
    assert client.post(path, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code in (403, 405)


@pytest.mark.django_db
def test_an_administrator_reads_metrics_at_the_conventional_path(client, django_user_model):
    admin = django_user_model.objects.create_superuser("A1", "管理员", "Tongxin@2026")
    client.force_login(admin)
    response = client.get("/metrics")
    assert response.status_code == 200 and "tongxin_outbox_pending" in response.content.decode()
    assert reverse("metrics") == "/metrics"


def test_nginx_restricts_both_paths_to_the_monitoring_network():
    conf = NGINX.read_text()
    for path in ("/metrics", "/ops/metrics"):
        block = re.search(r"location = " + re.escape(path) + r" \{(.*?)\}", conf, re.S)
        assert block, path
        assert "allow 10.0.9.0/24;" in block.group(1) and "deny all;" in block.group(1)
