"""The JSON Schema of ZymtraceBackend, with every default filled in from the model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .api import SCHEMA_ID
from .model import ZymtraceBackend
from .model.defaults import default_values, field_model


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    pending = [root]
    while pending:
        model = pending.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        pending += [m for f in model.model_fields.values() if (m := field_model(f.annotation)) is not None]
    return found


def json_schema() -> dict[str, Any]:
    schema = ZymtraceBackend.model_json_schema(by_alias=True)
    models = _models(ZymtraceBackend)
    for name, definition in schema.get("$defs", {}).items():
        model = models.get(name)
        if model is None or model is ZymtraceBackend:
            continue
        defaults = default_values(model)
        for key, prop in definition.get("properties", {}).items():
            if key in defaults:
                prop["default"] = defaults[key]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
