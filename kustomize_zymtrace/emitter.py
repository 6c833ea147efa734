"""A YAML writer for Kubernetes objects: plain data (dicts, lists, strings, numbers, booleans, null) in
block style, multi-line strings as literal blocks, keys in insertion order, no anchors.

PyYAML's representer is pure Python and was most of a render's run time; this writes the same block
layout directly. A string is written plain only when it is certain to read back as the same string
(PyYAML's own implicit-type patterns decide), otherwise single-quoted, double-quoted when it holds
characters single quotes cannot carry. tests/test_emitter.py checks every output reads back equal.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.resolver import Resolver

# Characters a plain scalar may hold here (a deliberately small set), and how it may start: no YAML
# indicator, space or quote; "-" and ":" only when a non-space follows (-c, --flag, :9001).
_PLAIN = re.compile(r"(?:[A-Za-z0-9_./$(]|[-:][A-Za-z0-9_./:@+=,~%$()-])[A-Za-z0-9 _./:@+=,~%$()-]*\Z")
_IMPLICIT = Resolver.yaml_implicit_resolvers
# Printable and no line break: YAML also breaks lines at U+0085, U+2028 and U+2029.
_SINGLE_QUOTABLE = re.compile(r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*\Z")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_plain_cache: dict[str, bool] = {}


def _is_plain(text: str) -> bool:
    cached = _plain_cache.get(text)
    if cached is None:
        cached = bool(
            _PLAIN.match(text)
            and not text.endswith((" ", ":"))
            and ": " not in text
            and not any(regexp.match(text) for _, regexp in _IMPLICIT.get(text[0], ()))
        )
        if len(_plain_cache) < 100_000:
            _plain_cache[text] = cached
    return cached


def _double_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _SINGLE_QUOTABLE.match(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02X}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(f"\\U{ord(char):08X}")
    return '"' + "".join(out) + '"'


def scalar(value: Any) -> str:
    """A value on one line."""
    if isinstance(value, str):
        if _is_plain(value):
            return value
        if _SINGLE_QUOTABLE.match(value):
            return "'" + value.replace("'", "''") + "'"
        return _double_quoted(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text if "e" not in text or "." in text else text.replace("e", ".0e", 1)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _block_header(text: str) -> str | None:
    """The literal-block header for a multi-line string, or None when a block cannot carry it exactly."""
    lines = text.split("\n")
    first = next((line for line in lines if line), "")
    if not first or first.startswith(" ") or any(line.endswith((" ", "\t")) or "\t" in line for line in lines):
        return None
    if not _SINGLE_QUOTABLE.match(text.replace("\n", "")):
        return None
    if not text.endswith("\n"):
        return "|-"
    return "|+" if text.endswith("\n\n") else "|"


def _block(text: str, header: str, indent: int) -> list[str]:
    body = text[:-1] if header == "|" else text.rstrip("\n") if header == "|-" else text[:-1]
    pad = " " * indent
    return [pad + line if line else "" for line in body.split("\n")]


def _value_lines(prefix: str, value: Any, indent: int) -> list[str]:
    """`prefix` is "key:" or "-" at the current column; `indent` is where nested content goes."""
    if isinstance(value, dict):
        if not value:
            return [prefix + " {}"]
        return [prefix, *_mapping(value, indent)]
    if isinstance(value, list):
        if not value:
            return [prefix + " []"]
        # PyYAML's layout: a sequence under a key starts at the key's column.
        return [prefix, *_sequence(value, indent - 2 if prefix.endswith(":") else indent)]
    if isinstance(value, str) and "\n" in value:
        header = _block_header(value)
        if header:
            return [f"{prefix} {header}", *_block(value, header, indent)]
    return [f"{prefix} {scalar(value)}"]


def _mapping(value: dict[Any, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, item in value.items():
        lines += _value_lines(f"{pad}{scalar(key)}:", item, indent + 2)
    return lines


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, (dict, list)) and item:
            nested = _mapping(item, indent + 2) if isinstance(item, dict) else _sequence(item, indent + 2)
            lines.append(f"{pad}- {nested[0][indent + 2 :]}")
            lines += nested[1:]
        else:
            lines += _value_lines(f"{pad}-", item, indent + 2)
    return lines


def dump(document: Any) -> str:
    if isinstance(document, dict) and document:
        return "\n".join(_mapping(document, 0)) + "\n"
    if isinstance(document, list) and document:
        return "\n".join(_sequence(document, 0)) + "\n"
    return _value_lines("", document, 0)[0].lstrip() + "\n"


def dump_all(documents: list[Any]) -> str:
    return "---\n".join(dump(document) for document in documents)
