"""The model read as pydantic reads it, for build-time work (the default values tree, the JSON Schema,
the parameter reference, error messages): a render never imports this module.

User values are deep-merged onto the default tree before validation, as Helm merges a values file onto
the chart's values.yaml: a user who sets only `resources.limits.memory` keeps the other defaults.
"""

import dataclasses
import typing
from functools import cache
from typing import Any

from pydantic.fields import FieldInfo

from ..values import merge_values
from .base import Strict


def _section(annotation: Any) -> type[Strict] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, Strict) else None


def field_model(annotation: Any) -> type[Strict] | None:
    """The section class a field holds, also inside Optional[...] or list[...] (for walks over the tree)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        for inner in (candidate, *typing.get_args(candidate)):
            if _section(inner) is not None:
                return typing.cast(type[Strict], inner)
    return None


def model_fields(model: type[Strict]) -> dict[str, FieldInfo]:
    """A section's fields as pydantic sees them (annotation, metadata, alias, description, default)."""
    return _model_fields(model)  # type: ignore[arg-type]  # mypy takes a section class for unhashable


def default_values(model: type[Strict]) -> dict[str, Any]:
    """Every field's default, keyed by its values-file name; fields whose default is null are left out."""
    return _default_values(model)  # type: ignore[arg-type]  # (see above)


@cache
def _model_fields(model: type[Strict]) -> dict[str, FieldInfo]:
    # f.type is the annotation object itself: no model module postpones its annotations
    return {f.name: FieldInfo.from_annotated_attribute(f.type, f) for f in dataclasses.fields(model)}  # type: ignore[arg-type]


@cache
def _default_values(model: type[Strict]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, field in model_fields(model).items():
        key = field.alias or name
        nested = _section(field.annotation)
        factory = field.default_factory
        if nested is not None and factory is not None:
            value: Any = default_values(nested)
            if factory is not nested:  # a factory returning this field's own overrides of the section defaults
                value = merge_values(value, factory())  # type: ignore[call-arg]
        elif factory is not None:
            value = factory()  # type: ignore[call-arg]
        elif field.is_required() or field.default is None:
            continue
        else:
            value = field.default
        tree[key] = value
    return tree
