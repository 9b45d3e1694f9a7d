"""The OpenAPI document promises what the API answers: every operation lists its error statuses with
the ErrorOut envelope (the schema fuzz holds the live API to these promises)."""

import pytest

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture(scope="module")
def schema():
    from wxmall.api import api

    return api.get_openapi_schema()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_status_is_the_envelope(schema):
    for name, operation in _operations(schema):
        for status, answer in operation["responses"].items():
            if int(status) >= 400 and "content" in answer:
                assert answer["content"]["application/json"]["schema"] == ERROR_REF, (name, status)


def test_authenticated_operations_document_401_and_writes_403(schema):
    for name, operation in _operations(schema):
        statuses = {int(s) for s in operation["responses"]}
        if operation.get("security"):
            assert 401 in statuses, name
            schemes = {scheme for requirement in operation["security"] for scheme in requirement}
            in_cookie = any(schema["components"]["securitySchemes"][s].get("in") == "cookie" for s in schemes)
            if in_cookie and not name.startswith("GET "):
                assert 403 in statuses, name  # CSRF guards cookie sessions; a header token needs none


def test_operations_with_a_body_document_400_413_and_415(schema):
    for name, operation in _operations(schema):
        if "requestBody" in operation:
            assert {400, 413, 415} <= {int(s) for s in operation["responses"]}, name


def test_operations_with_path_ids_document_404(schema):
    for name, operation in _operations(schema):
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert 404 in {int(s) for s in operation["responses"]}, name


def test_catalog_filters_are_plain_strings(schema):
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/catalog/products"]["get"]["parameters"]}
    assert params["brand"]["type"] == "array" and params["brand"]["items"]["type"] == "string"
    assert params["memory"]["items"]["maxLength"] == 64
    assert params["q"]["type"] == "string"
