"""Schemathesis against /api/v1/openapi.json, in-process through the WSGI application (no network).

(a) Without credentials every operation answers with the API's JSON error — 401 (422 for a NUL
    character, 405 for a method it does not take), or for the anonymous tracking by receipt code
    404/422/429 — never 2xx with data, never 5xx.
(b) With the bearer key of the mine's 信访干事 (who sees the three petitions of
    tests/security/conftest.py), every operation, positive and negative data alike: no 5xx, the
    status code and content type are declared in the schema, the body matches its schema, and
    schema-invalid input is refused with a 4xx. Half the positive cases name a real petition
    (the generated path id is swapped for one), so the workflow verbs run for real too.

Left out, on purpose: schemathesis' ``positive_data_acceptance`` (schema-valid input must get 2xx).
A valid body for a petition in the wrong state, or by the wrong person, is refused by the workflow
with 403/409/422 — that is the point of petitions.rules, not a defect. ``NUL`` characters in
strings are schema-valid and generated; core.middleware.RejectNulMiddleware answers them 422.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from petitions.api.tokens import api_token_create
from tests.security.conftest import FUZZ_CASES
from tongxin.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

EXAMPLES = 30
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_schema_conformance]
# 405: schemathesis also probes methods an operation does not take (TRACE, PUT…), answered
# before authentication with the API's JSON 405 and an Allow header.
PUBLIC_PATHS = {"/api/v1/track": {404, 405, 422, 429}}  # the anonymous tracking by receipt code (auth=None)


@pytest.fixture
def officer_key(world) -> str:
    return api_token_create(user=world.officer, name="schemathesis").key


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Through the WSGI handler, request_finished closes "old" connections — on PostgreSQL the
    test's own, inside its transaction. Django's test client disconnects the same receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@HYPOTHESIS
def test_without_credentials_every_operation_is_refused(case, db):
    response = case.call_and_validate(checks=CONFORMANCE)
    FUZZ_CASES["schemathesis, no credentials"] += 1
    expected = PUBLIC_PATHS.get(case.formatted_path, {401, 405, 422})
    assert response.status_code in expected, (case.method, case.formatted_path, response.status_code)
    headers = {name.lower(): values for name, values in response.headers.items()}
    assert headers["content-type"][0].startswith("application/json")
    body = response.json()
    assert set(body) <= {"code", "message", "errors"} and body["code"] and body["message"]


@schema.parametrize()
@HYPOTHESIS
def test_with_an_officers_key_every_answer_conforms(case, officer_key, cases):
    if case.meta.generation.mode == GenerationMode.POSITIVE and "public_id" in (case.path_parameters or {}):
        generated = str(case.path_parameters["public_id"])
        if sum(map(ord, generated)) % 2 == 0:
            names = sorted(cases)
            case.path_parameters["public_id"] = str(cases[names[len(generated) % len(names)]].petition.public_id)
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {officer_key}"}, checks=[*CONFORMANCE, negative_data_rejection]
    )
    FUZZ_CASES["schemathesis, officer's key"] += 1
    if response.status_code < 300:
        FUZZ_CASES["schemathesis, officer's key, of which answered 2xx"] += 1
    assert response.status_code < 500
