"""The complete default values tree, read off the model without building a validator for every section.

User values are deep-merged onto this tree before validation, as Helm merges a values file onto the
chart's values.yaml: a user who sets only `resources.limits.memory` keeps the other defaults.
"""


from functools import cache
from typing import Any

from deepmerge import Merger
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

# Maps merge key by key; lists and scalars from the user replace the default (Helm's rule).
_merger = Merger([(dict, ["merge"])], ["override"], ["override"])


def merge_values(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A new tree: `overrides` layered onto a deep copy of `defaults`."""
    return _merger.merge(_copy(defaults), overrides)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _model_of(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


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
