"""The contract's types hold on every endpoint, not only on those that were probed: a date-time is RFC 3339 text
(never Unix seconds such as 0.5 or 1700000000) and a count or number is never the JSON boolean `true`."""

from __future__ import annotations

import datetime
import types
import typing
from typing import Any

from pydantic import AwareDatetime, BaseModel, NaiveDatetime

from clearway import body
from tests.factories import auth


def _spec() -> dict[str, Any]:
    from clearway.main import create_app

    return create_app().openapi()


def _refs(node: Any, components: dict[str, Any], found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _refs(components.get(name, {}), components, found)
        for value in node.values():
            _refs(value, components, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, components, found)


def _models() -> dict[str, list[type[BaseModel]]]:
    found: dict[str, list[type[BaseModel]]] = {}
    todo = list(BaseModel.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        if model.__module__.startswith("clearway"):
            found.setdefault(model.__name__, []).append(model)
    return found


def _loose(annotation: Any, metadata: list[Any]) -> list[str]:
    """The kinds of loose scalar hidden in an annotation: 'datetime' without the RFC 3339 check, 'int' or 'float'
    that would take `true`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _loose(inner, [*metadata, *extra])
    if origin in (typing.Union, types.UnionType):
        return [kind for arg in typing.get_args(annotation) for kind in _loose(arg, metadata)]
    if origin in (list, tuple, set, frozenset, dict):
        return [kind for arg in typing.get_args(annotation) for kind in _loose(arg, [])]
    checks = {getattr(m, "func", None) for m in metadata}
    if annotation in (AwareDatetime, NaiveDatetime) or (
            isinstance(annotation, type) and issubclass(annotation, datetime.datetime)):
        return [] if body._rfc3339_only in checks else ["datetime"]
    if annotation in (int, float):
        return [] if body._no_bool in checks else [annotation.__name__]
    return []


def test_every_request_body_takes_rfc3339_times_and_no_boolean_numbers():
    spec = _spec()
    components = spec["components"]["schemas"]
    names: set[str] = set()
    for operations in spec["paths"].values():
        for method, operation in operations.items():
            if method in ("post", "put", "patch"):
                _refs(operation.get("requestBody", {}), components, names)
    models = _models()
    assert len(names & set(models)) > 30  # the walk found the request models
    loose = sorted(f"{model.__module__}.{model.__name__}.{field}: {kind}"
                   for name in names for model in models.get(name, [])
                   for field, info in model.model_fields.items() for kind in _loose(info.annotation, info.metadata))
    assert loose == []


def _time_queries() -> list[tuple[str, str]]:
    found = []
    for path, operations in _spec()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                formats = {schema.get("format")} | {s.get("format") for s in schema.get("anyOf", [])}
                if method == "get" and parameter["in"] == "query" and "date-time" in formats and "{" not in path:
                    found.append((path, parameter["name"]))
    return found


def test_every_time_in_a_query_string_is_rfc3339(client):
    queries = _time_queries()
    assert len(queries) >= 4
    answered = []
    for path, name in queries:
        for role in ("trader-a", "officer", "analyst", "auditor", "admin"):
            headers = auth(client, role)
            if client.get(path, headers=headers).status_code != 200:
                continue
            for value in ("0.5", "1700000000"):
                r = client.get(path, params={name: value}, headers=headers)
                answered.append((path, name, value, r.status_code))
            break
    assert {(p, n) for p, n, _v, _s in answered} == set(queries)
    assert [a for a in answered if a[3] != 422] == []


def test_true_is_not_a_rule_priority_nor_a_number_a_booking_time(client):
    analyst = auth(client, "analyst")
    r = client.post("/api/v1/risk/rules", json={"name": "p", "channel": "yellow", "reason": "Priority test",
                                                "expression": "item.value > 1", "priority": True}, headers=analyst)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/priority", r.text
    assert r.json()["errors"][0]["code"] == "field.type"
