"""The JSON Schema of ZymtraceBackend, with every default filled in from the model."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from .api import SCHEMA_ID
from .model import Spec, ZymtraceBackend
from .model.base import Strict
from .model.defaults import default_values, field_model, model_fields


def _models(root: type[Strict]) -> dict[str, type[Strict]]:
    found: dict[str, type[Strict]] = {}
    pending = [root]
    while pending:
        model = pending.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        pending += [m for f in model_fields(model).values() if (m := field_model(f.annotation)) is not None]
    return found


ANNOTATIONS = ("title", "description", "default")


def _accepts_null(prop: dict[str, Any]) -> bool:
    kind = prop.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_accepts_null(option) for option in prop.get("anyOf", []))


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    """`prop` or null: in spec a null removes the default, as in a Helm values file (values.strip_nulls)."""
    if _accepts_null(prop):
        return prop
    annotations = {key: prop[key] for key in ANNOTATIONS if key in prop}
    rest = {key: value for key, value in prop.items() if key not in ANNOTATIONS}
    return {**annotations, "anyOf": [rest, {"type": "null"}]}


def json_schema() -> dict[str, Any]:
    schema = TypeAdapter(ZymtraceBackend).json_schema(by_alias=True)
    models = _models(ZymtraceBackend)
    in_spec = set(_models(Spec))
    for name, definition in schema.get("$defs", {}).items():
        model = models.get(name)
        if model is None or model is ZymtraceBackend:
            continue
        defaults = default_values(model)
        properties = definition.get("properties", {})
        for key, prop in properties.items():
            if key in defaults:
                prop["default"] = defaults[key]
            if name in in_spec:
                if isinstance(prop.get("additionalProperties"), dict):  # a map: its values may be null too
                    prop["additionalProperties"] = _nullable(prop["additionalProperties"])
                for pattern, value in prop.get("patternProperties", {}).items():
                    prop["patternProperties"][pattern] = _nullable(value)
                properties[key] = _nullable(prop)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
