"""Every log line written while a request is served carries its id: ours, and Django's own
(django.request's "Not Found"/"Internal Server Error", django.security's, runserver's
django.server line), read from what the configured handler actually writes."""

from __future__ import annotations

import http.client
import io
import logging
import threading
from contextlib import contextmanager

import pytest
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application
from django.test import Client

from ops.context import request_id

RID = "nginx0123456789abcdef"


@contextmanager
def console_output():
    """What the root logger's configured handler (the console of settings.LOGGING, with the
    request-id filter) writes, captured."""
    handler = next(h for h in logging.getLogger().handlers if any(type(f).__name__ == "RequestIdFilter" for f in h.filters))
    out = io.StringIO()
    old = handler.setStream(out)
    try:
        yield out
    finally:
        handler.setStream(old)


def lines_with(out: io.StringIO, text: str) -> list[str]:
    return [line for line in out.getvalue().splitlines() if text in line]


@pytest.mark.django_db
def test_a_404_line_carries_the_request_id(client):
    with console_output() as out:
        response = client.get("/no-such-page-here/", HTTP_X_REQUEST_ID=RID)
    assert response.status_code == 404 and response["X-Request-ID"] == RID
    not_found = lines_with(out, "Not Found: /no-such-page-here/")
    assert not_found and all(RID in line for line in not_found), out.getvalue()
    assert request_id.get() == ""  # cleared when the request finished: no stale id afterwards


@pytest.mark.django_db
def test_a_generated_id_is_the_one_in_the_response_and_the_log(client):
    with console_output() as out:
        response = client.get("/no-such-page-either/")
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    assert any(rid in line for line in lines_with(out, "Not Found: /no-such-page-either/")), out.getvalue()


@pytest.mark.django_db
@pytest.mark.urls("tests.ops.urls_boom")
def test_a_500_line_carries_the_request_id():
    client = Client(raise_request_exception=False)
    with console_output() as out:
        response = client.get("/ops-test-boom/", HTTP_X_REQUEST_ID=RID)
    assert response.status_code == 500
    errors = lines_with(out, "Internal Server Error: /ops-test-boom/")
    assert errors and all(RID in line for line in errors), out.getvalue()
    assert "RuntimeError: boom for the log test" in out.getvalue()


@pytest.mark.django_db
def test_a_django_security_line_carries_the_request_id(client):
    with console_output() as out:
        response = client.get("/", HTTP_HOST="evil.example.com", HTTP_X_REQUEST_ID=RID)
    assert response.status_code == 400
    security = lines_with(out, "django.security.DisallowedHost")
    assert security and all(RID in line for line in security), out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_runserver_line_carries_the_request_id():
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.handle_request, daemon=True)
    with console_output() as out:
        thread.start()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        conn.request("GET", "/no-such-page-served/", headers={"X-Request-ID": RID, "Connection": "close"})
        response = conn.getresponse()
        response.read()
        conn.close()
        thread.join(timeout=30)
    server.server_close()
    assert response.status == 404
    served = lines_with(out, '"GET /no-such-page-served/ HTTP/1.1" 404')
    assert served and all(RID in line for line in served), out.getvalue()
    assert all(RID in line for line in lines_with(out, "Not Found: /no-such-page-served/"))


@pytest.mark.django_db
@pytest.mark.urls("tests.ops.urls_boom")
def test_a_database_outage_is_a_503_that_says_nothing_is_half_written():
    client = Client(raise_request_exception=False)
    with console_output() as out:
        page = client.get("/ops-test-db-down/", HTTP_X_REQUEST_ID=RID)
        api = client.post("/api/ops-test-db-down/", HTTP_X_REQUEST_ID=RID)
    assert page.status_code == 503 and page["Retry-After"] == "5"
    body = page.content.decode()
    assert "系统暂时不可用" in body and "不会留下半截记录" in body and "是否已经登记" in body and RID in body
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert api.json()["code"] == "unavailable" and api.json()["request_id"] == RID
    # Still logged as an error, with its traceback and the request id.
    lines = lines_with(out, "Service Unavailable: /ops-test-db-down/")
    assert lines and all(RID in line for line in lines), out.getvalue()


@pytest.mark.django_db
@pytest.mark.urls("tests.ops.urls_boom")
def test_any_other_failure_stays_a_500_with_the_request_id():
    response = Client(raise_request_exception=False).get("/ops-test-boom/", HTTP_X_REQUEST_ID=RID)
    assert response.status_code == 500 and "Retry-After" not in response
    assert "系统出错" in response.content.decode() and RID in response.content.decode()
