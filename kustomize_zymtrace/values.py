"""Value trees: layering user values onto defaults the way Helm does, and reading validated sections."""

from typing import Any


def merge_values(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A new tree: `overrides` layered onto a deep copy of `defaults`. Maps merge key by key; lists and
    scalars from the user replace the default (Helm's rule). Written out rather than taken from deepmerge
    (the same rule as Merger([(dict, ["merge"])], ["override"], ["override"]), which a property test
    holds it to): importing deepmerge cost every render 2.5 ms."""
    return _merge(_copy(defaults), overrides)


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        current = base.get(key)
        base[key] = _merge(current, value) if isinstance(current, dict) and isinstance(value, dict) else value
    return base


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def null_lists(defaults: Any, overrides: Any) -> Any:
    """Helm's rule for a null over a list default (auth.admin.roles: null): the list is gone, not back
    to its default. A null over a map or a scalar is handled by strip_nulls after the merge."""
    if not isinstance(overrides, dict) or not isinstance(defaults, dict):
        return overrides
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        default = defaults.get(key)
        if value is None and isinstance(default, list) and default:
            out[key] = []
        else:
            out[key] = null_lists(default, value)
    return out


def strip_nulls(value: Any) -> Any:
    """Drop null-valued keys. Applied after the merge, it gives Helm's rule: a null removes the default
    (`limits: {cpu: null}` leaves no CPU limit), and a section set to null falls back to its defaults."""
    if isinstance(value, dict):
        return {key: strip_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [strip_nulls(item) for item in value]
    return value


def plain(value: Any) -> Any:
    """A validated Kubernetes sub-object (affinity, a security context, HPA behavior) as the API's plain
    data: its given fields only (their defaults are null), nested objects and lists converted too."""
    if is_section(value):
        return {key: plain(item) for key, item in vars(value).items() if item is not None}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def is_section(value: Any) -> bool:
    """A validated section of the config (the model's sections are dataclasses), not a plain value."""
    return hasattr(type(value), "__dataclass_fields__")


def as_dict(section: Any, *, exclude_none: bool = False) -> dict[str, Any]:
    """A validated section's own fields as a plain dict (nested sections converted too)."""
    out = {}
    for key, value in vars(section).items():
        if exclude_none and value is None:
            continue
        out[key] = as_dict(value, exclude_none=exclude_none) if is_section(value) else value
    return out


def layered(*layers: dict[str, Any]) -> dict[str, Any]:
    """Layers merged in order (each over the ones before), then a null removes the key it lands on."""
    result: dict[str, Any] = {}
    for layer in layers:
        result = merge_values(result, layer)
    merged: dict[str, Any] = strip_nulls(result)
    return merged
