"""Every input's one way in, and YAML out (emitter.py).

In: `read` takes the bytes of a file or of stdin, bounded (MAX_BYTES; a regular file, never a device or a
FIFO); `load_all` and `load_with_node` build the documents straight from libyaml's parse events, with
the limits a hostile document cannot pass checked while it is read, before the work they bound:
nesting (MAX_DEPTH), values once aliases are expanded (MAX_NODES, "billion laughs"), aliases that
refer to a node containing them. No node tree is kept, so memory follows the values, not the text's
marks; every problem names the source and the line.

The values are YAML 1.2's core schema, as kustomize (go-yaml v3) reads it: only true/false are booleans
(`on`, `yes`, `no` are strings), only ~/null/empty are null, 0o17 and 0x1F are octal and hex, 017 is 17,
no sexagesimal numbers. Duplicate keys are errors; values JSON cannot carry become NotJson.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import yaml

from . import emitter
from .results import ConfigError, error

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # only its parser (events) is used

# Limits; docs/guide.md ("Limits and errors") states them.
MAX_BYTES = 8 * 1024 * 1024  # one input file or stream: about 130 renders of the whole backend
MAX_DEPTH = 100  # Kubernetes objects nest about 15 deep; anything past this is hostile or broken
MAX_NODES = 500_000  # values in one input once its aliases are expanded (the backend has about 4,500)


class NotJson(str):
    """A YAML value JSON has no type for (a timestamp, !!binary, !!set, !!omap, !!pairs). Kept as its text
    so a pass-through item still writes out, and reported with its field path when a config holds one."""

    kind: str
    line: int


def decode(data: str | bytes, source: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([error("", f"{source}: not UTF-8 text (bad byte at offset {exc.start})")]) from None


# ------------------------------------------------------------------ reading files and stdin

_FILE_TYPES = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)
_MIB = 1024 * 1024


def too_large(source: str) -> ConfigError:
    return ConfigError([error("", f"{source}: larger than {MAX_BYTES // _MIB} MiB, the limit for one input")])


def read(path: str) -> bytes:
    """The bytes of the file at `path`, or of stdin for '-'. A path must name a regular file: a device
    (/dev/zero), a named pipe (which could block forever) or a socket is refused before anything is read;
    stdin, a pipe as often as not, is read up to the limit. Anything over MAX_BYTES is refused without
    reading it all. Every failure is one ConfigError naming the input."""
    if path == "-":
        return _read_stdin()
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise _unreadable(path, exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError([error("", f"cannot read {path}: Is a directory")])
        if not stat.S_ISREG(mode):
            what = next((name for test, name in _FILE_TYPES if test(mode)), "not a file")
            raise ConfigError(
                [error("", f"cannot read {path}: {what}, not a regular file (give a file, or '-' to read stdin)")]
            )
        return _read_bounded(lambda size: os.read(fd, size), path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    finally:
        os.close(fd)


def _read_stdin() -> bytes:
    if sys.stdin is None:  # started with stdin closed
        raise ConfigError([error("", "cannot read stdin: it is closed")])
    try:
        return _read_bounded(sys.stdin.buffer.read, "stdin")
    except (OSError, ValueError) as exc:  # ValueError: a closed file object
        raise _unreadable("stdin", exc) from None


def _read_bounded(read_some: Callable[[int], bytes], source: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = read_some(MAX_BYTES + 1 - total)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_BYTES:
            raise too_large(source)


def _unreadable(path: str, exc: Exception) -> ConfigError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ConfigError([error("", f"cannot read {path}: {reason}")])


# ------------------------------------------------------------------ YAML 1.2 core schema

_STR, _NULL, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
_INT, _FLOAT, _MERGE = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:merge"
_MAP, _SEQ, _VALUE = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:value"
_CORE_SCHEMA = (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    (_MERGE, r"^(?:<<)$", "<"),
    (_NULL, r"^(?:~|null|Null|NULL|)$", "~nN"),
    # go-yaml v3 resolves these as timestamps too: they are reported, not silently read as text.
    (
        "tag:yaml.org,2002:timestamp",
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
        "0123456789",
    ),
)
# First character of a plain scalar -> the (tag, pattern) pairs that may resolve it, in order.
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {"": [(_NULL, re.compile(r"^$"))]}
for _tag, _pattern, _first in _CORE_SCHEMA:
    for _char in _first:
        _RESOLVERS.setdefault(_char, []).append((_tag, re.compile(_pattern)))
_NOT_JSON = {
    "tag:yaml.org,2002:timestamp": "date/time",
    "tag:yaml.org,2002:binary": "!!binary value",
    "tag:yaml.org,2002:set": "!!set",
    "tag:yaml.org,2002:omap": "!!omap",
    "tag:yaml.org,2002:pairs": "!!pairs",
}
# Scalar tags the strict reader constructs (None and "!": untagged); any other is unknown to it.
_READ_TAGS = frozenset({None, "!", _STR, _NULL, _INT, _FLOAT, _BOOL, _MERGE, _VALUE, *_NOT_JSON})
_BOOLEANS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


class _Refused(Exception):
    """A document this reader does not accept; `mark` locates it."""

    def __init__(self, problem: str, mark: Any, syntax: bool = True) -> None:
        super().__init__(problem)
        self.problem, self.mark, self.syntax = problem, mark, syntax


def _resolve(value: str) -> str:
    for tag, pattern in _RESOLVERS.get(value[:1], ()):
        if pattern.match(value):
            return tag
    return _STR


def _int(text: str) -> int:
    sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
    if digits[:2] in ("0o", "0x"):
        return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
    return sign * int(digits, 10)


def _float(text: str) -> float:
    value = text.replace("_", "").lower()
    sign = -1 if value[:1] == "-" else 1
    value = value[1:] if value[:1] in ("-", "+") else value
    if value == ".inf":
        return sign * float("inf")
    if value == ".nan":
        return float("nan")
    if ":" in value:  # an explicit !!float 1:30 (YAML 1.1's base 60), as PyYAML reads it
        total = 0.0
        for part in value.split(":"):
            total = total * 60 + float(part)
        return sign * total
    return sign * float(value)


def _scalar(event: Any, any_yaml: bool, is_key: bool) -> Any:
    """The value of a scalar event under the core schema (any_yaml: an unknown tag gives the text). A
    merge key (`<<`) is _MERGE_KEY."""
    tag, value = event.tag, event.value
    if tag is None or tag == "!":
        if not event.implicit[0] or value[:1] not in _RESOLVERS:  # quoted, or plain text (most values)
            return value
        tag = _resolve(value)
    if tag == _STR:
        return value
    if tag == _NULL:
        return None
    try:
        if tag == _INT:
            return _int(value)
        if tag == _FLOAT:
            return _float(value)
        if tag == _BOOL:
            return _BOOLEANS[value.lower()]
    except (ValueError, KeyError, IndexError):
        raise _Refused(f"{value!r} is not a valid {tag.rpartition(':')[2]}", event.start_mark) from None
    if tag in _NOT_JSON:
        return _not_json(tag, value, event.start_mark)
    if is_key and tag in (_MERGE, _VALUE):  # YAML 1.1's `!!value` key is a plain string to PyYAML
        return _MERGE_KEY if tag == _MERGE else value
    if any_yaml:
        return value
    raise _Refused(f"could not determine a constructor for the tag {tag!r}", event.start_mark)


def _not_json(tag: str, text: str, mark: Any) -> NotJson:
    marker = NotJson(text)
    marker.kind, marker.line = _NOT_JSON[tag], mark.line + 1
    return marker


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


# ------------------------------------------------------------------ building documents from events


class _Anchor(NamedTuple):
    value: Any
    size: int  # values once expanded
    height: int  # levels, the value itself included
    node: Any  # its skeleton node, or None
    line: int


_MERGE_KEY = object()  # a `<<` key: the mapping after it is merged in
_NO_KEY = object()  # a mapping waiting for its next key
_SKELETON_LEVELS = 3  # KRM mode needs the ResourceList, its fields and the items


class _Frame:
    """An open mapping or sequence."""

    __slots__ = ("event", "height", "is_map", "items", "key", "key_lines", "key_node", "merges", "node", "start")

    def __init__(self, event: Any, is_map: bool, start: int, node: Any) -> None:
        self.event, self.is_map, self.start, self.node = event, is_map, start, node
        self.items: Any = {} if is_map else []
        self.key: Any = _NO_KEY
        self.key_node: Any = None
        self.key_lines: dict[Any, int] = {}  # key -> line of its first occurrence
        self.merges: list[dict[Any, Any]] = []  # what a `<<` key merges in
        self.height = 1  # levels under it, itself included


class _Builder:
    """Python values from a stream of parse events. `skeleton`: also nodes (with their marks, without
    their content) for the top levels and for anchored collections and their entries, which is what KRM
    mode copies items by."""

    def __init__(self, any_yaml: bool, skeleton: bool) -> None:
        self.any_yaml, self.skeleton = any_yaml, skeleton
        self.size = 0  # values so far, aliases expanded, over the whole stream
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: dict[str, int] = {}  # anchors of collections still open -> their line
        self.stack: list[_Frame] = []
        self.documents: list[tuple[Any, Any, int]] = []  # (value, node, line)
        # any_yaml: (event, path) of each value under a tag the strict reader refuses
        self.unknown_tags: list[tuple[Any, tuple[Any, ...]]] = []

    def run(self, parser: Any) -> list[tuple[Any, Any, int]]:
        get_event, stack, any_yaml = parser.get_event, self.stack, self.any_yaml
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                self.size += 1
                if self.size > MAX_NODES or len(stack) >= MAX_DEPTH:
                    raise self._over_limit(event)
                is_key = bool(stack) and stack[-1].is_map and stack[-1].key is _NO_KEY
                value = _scalar(event, any_yaml, is_key)
                if any_yaml and event.tag not in _READ_TAGS:
                    self.unknown_tags.append((event, self._path()))
                node = self._node(event) if self.skeleton else None
                if event.anchor is not None:
                    self._check_anchor(event)
                    self.anchors[event.anchor] = _Anchor(
                        "<<" if value is _MERGE_KEY else value, 1, 1, node, event.start_mark.line + 1
                    )
                self._add(value, 1, node, event)
            elif kind is mapping_start or kind is sequence_start:
                self.size += 1
                if self.size > MAX_NODES or len(stack) >= MAX_DEPTH:
                    raise self._over_limit(event)
                if event.anchor is not None:
                    self._check_anchor(event)
                    self.open_anchors[event.anchor] = event.start_mark.line + 1
                stack.append(
                    _Frame(event, kind is mapping_start, self.size, self._node(event) if self.skeleton else None)
                )
            elif kind is mapping_end or kind is sequence_end:
                frame = stack.pop()
                value = self._close(frame)
                start = frame.event
                if frame.node is not None:
                    frame.node.end_mark = event.end_mark
                if start.anchor is not None:
                    del self.open_anchors[start.anchor]
                    size = self.size - frame.start + 1
                    self.anchors[start.anchor] = _Anchor(
                        value, size, frame.height, frame.node, start.start_mark.line + 1
                    )
                self._add(value, frame.height, frame.node, start)
            elif kind is alias_event:
                self._alias(event)
            elif kind is yaml.DocumentStartEvent:
                self.anchors, self.open_anchors = {}, {}
            elif kind is yaml.StreamEndEvent:
                return self.documents

    def _path(self) -> tuple[Any, ...]:
        """Where the value being read goes: a key or an index per open collection."""
        path = tuple(frame.key if frame.is_map else len(frame.items) for frame in self.stack)
        return path[:-1] if path and path[-1] is _NO_KEY else path  # a key itself: its mapping's path

    def _over_limit(self, event: Any) -> _Refused:
        if self.size > MAX_NODES:
            return _Refused(f"more than {MAX_NODES:,} values once its aliases are expanded", event.start_mark, False)
        return _Refused(f"YAML nested more than {MAX_DEPTH} levels deep", event.start_mark, False)

    def _check_anchor(self, event: Any) -> None:
        first = self.anchors.get(event.anchor)
        line = first.line if first else self.open_anchors.get(event.anchor)
        if line is not None:
            raise _Refused(f"duplicate anchor &{event.anchor} (first at line {line})", event.start_mark)

    def _alias(self, event: Any) -> None:
        name = event.anchor
        anchored = self.anchors.get(name)
        if anchored is None:
            if name in self.open_anchors:
                raise _Refused(
                    f"the alias *{name} refers to a node that contains it (&{name} at line "
                    f"{self.open_anchors[name]}): a recursive alias",
                    event.start_mark,
                    False,
                )
            raise _Refused(f"found undefined alias *{name}", event.start_mark)
        self.size += anchored.size
        if self.size > MAX_NODES or len(self.stack) + anchored.height > MAX_DEPTH:
            raise self._over_limit(event)
        self._add(anchored.value, anchored.height, anchored.node, event)

    def _node(self, event: Any) -> Any:
        """The skeleton node of a value: at the top levels, anchored, or an entry of an anchored collection
        (an alias can bring it to the top)."""
        stack = self.stack
        if not (
            len(stack) < _SKELETON_LEVELS or event.anchor is not None or (stack[-1].node and stack[-1].event.anchor)
        ):
            return None
        kind, start, end = type(event), event.start_mark, event.end_mark  # libyaml's marks, untyped
        if kind is yaml.ScalarEvent:
            return yaml.ScalarNode(event.tag or "", event.value, start, end, event.style)
        node_class = yaml.MappingNode if kind is yaml.MappingStartEvent else yaml.SequenceNode
        return node_class(event.tag or "", [], start, None, event.flow_style)

    def _close(self, frame: _Frame) -> Any:
        """The finished value of a collection: merges applied, its tag checked."""
        event, value = frame.event, frame.items
        if frame.merges:
            if self.skeleton and not self.stack:
                raise _Refused("a merge key (<<) at the top of the document is not supported", event.start_mark)
            merged: dict[Any, Any] = {}
            for source in frame.merges:  # a mapping listed earlier wins (YAML 1.1's merge key)
                for key, item in source.items():
                    merged.setdefault(key, item)
            merged.update(value)  # and the mapping's own keys over all of them
            value = merged
        tag = event.tag
        if tag is None or tag == "!" or tag == (_MAP if frame.is_map else _SEQ):
            return value
        if tag in _NOT_JSON:
            return _not_json(tag, "", event.start_mark)
        if tag in (_STR, _NULL, _BOOL, _INT, _FLOAT, _MAP, _SEQ, _MERGE, _VALUE):
            found = "mapping" if frame.is_map else "sequence"
            want = {_MAP: "mapping", _SEQ: "sequence"}.get(tag, "scalar")
            raise _Refused(f"expected a {want} node, but found {found}", event.start_mark)
        if self.any_yaml:
            self.unknown_tags.append((event, self._path()))
            return value
        raise _Refused(f"could not determine a constructor for the tag {tag!r}", event.start_mark)

    def _add(self, value: Any, height: int, node: Any, event: Any) -> None:
        """Put a finished value into the collection that holds it (or make it a document)."""
        stack = self.stack
        if not stack:
            if value is _MERGE_KEY:
                value = "<<" if self.any_yaml else self._unconstructable(event)
            self.documents.append((value, node, event.start_mark.line + 1))
            return
        frame = stack[-1]
        if height >= frame.height:
            frame.height = height + 1
        if not frame.is_map:
            frame.items.append(self._unconstructable(event) if value is _MERGE_KEY else value)
            if node is not None and frame.node is not None:
                frame.node.value.append(node)
        elif frame.key is _NO_KEY:
            frame.key, frame.key_node = self._key(frame, value, event), node
        else:
            key, frame.key = frame.key, _NO_KEY
            if key is _MERGE_KEY:
                frame.merges = self._merge_sources(value, event)
                return
            frame.items[key] = value
            if frame.node is not None and frame.key_node is not None and node is not None:
                frame.node.value.append((frame.key_node, node))

    def _unconstructable(self, event: Any) -> Any:
        raise _Refused("could not determine a constructor for the tag 'tag:yaml.org,2002:merge'", event.start_mark)

    def _key(self, frame: _Frame, key: Any, event: Any) -> Any:
        if key is _MERGE_KEY:
            if _MERGE_KEY in frame.key_lines:
                raise _Refused(f"duplicate key '<<' (first at line {frame.key_lines[_MERGE_KEY]})", event.start_mark)
            frame.key_lines[_MERGE_KEY] = event.start_mark.line + 1
            return key
        if self.any_yaml:
            key = _hashable(key)
        line = event.start_mark.line + 1
        try:
            first = frame.key_lines.get(key)
        except TypeError:
            raise _Refused("found unhashable key (a mapping or a sequence as a key)", event.start_mark) from None
        if first is not None:
            raise _Refused(f"duplicate key {key!r} (first at line {first})", event.start_mark)
        frame.key_lines[key] = line
        return key

    def _merge_sources(self, value: Any, event: Any) -> list[dict[Any, Any]]:
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            raise _Refused("expected a mapping or list of mappings for merging (<<)", event.start_mark)
        return sources


def _build(text: str, source: str, *, any_yaml: bool = False, skeleton: bool = False) -> list[tuple[Any, Any, int]]:
    """(value, skeleton node or None, line) of every document; every way it can fail is one error naming
    the source and the line."""
    return _built(text, source, any_yaml=any_yaml, skeleton=skeleton).documents


def _built(text: str, source: str, *, any_yaml: bool = False, skeleton: bool = False) -> _Builder:
    if len(text) > MAX_BYTES:
        raise too_large(source)
    parser = _Parser(text)
    try:
        builder = _Builder(any_yaml, skeleton)
        builder.run(parser)
        return builder
    except _Refused as exc:
        mark = exc.mark
        if exc.syntax:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
            raise ConfigError([error("", f"{source}: not valid YAML{where}: {exc.problem}")]) from None
        raise ConfigError([error("", f"{source}: line {mark.line + 1}: {exc.problem}")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError([error("", f"{source}: not valid YAML{where}: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([error("", f"{source}: not valid YAML: {exc}")]) from None
    finally:
        parser.dispose()


def load_all(data: str | bytes, source: str) -> list[Any]:
    """Every document of a YAML stream; a problem becomes one error naming line and column."""
    return [value for value, _, _ in _build(decode(data, source), source)]


def load_documents(data: str | bytes, source: str) -> list[tuple[Any, int]]:
    """(document, its first line) of every document of a YAML stream."""
    return [(value, line) for value, _, line in _build(decode(data, source), source)]


def load_with_node(text: str, source: str, *, any_yaml: bool = False) -> tuple[Any, Any]:
    """The single document of a stream, and the skeleton of its node tree: the nodes of its top three
    levels (the document, its values, their entries), whose marks locate each part in `text`.
    any_yaml: accept unknown tags (their plain value) and collection keys (as tuples)."""
    value, node, _ = load_with_tags(text, source, any_yaml=any_yaml)
    return value, node


class UnknownTag(NamedTuple):
    offset: int  # where it is in the text
    line: int
    column: int
    tag: str
    path: tuple[Any, ...]  # keys and indexes from the document's root


def load_with_tags(text: str, source: str, *, any_yaml: bool = False) -> tuple[Any, Any, list[UnknownTag]]:
    """load_with_node, and (any_yaml) every tag in the document the strict reader would refuse, in order."""
    built = _built(text, source, any_yaml=any_yaml, skeleton=True)
    documents = built.documents
    if len(documents) > 1:
        raise ConfigError([error("", f"{source}: expected a single document, found {len(documents)}")])
    tags = [
        UnknownTag(e.start_mark.index, e.start_mark.line + 1, e.start_mark.column + 1, e.tag, path)
        for e, path in built.unknown_tags
    ]
    tags.sort(key=lambda tag: tag.offset)
    return (documents[0][0], documents[0][1], tags) if documents else (None, None, tags)


def object_problem(document: Any, *, named: bool = True) -> str:
    """What keeps a document from being a Kubernetes object ('' when nothing does). named: it must have
    a kind and a metadata.name, as what is written to a file or compared by identity must."""
    if not isinstance(document, dict):
        return f"a {'list' if isinstance(document, list) else 'scalar'}, not a mapping"
    if not named:
        return ""
    metadata = document.get("metadata")
    if not isinstance(document.get("kind"), str) or not document["kind"]:
        return "no kind"
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata["name"]:
        return "no metadata.name"
    return ""


def not_an_object(source: str, number: int, line: int, problem: str) -> ConfigError:
    return ConfigError([error("", f"{source}: document {number} is not a Kubernetes object (line {line}: {problem})")])


def load_objects(data: str | bytes, source: str, *, named: bool = True) -> list[dict[str, Any]]:
    """The objects of a YAML stream, empty documents left out; any other document that is not a
    Kubernetes object (see object_problem) is an error naming it and its line."""
    objects = []
    documents = [(d, line) for d, line in load_documents(data, source) if d is not None]
    for number, (document, line) in enumerate(documents, 1):
        problem = object_problem(document, named=named)
        if problem:
            raise not_an_object(source, number, line, problem)
        objects.append(document)
    return objects


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


def dump(document: Any) -> str:
    return emitter.dump(document)


def dump_all(documents: list[Any]) -> str:
    return emitter.dump_all(documents)
