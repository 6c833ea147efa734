"""The object diff: which objects are created, removed, and which fields of the others changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..derived import secret_content
from ..render.context import Obj
from .inputs import Key

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Change:
    key: Key
    old: Obj
    new: Obj
    paths: tuple[str, ...]  # changed fields, e.g. spec.template.spec.containers[web].image


@dataclass
class ObjectDiff:
    old: dict[Key, Obj]  # the two whole sides, for consequences that involve unchanged objects
    new: dict[Key, Obj]
    created: list[Obj] = field(default_factory=list)
    removed: list[Obj] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.created or self.removed or self.changed)


def diff_objects(old: dict[Key, Obj], new: dict[Key, Obj]) -> ObjectDiff:
    result = ObjectDiff(old, new)
    for key in sorted(new.keys() - old.keys()):
        result.created.append(new[key])
    for key in sorted(old.keys() - new.keys()):
        result.removed.append(old[key])
    for key in sorted(old.keys() & new.keys()):
        paths = field_paths(comparable(old[key]), comparable(new[key]))
        if paths:
            result.changed.append(Change(key, old[key], new[key], tuple(paths)))
    return result


def comparable(obj: Obj) -> Obj:
    """A Secret as the API server stores it: one `data` map, compared by the text it holds, whether the
    manifest writes a key base64 in data or as text in stringData (the server folds stringData into data).
    Values are only compared, never shown."""
    if obj.get("kind") != "Secret":
        return obj
    content = {}
    for label, value in secret_content(obj).items():
        content[label.split(".", 1)[1]] = value
    out = {k: v for k, v in obj.items() if k != "stringData"}
    out["data"] = content
    return out


def join(prefix: str, key: str) -> str:
    """a.b for plain keys, a[checksum/config] for keys with dots, slashes or dashes."""
    if _PLAIN_KEY.match(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{key}]"


def field_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """The leaf paths at which two values differ. List items with unique names are matched by name."""
    if isinstance(old, dict) and isinstance(new, dict):
        return _mapping_paths(old, new, lambda key: join(prefix, key))
    if isinstance(old, list) and isinstance(new, list):
        old_named, new_named = _by_name(old), _by_name(new)
        if old_named is not None and new_named is not None:
            # containers[web].image rather than containers[0].image: a reordering is not a change.
            return _mapping_paths(old_named, new_named, lambda name: f"{prefix}[{name}]")
        if len(old) != len(new):
            return [prefix]
        return [
            p
            for index, (a, b) in enumerate(zip(old, new, strict=True))
            for p in field_paths(a, b, f"{prefix}[{index}]")
        ]
    return [] if old == new else [prefix]


def _mapping_paths(old: dict[Any, Any], new: dict[Any, Any], at: Callable[[str], str]) -> list[str]:
    paths: list[str] = []
    for key in sorted(set(old) | set(new), key=str):
        if key not in old or key not in new:
            paths.append(at(str(key)))
        else:
            paths += field_paths(old[key], new[key], at(str(key)))
    return paths


def _by_name(items: list[Any]) -> dict[str, Any] | None:
    """Containers, ports, env, volumes: keyed by their name when every item has a distinct one."""
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    if not items or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    return dict(zip(names, items, strict=True))  # type: ignore[arg-type]
