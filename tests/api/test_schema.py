"""The OpenAPI 3 schema and the offline docs page."""

from __future__ import annotations

import re

import pytest

OPERATION_IDS = {
    "petitions_create", "petitions_get", "petitions_list", "petitions_timeline", "petitions_accept",
    "petitions_decline", "petitions_forward", "petitions_assign", "petitions_extend", "petitions_reply",
    "petitions_rate", "petitions_request_review", "petitions_decide_review", "petitions_request_rereview",
    "petitions_decide_rereview", "petitions_withdraw", "petitions_track_anonymous",
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_schema_is_openapi_3_with_every_operation(schema):
    assert re.fullmatch(r"3\.\d+\.\d+", schema["openapi"])
    assert schema["info"]["version"] == "1" and schema["info"]["title"]
    ids = [op["operationId"] for _, _, op in _operations(schema)]
    assert len(ids) == len(set(ids)), "operationIds are unique"
    assert {i for i in ids if i.startswith("petitions_")} == OPERATION_IDS
    # The modules' endpoints share the schema, each under its own prefix and name.
    for path, _method, op in _operations(schema):
        module = path.removeprefix("/api/v1/").split("/", 1)[0]
        if module in ("party", "publicity", "carbon"):
            assert op["operationId"].startswith(f"{module}_"), (path, op["operationId"])
    assert {p.removeprefix("/api/v1/").split("/", 1)[0] for p, _m, _o in _operations(schema)} >= {
        "petitions", "party", "publicity", "carbon"}
    for path, _method, op in _operations(schema):
        assert path.startswith("/api/v1/")
        assert op["responses"], f"{op['operationId']} documents its responses"
        for name in re.findall(r"{(\w+)}", path):
            assert any(p["name"] == name and p["in"] == "path" for p in op.get("parameters", []))


def test_every_reference_resolves(schema):
    components = schema["components"]["schemas"]
    for ref in _refs(schema["paths"]):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in components, ref
    for ref in _refs(components):
        assert ref.rsplit("/", 1)[1] in components, ref


def test_security_schemes_bearer_and_session(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["ApiTokenAuth"].items()
    assert schemes["WebSessionAuth"]["type"] == "apiKey" and schemes["WebSessionAuth"]["in"] == "cookie"
    for _path, _method, op in _operations(schema):
        if op["operationId"] == "petitions_track_anonymous":
            assert not op.get("security"), "tracking by receipt code needs no account"
        else:
            assert op["security"] == [{"ApiTokenAuth": []}, {"WebSessionAuth": []}]
    assert "security" not in schema


def test_errors_are_documented_as_code_and_message(schema):
    error = schema["components"]["schemas"]["ErrorOut"]
    assert {"code", "message"} <= set(error["required"])
    accept = schema["paths"]["/api/v1/petitions/{public_id}/accept"]["post"]["responses"]
    for status in ("401", "403", "404", "409", "422"):
        assert accept[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_docs_page_loads_nothing_from_outside(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page loads the Swagger UI assets"
    for url in urls:
        assert url.startswith("/api/v1/docs/assets/"), url
        assert client.get(url).status_code == 200
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html  # no badge fetched from an outside validator


def test_docs_assets_are_a_closed_list(client):
    response = client.get("/api/v1/docs/assets/..%2Fsettings.py")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "没有这个API地址"}
