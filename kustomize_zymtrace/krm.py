"""KRM function mode: a config.kubernetes.io/v1 ResourceList in, one out (kpt, kustomize exec/container).

Items the function does not own come back as they came: their text is copied from the input (shifted
to the output's indentation), or, when that cannot be shown safe (tags, aliases, flow style, tabs),
re-written by ruamel.yaml's round-trip loader and dumper with their values, comments, quoting and
flow style (a YAML 1.2 reader: `flag: on` stays the string it was, a date stays a date).

Items generated on an earlier run carry the generated-by annotation and are found by it, not by their
file: those of a config being rendered and those whose config is gone from the package (renamed, moved
to another namespace) are replaced, so a re-render is idempotent and prunes.
"""

from __future__ import annotations

import io
import itertools
import os
import posixpath
import zlib
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

import yaml

from . import yamlio
from .api import API_VERSION, FINISH_KIND, GENERATED_BY, KIND
from .results import ConfigError, Result, error, sort_key, surface, warning

if TYPE_CHECKING:  # ruamel is imported only when an item cannot be copied as text (14 ms)
    from ruamel.yaml import YAML

RESOURCE_LIST = "ResourceList"
HEADER = f"apiVersion: config.kubernetes.io/v1\nkind: {RESOURCE_LIST}\n"
LIST_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1")
PATH_ANNOTATIONS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
INDEX_ANNOTATIONS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")
FUNCTION_CONFIG = -1  # the index standing for the functionConfig among the items' indexes
GENERATED_DIRECTORY = "generated"  # <config dir>/generated/<instance>/<kind>_<name>.yaml: see _place


class Outcome(NamedTuple):
    messages: list[str]  # stderr lines
    exit_code: int = 0


class Instance(NamedTuple):
    config: dict[str, Any]
    directory: str  # package directory of the config file, where its objects are placed
    position: int = FUNCTION_CONFIG  # which item it is, or FUNCTION_CONFIG

    @property
    def ref(self) -> dict[str, Any]:
        meta = _metadata(self.config)
        ref = {"apiVersion": API_VERSION, "kind": KIND, "name": str(meta.get("name", ""))}
        if meta.get("namespace"):
            ref["namespace"] = str(meta["namespace"])
        return ref

    @property
    def identity(self) -> str:
        return f"{self.ref.get('namespace', '')}/{self.ref['name']}"

    @property
    def label(self) -> str:
        return f"{KIND}/{self.ref['name']}"

    @property
    def place(self) -> tuple[str, str]:
        """Where its output goes: <directory>/generated/<name>/ (see _place)."""
        return self.directory, self.ref["name"]


Findings = list[tuple[Instance, Result]]  # the results of each instance, with the instance they are about


def process(data: str | bytes, out: TextIO) -> Outcome:
    """Run the function on a serialized ResourceList, writing the resulting ResourceList to `out`.

    Every instance is validated and rendered, and the objects of all instances are checked against
    each other, before the first generated object is written: a failure leaves no generated item. The
    instances are rendered one at a time and only their text is kept meanwhile (see _render_all)."""
    try:
        text = yamlio.decode(data, "ResourceList")
        resource_list, source = _parse(text)
    except ConfigError as exc:
        return _failure(out, None, exc.results, None)
    items = resource_list["items"]
    if _kind(resource_list.get("functionConfig")) == FINISH_KIND:
        return _finish_items(out, items, source)
    try:
        instances = _instances(resource_list)
    except ConfigError as exc:
        return _failure(out, source, exc.results, None)
    tagged = [(i, source.tags[i.position]) for i in instances if i.position in source.tags]
    if tagged:
        return _failure(out, source, [], tagged)

    outputs, findings, problems, generated = _render_all(instances)
    if problems is not None:
        return _failure(out, source, problems, findings)

    pruning = _pruning(resource_list, instances)
    keep = [not pruning.drops(item) for item in items]
    clashes = _clashes([item for item, kept in zip(items, keep, strict=True) if kept], generated)
    if clashes:
        return _failure(out, source, clashes, findings)
    try:
        kept = source.entries(keep)
    except ConfigError as exc:
        return _failure(out, None, exc.results, findings)
    unproven = [_unproven(item) for item in items if pruning.replaces(item) and not _placed(item)]
    out.write(HEADER + ("items:\n" if kept or outputs else "items: []\n"))
    out.writelines(kept)
    for output in outputs:
        out.write(zlib.decompress(output).decode())
    _write_results(out, _results(findings) + [krm for _, krm in unproven])
    return Outcome([_line(i, r) for i, r in findings] + [line for line, _ in unproven])


Generated = dict[tuple[str, str, str, str], Instance]  # (group, kind, namespace, name) -> who generates it


def _render_all(instances: list[Instance]) -> tuple[list[bytes], Findings, list[Result] | None, Generated]:
    """Validate and render one instance at a time, keeping of each only its entries' text, compressed,
    and its collision keys: 1000 instances' objects held at once took 200 MB. Returns the outputs, the
    findings of every instance, the errors that leave no generated item (None: there are none) and the
    ids of the generated objects."""
    from .loading import load
    from .render import objects, prepare

    outputs: list[bytes] = []
    owners: dict[str, Instance] = {}  # collision key -> the first instance generating it
    generated_ids: Generated = {}
    findings: Findings = []
    collisions: list[Result] = []
    failed = False
    for instance in instances:
        try:
            backend, warnings = load(instance.config)
            ctx, notes = prepare(backend)
            reported = surface(warnings + notes, dict(os.environ), instance.label)
        except ConfigError as exc:
            findings += [(instance, r) for r in exc.results]
            failed = True
            outputs.clear()  # nothing will be written
            continue
        findings += [(instance, r) for r in reported]
        if failed or collisions:
            continue  # no output now: only the other instances' own errors are still to find
        generated = [_place(obj, instance) for obj in objects(ctx)]
        collisions = _collisions(owners, instance, generated)
        for obj in generated:
            meta = obj["metadata"]
            generated_ids[_group(obj["apiVersion"]), obj["kind"], meta["namespace"], meta["name"]] = instance
        if generated and not collisions:
            # Level 1: the text of an instance's 41 objects (59 KB) shrinks eightfold for well under 1 ms.
            outputs.append(zlib.compress("".join(_entry(yamlio.dump(obj)) for obj in generated).encode(), 1))
        del backend, ctx, generated  # before the next instance is loaded
    if failed:
        return [], findings, [], {}  # configs' errors alone, as the collisions of valid ones may be their doing
    return ([], findings, collisions, {}) if collisions else (outputs, findings, None, generated_ids)


def _kind(obj: Any) -> Any:
    return obj.get("kind") if isinstance(obj, dict) else None


def _finish_items(out: TextIO, items: list[Any], source: Source) -> Outcome:
    """The finishing pass as a KRM function: items it changed are re-written, the others kept as they came."""
    import copy

    from .finish import finish

    before = copy.deepcopy(items)
    try:
        finished, notes = finish([i for i in items if isinstance(i, dict)])
        del finished  # finish() changes the items in place
        unchanged = [item == old for item, old in zip(items, before, strict=True)]
        kept = iter(source.entries(unchanged))
    except ConfigError as exc:
        return _failure(out, source, exc.results, None)
    out.write(HEADER + ("items:\n" if items else "items: []\n"))
    for item, same in zip(items, unchanged, strict=True):
        out.write(next(kept) if same else _entry(yamlio.dump(item)))
    _write_results(out, [r.to_krm() for r in notes])
    return Outcome([r.line() for r in notes])


def _collisions(owners: dict[str, Instance], instance: Instance, generated: list[dict[str, Any]]) -> list[Result]:
    """Two configs that would write the same object (or the same file): an error naming both, for the
    first such object. `owners` holds the keys of the instances rendered before this one."""
    for obj in generated:
        meta = obj["metadata"]
        keys = (
            f"{obj['kind']} {meta.get('namespace', '')}/{meta['name']}",
            f"file {meta['annotations'][PATH_ANNOTATIONS[0]]}",
        )
        for key in keys:
            other = owners.setdefault(key, instance)
            if other is not instance:
                return [
                    error(
                        "metadata",
                        f"{KIND} {other.identity} and {KIND} {instance.identity} both generate {key}: "
                        "give them different names (spec.global.namePrefix for objects, metadata.name "
                        "for files) or namespaces",
                    )
                ]
    return []


class Pruning(NamedTuple):
    """Which earlier outputs (items with the generated-by mark) a run replaces. An output is known by its
    mark (NAMESPACE/INSTANCE) and by its place (the config's directory and the instance's name, see
    _place): the finishing pass moves the mark with the objects when kustomize or a function moved them to
    another namespace, so a moved output is recognised by its place."""

    everything: bool  # no functionConfig: every config in the package renders now
    rendered: frozenset[str]  # owners rendered now
    present: frozenset[str]  # owners whose config is in the package; other owners' outputs are orphans
    rendered_places: frozenset[tuple[str, str]] = frozenset()  # (directory, name) of the configs rendered now
    present_places: frozenset[tuple[str, str]] = frozenset()  # ... of every config in the package

    def replaces(self, item: dict[str, Any]) -> bool:
        """The item's mark or place says it is an output this run replaces (or an orphan's)."""
        mark = _annotations(item).get(GENERATED_BY)
        if not isinstance(mark, str):
            return False
        place = _place_of(item)
        if self.everything or mark in self.rendered or place in self.rendered_places:
            return True
        return mark not in self.present and place not in self.present_places

    def drops(self, item: dict[str, Any]) -> bool:
        """Replaced, and provably an earlier output: an item with the mark anywhere else is kept (and
        reported), as the mark alone is only an annotation anyone can copy."""
        return self.replaces(item) and _placed(item)


def _path(item: dict[str, Any]) -> str | None:
    annotations = _annotations(item)
    return next((annotations[k] for k in PATH_ANNOTATIONS if isinstance(annotations.get(k), str)), None)


def _place_of(item: dict[str, Any]) -> tuple[str, str] | None:
    """(config directory, instance name) of an item at [<dir>/]generated/<instance>/<file>, else None."""
    path = _path(item)
    parts = path.split("/") if path else []
    if len(parts) < 3 or parts[-3] != GENERATED_DIRECTORY:
        return None
    return "/".join(parts[:-3]), parts[-2]


def _placed(item: dict[str, Any]) -> bool:
    """The item is where this function writes the output of the instance its mark names."""
    mark, place = _annotations(item).get(GENERATED_BY), _place_of(item)
    return isinstance(mark, str) and place is not None and place[1] == mark.partition("/")[2]


def _item_label(item: dict[str, Any]) -> str:
    meta = _metadata(item)
    where = _path(item)
    file = f"file {where}" if where else "no file"
    return f"{item.get('kind')} {meta.get('namespace') or 'default'}/{meta.get('name')} ({file})"


def _item_ref(item: dict[str, Any]) -> dict[str, Any]:
    meta = _metadata(item)
    ref = {key: str(item.get(key)) for key in ("apiVersion", "kind")}
    ref["name"] = str(meta.get("name"))
    if meta.get("namespace"):
        ref["namespace"] = str(meta["namespace"])
    return ref


def _unproven(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The warning (stderr line, KRM result) about an item the mark says to replace, kept instead."""
    mark = _annotations(item)[GENERATED_BY]
    result = warning(
        "",
        f"{_item_label(item)} carries {GENERATED_BY}: {mark} but is not where this function writes that "
        f"output ({GENERATED_DIRECTORY}/{mark.partition('/')[2]}/), so it is kept as it is; if you wrote it, "
        "remove the annotation",
    )
    path = _path(item)
    return result.line(), result.to_krm(_item_ref(item), {"path": path} if path else None)


def _group(api_version: Any) -> str:
    return api_version.rpartition("/")[0] if isinstance(api_version, str) else ""


def _clashes(kept: list[dict[str, Any]], generated: Generated) -> list[Result]:
    """Kept items with the id (group, kind, namespace, name) of a generated object: the output would
    hold the object twice, and which one an apply keeps depends on the order. A namespace left out is
    kustomize's `default`."""
    out = []
    for item in kept:
        meta = _metadata(item)
        key = (
            _group(item.get("apiVersion")),
            str(item.get("kind")),
            str(meta.get("namespace") or "default"),
            str(meta.get("name")),
        )
        owner = generated.get(key)
        if owner is None:
            continue
        marked = ""
        if GENERATED_BY in _annotations(item):
            marked = (
                f" It carries {GENERATED_BY} but is not an earlier output of this function (those are in "
                f"{GENERATED_DIRECTORY}/NAME/)."
            )
        out.append(
            error(
                "items",
                f"{_item_label(item)} is also generated by {KIND} {owner.identity}: the output would hold it twice. "
                f"Remove the item, or give it another name or namespace.{marked}",
            )
        )
    return out


def _pruning(resource_list: dict[str, Any], instances: list[Instance]) -> Pruning:
    items = resource_list["items"]
    configs = [Instance(item, _directory_of(item, items)) for item in items if item.get("kind") == KIND]
    return Pruning(
        everything=_renders_items(resource_list.get("functionConfig")),
        rendered=frozenset(i.identity for i in instances),
        present=frozenset(i.identity for i in configs),
        rendered_places=frozenset(i.place for i in instances),
        present_places=frozenset(i.place for i in configs),
    )


class Span(NamedTuple):
    """Where an input item is in the text. Only these marks are kept of the parsed node tree, which with
    1000 configs was most of the memory the parse held."""

    start: int  # index of the item's first character (its anchor or first key)
    end: int  # index of the token after it: trailing comments and blank lines are inside
    column: int  # the item's column
    block: bool  # a block mapping (a flow one, `{...}`, is re-written by ruamel)


class Source(NamedTuple):
    """The input text and where each item is in it."""

    text: str
    spans: list[Span]
    tags: dict[int, Result] = {}  # item index (FUNCTION_CONFIG) -> the unknown tag in that config

    def entries(self, keep: list[bool], *, copy: bool = True) -> list[str]:
        """The kept items as block-sequence entries ('- ...'). An item's own text is copied when that is
        shown to read back the same (see _copied_entry); otherwise ruamel's round-trip dumper re-writes
        it, with values, comments, quoting and flow style as they came in (importing ruamel and its
        pure-Python load cost 25 ms, so kpt's usual input never does). copy=False: ruamel for all."""
        wanted = [index for index, kept in enumerate(keep) if kept]
        found = {index: _properties(self.text, self.spans[index]) for index in wanted}
        # Copied anchors stay unique, as the input's are, unless ruamel writes an item with an alias
        # and so names the anchor it refers to again.
        aliased = any("alias" in properties for properties in found.values())
        writer: _RoundTrip | None = None
        entries = []
        for index in wanted:
            entry = None
            properties = found[index]
            if copy and not properties & {"alias", "tag", "unscanned"} and not (aliased and "anchor" in properties):
                entry = _copied_entry(self.text, self.spans[index])
            if entry is None:
                writer = writer or _RoundTrip(self)
                entry = writer.entry(index)
            entries.append(entry)
        return entries


_PROPERTY_TOKENS = {yaml.AnchorToken: "anchor", yaml.AliasToken: "alias", yaml.TagToken: "tag"}
_SCANNER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _properties(text: str, span: Span) -> set[str]:
    """The anchors, aliases and tags in an item ('anchor', 'alias', 'tag'). '&', '*' and '!' are common
    inside plain values (URLs, "*" in RBAC rules), so an item with one is scanned to tell."""
    piece = text[span.start : span.end]
    if not any(indicator in piece for indicator in "&*!"):
        return set()
    try:
        tokens = yaml.scan(" " * span.column + piece, Loader=_SCANNER)
        return {_PROPERTY_TOKENS[type(token)] for token in tokens if type(token) in _PROPERTY_TOKENS}
    except yaml.YAMLError:
        return {"unscanned"}  # not readable alone (ruamel then reads it in the whole list)


# libyaml also breaks lines on these; the copy re-indents only the lines "\n" ends, so it leaves them to ruamel.
_OTHER_LINE_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _copied_entry(text: str, span: Span) -> str | None:
    """A block-mapping item as one entry of a block sequence at column 0, copied from the input: '- '
    then its lines, shifted left so that its own column becomes 2. Shifting every line alike keeps
    block scalars, multi-line quoted scalars and comments as they were. None when the copy cannot be
    shown to read the same (ruamel writes those): a flow mapping, a tab in an indentation, another
    line break than "\n", text that does not end in one, or (when shifted) a non-blank line left of
    the item's column, which could come to column 0 ('---' ends a document there)."""
    if not span.block or span.column < 2:  # column 1 (`-` alone, the item one space in): shift would be negative
        return None
    piece = text[span.start : span.end]
    body, newline, rest = piece.rpartition("\n")  # rest: the indentation of the token after the item
    if not newline or rest.strip(" ") or any(other in piece for other in _OTHER_LINE_BREAKS):
        return None
    lines = body.split("\n")
    shift = span.column - 2  # 0 when the input's entries are '- ' at column 0, as kpt writes them
    for line in lines[1:]:
        content = line.lstrip(" \t")
        indent = len(line) - len(content)
        if "\t" in line[:indent] or (shift and content and indent < span.column):
            return None
    return "\n".join(["- " + lines[0]] + [line[shift:] for line in lines[1:]]) + "\n"


class _RoundTrip:
    """ruamel.yaml's round trip for the items a copy cannot carry."""

    def __init__(self, source: Source) -> None:
        self.rt = _round_trip()
        self.source = source
        self.whole: list[Any] | None = None  # every item, read once when one refers outside itself

    def entry(self, index: int) -> str:
        from ruamel.yaml.error import YAMLError

        span = self.source.spans[index]
        try:
            item = self.rt.load(" " * span.column + self.source.text[span.start : span.end])
        except (YAMLError, ValueError, TypeError):  # an alias whose anchor is outside the item
            self.whole = self.whole if self.whole is not None else self._all_items()
            item = self.whole[index]
        buffer = io.StringIO()
        self.rt.dump([item], buffer)  # as an entry of a sequence, so comments keep their columns
        return buffer.getvalue()

    def _all_items(self) -> list[Any]:
        from ruamel.yaml.error import YAMLError

        try:
            return list(self.rt.load(self.source.text)["items"])
        except (YAMLError, ValueError, TypeError) as exc:
            # ruamel's message spans lines (the source excerpt); its problem is the line that matters.
            problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[-1]
            raise ConfigError([error("items", f"not valid YAML: {problem}")]) from None


def _parse(text: str) -> tuple[dict[str, Any], Source]:
    resource_list, root, unknown_tags = yamlio.load_with_tags(text, "ResourceList", any_yaml=True)
    if not isinstance(resource_list, dict):
        raise ConfigError([error("", "stdin must hold one ResourceList document")])
    if resource_list.get("kind") != RESOURCE_LIST or resource_list.get("apiVersion") not in LIST_VERSIONS:
        found = f"{resource_list.get('apiVersion')}/{resource_list.get('kind')}"
        raise ConfigError([error("", f"stdin must be a config.kubernetes.io/v1 ResourceList, found {found}")])
    items = resource_list.get("items")
    if items is None:
        items = resource_list["items"] = []
    if not isinstance(items, list):
        raise ConfigError([error("items", "must be a list of Kubernetes objects")])
    strays = [f"items[{n}]" for n, item in enumerate(items) if not isinstance(item, dict)]
    if strays:
        raise ConfigError(
            [error(stray, "is not a Kubernetes object (a mapping with apiVersion and kind)") for stray in strays]
        )
    nodes = _child(root, "items")
    nodes = nodes.value if items and nodes is not None else []
    tags = {
        index: _unknown_tag(node, unknown_tags, 2)
        for index, node in enumerate(nodes)
        if items[index].get("kind") == KIND
    }
    if _kind(resource_list.get("functionConfig")) == KIND:
        tags[FUNCTION_CONFIG] = _unknown_tag(_child(root, "functionConfig"), unknown_tags, 1)
    unknown = {index: result for index, result in tags.items() if result is not None}
    return resource_list, Source(text, [_span(node) for node in nodes], unknown)


def _child(node: Any, key: str) -> Any:
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)


def _unknown_tag(node: Any, unknown: list[yamlio.UnknownTag], depth: int) -> Result | None:
    """The first tag in a config the config reader would not construct, as `render` reports it (the
    pass-through reader takes the plain value under any tag, which would render another backend).
    depth: how many levels of the ResourceList lie above the config (items[N]: 2, functionConfig: 1)."""
    if node is None:
        return None
    start, end = node.start_mark.index, node.end_mark.index
    for tag in unknown:
        if start <= tag.offset < end:
            message = (
                f"not valid YAML at line {tag.line}, column {tag.column}: could not determine a "
                f"constructor for the tag {tag.tag!r}"
            )
            return error(_dotted(tag.path[depth:]), message)
    return None


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _span(node: Any) -> Span:
    start, end = node.start_mark, node.end_mark
    block = isinstance(node, yaml.MappingNode) and not node.flow_style
    return Span(start.index, end.index, start.column, block)


def _instances(resource_list: dict[str, Any]) -> list[Instance]:
    items = resource_list["items"]
    config = resource_list.get("functionConfig")
    if not _renders_items(config):
        if not isinstance(config, dict) or config.get("kind") != KIND:
            kind = config.get("kind") if isinstance(config, dict) else type(config).__name__
            raise ConfigError(
                [error("functionConfig", f"must be a {API_VERSION} {KIND} or an empty ConfigMap, found {kind}")]
            )
        return [Instance(config, _directory_of(config, items))]
    configs = [(index, item) for index, item in enumerate(items) if item.get("kind") == KIND]
    if not configs:
        raise ConfigError([error("functionConfig", f"no {KIND}: set functionConfig or include one in items")])
    return [Instance(item, _directory_of(item, items), index) for index, item in configs]


def _renders_items(config: Any) -> bool:
    """No functionConfig, or the empty ConfigMap `kpt fn eval --exec` sends without --fn-config: render
    every ZymtraceBackend item."""
    if config is None:
        return True
    if not isinstance(config, dict) or config.get("kind") != "ConfigMap" or config.get("apiVersion") != "v1":
        return False
    return not config.get("data") and not config.get("binaryData")


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """An item's metadata, or {} when an input item has none or a malformed one."""
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _annotations(obj: dict[str, Any]) -> dict[str, Any]:
    annotations = _metadata(obj).get("annotations")
    return annotations if isinstance(annotations, dict) else {}


def _directory_of(config: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """Directory of the file the config came from: its own path annotation, or the matching item's."""
    name = _metadata(config).get("name")
    # Lazily: an item's own annotation answers at once (no scan of the other items per config).
    others = (i for i in items if i.get("kind") == KIND and _metadata(i).get("name") == name)
    for candidate in itertools.chain([config], others):
        annotations = _annotations(candidate)
        for key in PATH_ANNOTATIONS:
            path = annotations.get(key)
            if isinstance(path, str):
                return posixpath.dirname(path)
    return ""


def _place(obj: dict[str, Any], instance: Instance) -> dict[str, Any]:
    """A stable file per object: <config dir>/generated/<instance>/<kind>_<name>.yaml."""
    filename = f"{obj['kind'].lower()}_{obj['metadata']['name']}.yaml"
    path = posixpath.join(instance.directory, GENERATED_DIRECTORY, instance.ref["name"], filename)
    annotations = obj["metadata"].setdefault("annotations", {})
    for key in PATH_ANNOTATIONS:
        annotations[key] = path
    for key in INDEX_ANNOTATIONS:
        annotations[key] = "0"
    return obj


# ------------------------------------------------------------------ output


def _round_trip() -> YAML:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1 << 16  # never fold a long line the user wrote on one
    rt.indent(mapping=2, sequence=2, offset=0)
    return rt


def _entry(document: str) -> str:
    """A block YAML document as one entry of a block sequence."""
    lines = document.rstrip("\n").split("\n")
    return "\n".join(["- " + lines[0]] + [("  " + line) if line else line for line in lines[1:]]) + "\n"


def _write_results(out: TextIO, results: list[dict[str, Any]]) -> None:
    if results:
        out.write(yamlio.dump({"results": results}))


def _results(findings: Findings) -> list[dict[str, Any]]:
    ranked = sorted(findings, key=lambda pair: sort_key(pair[1]))
    return [result.to_krm(instance.ref, _file(instance)) for instance, result in ranked]


def _file(instance: Instance) -> dict[str, Any] | None:
    annotations = _annotations(instance.config)
    path = next((annotations[k] for k in PATH_ANNOTATIONS if isinstance(annotations.get(k), str)), None)
    return {"path": path} if path else None


def _line(instance: Instance, result: Result) -> str:
    return result.line(instance.label)


def _failure(out: TextIO, source: Source | None, results: list[Result], findings: Findings | None) -> Outcome:
    """The input items unchanged, error results, no generated item; exit code 1."""
    pairs = findings or []
    item_texts: list[str] = []
    if source is not None:
        try:
            item_texts = source.entries([True] * len(source.spans))
        except ConfigError as exc:
            results = results + exc.results
    out.write(HEADER + ("items:\n" if item_texts else "items: []\n"))
    out.writelines(item_texts)
    _write_results(out, _results(pairs) + [r.to_krm() for r in results])
    messages = [_line(i, r) for i, r in pairs if r.severity == "error"] + [r.line() for r in results]
    return Outcome(messages, exit_code=1)
