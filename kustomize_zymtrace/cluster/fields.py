"""Managed-field sets: the `fieldsV1` tries of `metadata.managedFields`, as sets of paths.

The API server records, per field manager, which fields it set, as a trie of path elements:
`f:<field>` (a map key), `k:<json>` (the list item with these key fields, e.g. a container by name),
`v:<json>` (an item of a set-like list) and `i:<n>` (an item of an atomic list by index). A node with
no children is a member (the whole value is owned); an element `"."` inside a node says the node itself
is a member besides its children (it exists: a list item, a map). Here a set is a frozenset of paths
(tuples of those elements; a node's own membership is the path ending in "."), so union and difference
are Python's, and `trie()` writes one back in the server's shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

FieldPath = tuple[str, ...]
FieldSet = frozenset[FieldPath]
SELF = "."
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def paths(fields: dict[str, Any] | None) -> FieldSet:
    """The member paths of a fieldsV1 trie."""
    found: set[FieldPath] = set()
    pending: list[tuple[FieldPath, dict[str, Any]]] = [((), fields or {})]
    while pending:
        prefix, node = pending.pop()
        for key, child in node.items():
            if isinstance(child, dict) and child and key != SELF:
                pending.append(((*prefix, key), child))
            else:
                found.add((*prefix, key))
    return frozenset(found)


def trie(members: Iterable[FieldPath]) -> dict[str, Any]:
    """The fieldsV1 trie of a set of paths, keys sorted (what we send stays deterministic; the server
    keeps its own order when it encodes again)."""
    root: dict[str, Any] = {}
    for path in set(members):
        node = root
        for key in path:
            node = node.setdefault(key, {})
    return _sorted(root)


def _sorted(node: dict[str, Any]) -> dict[str, Any]:
    return {key: _sorted(node[key]) for key in sorted(node)}


def node(path: FieldPath) -> FieldPath:
    """The field a path stands for: a node's own membership ("." last) stands for the node."""
    return path[:-1] if path and path[-1] == SELF else path


def covered(path: FieldPath, members: FieldSet) -> bool:
    """`members` hold the path or something below the field it stands for: an apply that fills a map or
    a list item keeps it (an empty map one manager set, a node another one created)."""
    if path in members:
        return True
    at = node(path)
    return any(len(p) > len(at) and p[: len(at)] == at for p in members)


def under(members: Iterable[FieldPath], prefix: FieldPath) -> FieldSet:
    """The members at or below `prefix`."""
    return frozenset(p for p in members if p[: len(prefix)] == prefix)


def rename_root(members: Iterable[FieldPath], old: str, new: str) -> FieldSet:
    """Paths under top-level field `old` moved under `new` (a Secret's stringData -> data)."""
    return frozenset((new, *p[1:]) if p and p[0] == old else p for p in members)


# ---------------------------------------------------------------------------------- reading


def text(path: FieldPath) -> str:
    """A path as people write it: spec.template.spec.containers[ui].env[PASSWORD], data.PASSWORD,
    metadata.labels[app.kubernetes.io/name]."""
    out = ""
    for element in node(path):
        kind, _, body = element.partition(":")
        if kind == "f":
            out += f".{body}" if _PLAIN.match(body) else f"[{body}]"
        elif kind == "k":
            keys = json.loads(body)
            label = ",".join(f"{k}={v}" for k, v in keys.items()) if len(keys) > 1 else str(next(iter(keys.values())))
            out += f"[{label}]"
        elif kind == "v":
            out += f"[={json.loads(body)}]"
        else:
            out += f"[{body}]"
    return out.lstrip(".")


def topmost(members: Iterable[FieldPath]) -> list[FieldPath]:
    """The fields not below another one of the set, sorted: what a reader needs to see of a removal."""
    chosen = sorted({node(p) for p in members}, key=lambda p: (len(p), p))
    kept: list[FieldPath] = []
    for path in chosen:
        if not any(path[: len(k)] == k for k in kept):
            kept.append(path)
    return sorted(kept)


# ---------------------------------------------------------------------------------- values

_MISSING = object()


def _match(item: Any, element: str) -> bool:
    kind, _, body = element.partition(":")
    if kind == "k":
        return isinstance(item, dict) and all(item.get(k) == v for k, v in json.loads(body).items())
    if kind == "v":
        return bool(item == json.loads(body))
    return False


def value_at(value: Any, path: FieldPath) -> Any:
    """The value at a path, or `missing()` when the object has nothing there."""
    for element in node(path):
        kind, _, key = element.partition(":")
        if kind == "f" and isinstance(value, dict) and key in value:
            value = value[key]
        elif kind in ("k", "v") and isinstance(value, list):
            value = next((item for item in value if _match(item, element)), _MISSING)
        elif kind == "i" and isinstance(value, list) and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def missing() -> Any:
    return _MISSING


def project(value: Any, members: Iterable[FieldPath]) -> Any:
    """The part of an object (or of one of its values) that a set of paths covers: what a client-side
    apply's last-applied configuration would have to hold for these fields. A member with nothing below
    it stands for its whole value; a node's own membership for the node (an empty map or list at least);
    a list item keeps its key fields, which identify it."""
    chosen = set(members)
    if () in chosen:
        return value
    heads: dict[str, set[FieldPath]] = {}
    for path in chosen:
        if path[0] != SELF:
            heads.setdefault(path[0], set()).add(path[1:])
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for element, rest in heads.items():
            kind, _, key = element.partition(":")
            if kind == "f" and key in value:
                out[key] = project(value[key], rest)
        return out
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            matched = [e for e in heads if e == f"i:{index}" or _match(item, e)]
            if matched:
                projected = project(item, set().union(*(heads[e] for e in matched)))
                for element in matched:
                    if element.startswith("k:") and isinstance(projected, dict):
                        projected = json.loads(element[2:]) | projected
                items.append(projected)
        return items
    return value
