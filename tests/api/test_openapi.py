"""Every /api route says what it answers: the OpenAPI page (/docs) is the JSON
contract the staff dashboard, the web chat and other clients read, so a route whose
success body is an untyped object (a ``dict[str, Any]`` without a response model)
fails here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.core.config import Settings
from api.main import create_app

SUCCESS = ("200", "201", "202")
JSON = "application/json"


def _app() -> FastAPI:
    # The schema needs no database or Rasa: the lifespan is not run.
    return create_app(
        Settings(environment="test", secret_key="s" * 32, token_key="t" * 32)
    )


def _spec(app: FastAPI) -> dict[str, Any]:
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def _typed(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    """An object with named properties, a list of them, or a choice among them."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return _typed(components[name], components)
    if "anyOf" in schema or "oneOf" in schema:
        choices = schema.get("anyOf", schema.get("oneOf"))
        return all(_typed(choice, components) for choice in choices)
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}), components)
    return schema.get("type") == "object" and bool(schema.get("properties"))


def untyped_routes(spec: dict[str, Any]) -> list[str]:
    """The /api operations ("GET /api/…") whose success answer (200, 201 or 202)
    is JSON without a typed schema, or is not declared at all."""
    components = spec.get("components", {}).get("schemas", {})
    untyped = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            codes = [c for c in SUCCESS if c in responses]
            if not codes and "204" in responses:
                continue  # no body
            content = responses[codes[0]].get("content", {}) if codes else {}
            json = content.get(JSON)
            if json is None:
                # A file: declared by its media types, with no JSON.
                ok = bool(content)
            else:
                ok = _typed(json.get("schema", {}), components)
            if not ok:
                untyped.append(f"{method.upper()} {path}")
    return untyped


def test_every_api_route_declares_its_answer() -> None:
    spec = _spec(_app())
    operations = [
        (path, method)
        for path, ops in spec["paths"].items()
        if path.startswith("/api/")
        for method in ops
    ]
    assert len(operations) >= 45  # the check is not vacuous
    assert untyped_routes(spec) == []


def test_a_route_returning_a_plain_dict_is_caught() -> None:
    app = _app()

    @app.get("/api/staff/untyped")
    def untyped() -> dict[str, Any]:
        return {}

    @app.post("/api/staff/counted", status_code=201)
    def counted() -> dict[str, int]:
        return {}

    assert untyped_routes(_spec(app)) == [
        "GET /api/staff/untyped",
        "POST /api/staff/counted",
    ]


def test_the_pages_and_files_keep_their_response_class() -> None:
    spec = _spec(_app())
    export = spec["paths"]["/api/staff/reports/export"]["get"]["responses"]["200"]
    assert JSON not in export["content"]
    assert "text/csv; charset=utf-8" in export["content"]
    health = spec["paths"]["/healthz"]["get"]["responses"]
    assert {"200", "503"} <= set(health)
    # The web pages and the webhooks are not part of the documented API.
    assert not {"/", "/staff", "/channels/telegram/webhook"} & set(spec["paths"])
