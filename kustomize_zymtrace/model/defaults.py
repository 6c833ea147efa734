"""The complete default values tree, read off the model without building a validator for every section.

User values are deep-merged onto this tree before validation, as Helm merges a values file onto the
chart's values.yaml: a user who sets only `resources.limits.memory` keeps the other defaults.
"""

import typing
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from ..values import merge_values


def _model_of(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def field_model(annotation: Any) -> type[BaseModel] | None:
    """The model class a field holds, also inside Optional[...] or list[...] (for walks over the tree)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        for inner in (candidate, *typing.get_args(candidate)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


@cache
def default_values(model: type[BaseModel]) -> dict[str, Any]:
    """Every field's default, keyed by its values-file name; fields whose default is null are left out."""
    tree: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        nested = _model_of(field.annotation)
        factory = field.default_factory
        if nested is not None and factory is not None:
            value: Any = default_values(nested)
            if factory is not nested:  # a factory returning this field's own overrides of the section defaults
                value = merge_values(value, factory())  # type: ignore[call-arg]
        elif factory is not None:
            value = factory()  # type: ignore[call-arg]
        elif field.default is PydanticUndefined or field.default is None:
            continue
        else:
            value = field.default
        tree[key] = value
    return tree
