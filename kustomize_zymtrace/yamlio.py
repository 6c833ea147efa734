"""YAML in (libyaml when present, with limits a hostile document cannot pass) and out (emitter.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from . import emitter
from .results import ConfigError, error

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class NotJson(str):
    """A YAML value JSON has no type for (a timestamp, !!binary, !!set, !!omap, !!pairs). Kept as its text
    so a pass-through item still writes out, and reported with its field path when a config holds one."""

    kind: str
    line: int


def _not_json(kind: str) -> Callable[[Any, Any], NotJson]:
    def construct(loader: Any, node: Any) -> NotJson:
        marker = NotJson(node.value if isinstance(node.value, str) else "")
        marker.kind, marker.line = kind, node.start_mark.line + 1
        return marker

    return construct


class _Loader(_BaseLoader):  # type: ignore[misc]
    """YAML 1.2's core schema, as kustomize (go-yaml v3) reads it: only true/false are booleans (`on`,
    `yes`, `no` are strings), only ~/null/empty are null, 0o17 and 0x1F are octal and hex, 017 is 17,
    no sexagesimal numbers. Duplicate keys are errors; values JSON cannot carry become NotJson."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, Any]]] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        self.refuse_duplicates(node)
        return super().construct_mapping(node, deep=deep)

    def refuse_duplicates(self, node: Any, hashable: Callable[[Any], Any] = lambda key: key) -> None:
        """Keys equal as Python compares them (`a` twice, or `1` and `true`) are an error."""
        first: dict[Any, tuple[int, int]] = {}  # key -> (position, line) of its first occurrence
        for position, (key_node, _) in enumerate(node.value):
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                # By position, not line: `{a: 1, a: 2}` has both on one line.
                seen, line = first.setdefault(hashable(key), (position, key_node.start_mark.line + 1))
            except TypeError:
                continue  # an unhashable key: the base constructor reports it
            if seen != position:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {line})", key_node.start_mark
                )

    def construct_yaml_int(self, node: Any) -> int:
        text = self.construct_scalar(node)
        sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
        if digits[:2] in ("0o", "0x"):
            return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
        return sign * int(digits, 10)


_CORE_SCHEMA = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    (_MERGE_TAG, r"^(?:<<)$", "<"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    # go-yaml v3 resolves these as timestamps too: they are reported, not silently read as text.
    (
        "tag:yaml.org,2002:timestamp",
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
        "0123456789",
    ),
)
for _tag, _pattern, _first in _CORE_SCHEMA:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
_Loader.yaml_implicit_resolvers.setdefault("", []).append(("tag:yaml.org,2002:null", re.compile(r"^$")))
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
for _tag, _kind in (
    ("timestamp", "date/time"),
    ("binary", "!!binary value"),
    ("set", "!!set"),
    ("omap", "!!omap"),
    ("pairs", "!!pairs"),
):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _not_json(_kind))


def not_json_values(document: Any, path: str = "") -> list[tuple[str, NotJson]]:
    """(field path, value) of every NotJson value or key in a parsed document."""
    found: list[tuple[str, NotJson]] = []
    stack: list[tuple[Any, str]] = [(document, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, NotJson):
            found.append((where, node))
        elif isinstance(node, dict):
            for key, value in node.items():
                inner = f"{where}.{key}" if where else str(key)
                if isinstance(key, NotJson):
                    found.append((inner, key))
                stack.append((value, inner))
        elif isinstance(node, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(node))
    return sorted(found, key=lambda pair: pair[1].line)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


class _AnyYamlLoader(_Loader):
    """Reads every valid YAML document: an unknown tag (`!Custom`) gives the plain value under it, and a
    list or mapping used as a key becomes a tuple. For items passed through, not for configs. Keys
    Python cannot tell apart are refused (KRM mode copies a kept item's text, so a mapping read with
    fewer keys than it has would go unnoticed)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        self.refuse_duplicates(node, _hashable)
        self.flatten_mapping(node)
        return {
            _hashable(self.construct_object(key, deep=True)): self.construct_object(value, deep=deep)
            for key, value in node.value
        }


def _construct_any(loader: Any, suffix: str, node: Any) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_AnyYamlLoader.add_multi_constructor("", _construct_any)


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


def load_with_node(text: str, source: str, *, any_yaml: bool = False) -> tuple[Any, Any]:
    """The single document of a stream and its node tree, whose marks locate each part in `text`.
    any_yaml: accept unknown tags and collection keys (see _AnyYamlLoader)."""

    def parse() -> tuple[Any, Any]:
        loader = (_AnyYamlLoader if any_yaml else _Loader)(text)
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
