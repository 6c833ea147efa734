"""YAML in (libyaml when present, with limits a hostile document cannot pass) and out (emitter.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from . import emitter
from .results import ConfigError, error

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = "tag:yaml.org,2002:bool"


class _Loader(_BaseLoader):  # type: ignore[misc]
    """YAML 1.2 booleans: only true and false. YAML 1.1's yes, no, on and off stay strings, as they are
    for kustomize, kpt and editors (yaml-language-server), so the config means the same to all of them."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def decode(data: str | bytes, source: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([error("", f"{source}: not UTF-8 text (bad byte at offset {exc.start})")]) from None


MAX_DEPTH = 100  # Kubernetes objects nest about 15 deep; anything past this is hostile or broken
MAX_NODES = 2_000_000  # after expanding YAML aliases ("billion laughs" stays a few lines of YAML)


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    return node if isinstance(node, list) else []


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Iterative, so a hostile document cannot exhaust the stack of the code that checks it; each shared
    (aliased) node is visited once."""
    stack, seen = [(value, 1)], set()
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if id(node) not in seen and isinstance(node, (dict, list)):
            seen.add(id(node))
            stack.extend((child, depth + 1) for child in _children(node))
    return False


def _expanded_size(value: Any, memo: dict[int, int]) -> int:
    """Nodes the document has once its aliases are expanded, in time linear in the YAML (depth is bounded)."""
    if not isinstance(value, (dict, list)):
        return 1
    if id(value) not in memo:
        memo[id(value)] = 1 + sum(_expanded_size(child, memo) for child in _children(value))
    return memo[id(value)]


def _parsed(source: str, parse: Callable[[], Any]) -> Any:
    """Run a parse; every way it can fail becomes one error naming the source (and line, column)."""
    try:
        return parse()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError([error("", f"{source}: not valid YAML{where}: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([error("", f"{source}: not valid YAML: {exc}")]) from None
    except RecursionError:
        raise ConfigError([error("", f"{source}: YAML nested more than {MAX_DEPTH} levels deep")]) from None


def _within_limits(documents: list[Any], source: str) -> list[Any]:
    if any(_depth_exceeds(document, MAX_DEPTH) for document in documents):
        raise ConfigError([error("", f"{source}: YAML nested more than {MAX_DEPTH} levels deep")])
    memo: dict[int, int] = {}
    if sum(_expanded_size(document, memo) for document in documents) > MAX_NODES:
        raise ConfigError([error("", f"{source}: more than {MAX_NODES} values once its aliases are expanded")])
    return documents


def load_all(data: str | bytes, source: str) -> list[Any]:
    """Every document of a YAML stream; a parse problem becomes one error naming line and column."""
    text = decode(data, source)
    return _within_limits(_parsed(source, lambda: list(yaml.load_all(text, Loader=_Loader))), source)


def load_with_node(text: str, source: str) -> tuple[Any, Any]:
    """The single document of a stream and its node tree, whose marks locate each part in `text`."""

    def parse() -> tuple[Any, Any]:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            return (loader.construct_document(node) if node is not None else None), node
        finally:
            loader.dispose()

    document, node = _parsed(source, parse)
    return _within_limits([document], source)[0], node


def dump(document: Any) -> str:
    return emitter.dump(document)


def dump_all(documents: list[Any]) -> str:
    return emitter.dump_all(documents)
