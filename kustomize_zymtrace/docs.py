"""The parameter reference (docs/parameters.md), generated from the model: every key, type, default, meaning.

Regenerated (with every other generated file) by hack/regenerate.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from typing import Any

from pydantic.fields import FieldInfo

from .model import Spec
from .model.base import Strict
from .model.defaults import default_values, field_model, model_fields

HEADER = """# ZymtraceBackend parameters

Generated from the model by `python -m kustomize_zymtrace.docs`; a test fails when it is stale.

Every key goes under `spec:` of a `ZymtraceBackend` (`apiVersion: zymtrace.io/v1alpha1`). The keys are
the zymtrace backend Helm chart's values, with the chart's meaning; "Extension" marks keys the chart
does not have. Where the chart's README (its Parameters table) gives a default, that default is used (see
[compatibility.md](compatibility.md)). Unknown keys are errors. A null value removes a default, as in
a Helm values file.

| Parameter | Type | Default | Description |
|---|---|---|---|
"""


# Single-validator types (model/base.py, model/services.py), named by their validator function.
VALIDATED_TYPES = {
    "quantity": "quantity",
    "positive_quantity": "quantity",
    "node_port": "node port or empty",
    "mcp_hosts": "`all` \\| `ingress` \\| list",
    "env_value": "scalar",
}


def _validated(metadata: list[Any] | tuple[Any, ...]) -> str | None:
    for item in metadata:
        name = getattr(getattr(item, "func", None), "__name__", "")
        if name in VALIDATED_TYPES:
            return VALIDATED_TYPES[name]
    return None


def _type_name(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> str:
    named = _validated(metadata)
    if named:
        return named
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0], args[1:])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" if a != "" else '`""`' for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(names) + (" or null" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"map of {_type_name(args[1])}" if args else "map"
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return "object"
    return getattr(annotation, "__name__", str(annotation))


def _default(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, separators=(", ", ": "))
    return f"`{text}`" if len(text) <= 60 else "see values"


def _rows(model: type[Strict], prefix: str, defaults: dict[str, Any]) -> Iterator[str]:
    for name, field in model_fields(model).items():
        key = field.alias or name
        path = f"{prefix}.{key}" if prefix else key
        nested = field_model(field.annotation)
        is_list_of_models = typing.get_origin(field.annotation) is list
        description = (field.description or "").replace("|", "\\|")
        if nested is not None and nested.__module__.endswith(".kube"):
            # A Kubernetes API object, validated as the API server does: the API reference documents it.
            yield f"| `{path}` | {_kube_type(nested, field)} |  | {description} |"
            continue
        if nested is not None and not is_list_of_models:
            if _optional(field):  # an optional block: its own row, then its keys
                yield f"| `{path}` | object or null |  | {description} |"
            yield from _rows(nested, path, defaults.get(key) or {})
            continue
        kind = _type_name(field.annotation, field.metadata)
        yield f"| `{path}` | {kind} | {_default(defaults.get(key))} | {description} |"


def _kube_type(model: type[Strict], field: FieldInfo) -> str:
    title = (model.__doc__ or "").strip().split("\n")[0].rstrip(".")
    listed = any(typing.get_origin(a) is list for a in (field.annotation, *typing.get_args(field.annotation)))
    kind = f"{'list of ' if listed else ''}Kubernetes {title if '/' in title else model.__name__}"
    return kind + (" or null" if _optional(field) else "")


def _optional(field: FieldInfo) -> bool:
    return type(None) in typing.get_args(field.annotation)


def parameters_markdown() -> str:
    return HEADER + "\n".join(_rows(Spec, "", default_values(Spec))) + "\n"


if __name__ == "__main__":
    print(parameters_markdown(), end="")
