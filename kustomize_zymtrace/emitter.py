"""A YAML writer for Kubernetes objects: plain data (dicts, lists, strings, numbers, booleans, null) in
block style, multi-line strings as literal blocks, keys in insertion order, no anchors.

PyYAML's representer is pure Python and was most of a render's run time; this writes the same block
layout directly. A string is written plain only when every reader of our output takes it for the same
string: PyYAML (YAML 1.1: yes, on, 12:30, dates), go-yaml v3 in kustomize and kpt and ruamel (YAML 1.2:
1e3, 0o17, 0x1F, 1_000, 0b101, .inf) and go-yaml's own extras (y, n, 2001-1-2). Anything else is
single-quoted, double-quoted when it holds characters single quotes cannot carry. Keys too long for an
implicit key (YAML caps those at 1024 characters; PyYAML stops at 128) take the explicit "? " form.
tests/test_emitter.py checks every output reads back equal in PyYAML and ruamel, and through kustomize
and kpt.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.resolver import Resolver

# Characters a plain scalar may hold here (a deliberately small set), and how it may start: no YAML
# indicator, space or quote; "-" and ":" only when a non-space follows (-c, --flag, :9001).
_PLAIN = re.compile(r"(?:[A-Za-z0-9_./$(]|[-:][A-Za-z0-9_./:@+=,~%$()-])[A-Za-z0-9 _./:@+=,~%$()-]*\Z")
_IMPLICIT = Resolver.yaml_implicit_resolvers
# Plain scalars that YAML 1.2 readers (go-yaml v3, ruamel) or go-yaml's compatibility rules take for
# something other than a string, beyond what PyYAML's YAML 1.1 patterns above catch. go-yaml drops "_"
# from numbers, parses Go integer literals (0x, 0o, 0b, 0777) and 1.2 floats, and reads dates with
# one-digit months; kyaml quotes YAML 1.1 booleans such as y and n. Erring on the side of quoting costs
# two characters; erring the other way corrupts a password.
OTHER_READERS = (
    ("tag:yaml.org,2002:bool", r"(?:y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)\Z"),
    ("tag:yaml.org,2002:null", r"(?:~|null|Null|NULL)\Z"),
    ("tag:yaml.org,2002:float", r"[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)\Z"),
    ("tag:yaml.org,2002:int", r"_*[-+]?_*0_*(?:[bB][01_]*|[oO][0-7_]*|[xX][0-9a-fA-F_]*)\Z"),
    (  # go-yaml's float pattern (so also every decimal integer), with "_" allowed anywhere
        "tag:yaml.org,2002:float",
        r"_*[-+]?_*(?:\.[0-9_]*[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE]_*[-+]?_*[0-9][0-9_]*)?\Z",
    ),
    ("tag:yaml.org,2002:timestamp", r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ]|\Z)"),
    # ruamel reads [-+]?[0-9_]+ as an integer and \.[0-9_]+ as a float, digits or not, so "-_" or "._"
    # make it fail: anything of signs, dots, digits and exponents with a "_" in it is quoted.
    ("tag:yaml.org,2002:int", r"[-+._0-9eE]*_[-+._0-9eE]*\Z"),
    ("tag:yaml.org,2002:merge", r"<<\Z"),
    ("tag:yaml.org,2002:value", r"=\Z"),
)
# One pattern for all of them: a string is matched once, not once per reader rule.
_OTHER_READERS = re.compile("|".join(f"(?:{pattern})" for _, pattern in OTHER_READERS))
# PyYAML writes a key in the explicit "? key" form from this length on (and YAML forbids implicit keys
# of more than 1024 characters).
IMPLICIT_KEY_MAX = 128
# Printable and no line break: YAML also breaks lines at U+0085, U+2028 and U+2029.
# A byte order mark is escaped too: YAML readers may drop it inside a document.
# (Ranges, not a regular expression: compiling that character class cost every render 4 ms.)
_QUOTABLE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x2027),
    (0x202A, 0xD7FF),
    (0xE000, 0xFEFE),
    (0xFF00, 0xFFFD),
    (0x10000, 0x10FFFF),
)


def _single_quotable(text: str) -> bool:
    if text.isascii():
        return text.isprintable()  # for ASCII: exactly 0x20-0x7E
    return all(any(low <= ord(char) <= high for low, high in _QUOTABLE_RANGES) for char in text)


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
            and not _OTHER_READERS.match(text)
        )
        if len(_plain_cache) < 100_000:
            _plain_cache[text] = cached
    return cached


def _double_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _single_quotable(char):
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
        if _single_quotable(value):
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
    if not _single_quotable(text.replace("\n", "")):
        return None
    if not text.endswith("\n"):
        return "|-"
    return "|+" if text.endswith("\n\n") else "|"


def _block(text: str, header: str, indent: int) -> list[str]:
    body = text[:-1] if header == "|" else text.rstrip("\n") if header == "|-" else text[:-1]
    pad = " " * indent
    return [pad + line if line else "" for line in body.split("\n")]


def _value_lines(prefix: str, value: Any, indent: int, *, explicit: bool = False) -> list[str]:
    """`prefix` is "key:", ":" (after an explicit key) or "-" at the current column; `indent` is where
    nested content goes."""
    if isinstance(value, dict):
        if not value:
            return [prefix + " {}"]
        return [prefix, *_mapping(value, indent)]
    if isinstance(value, list):
        if not value:
            return [prefix + " []"]
        # PyYAML's layout: a sequence under a key starts at the key's column.
        return [prefix, *_sequence(value, indent - 2 if prefix.endswith(":") and not explicit else indent)]
    if isinstance(value, str) and "\n" in value:
        header = _block_header(value)
        if header:
            return [f"{prefix} {header}", *_block(value, header, indent)]
    return [f"{prefix} {scalar(value)}"]


def _mapping(value: dict[Any, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, item in value.items():
        written = scalar(key)
        if len(written) < IMPLICIT_KEY_MAX:
            lines += _value_lines(f"{pad}{written}:", item, indent + 2)
        else:  # explicit key: "? key" then ": value", nested content indented under the colon
            lines.append(f"{pad}? {written}")
            lines += _value_lines(f"{pad}:", item, indent + 2, explicit=True)
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
