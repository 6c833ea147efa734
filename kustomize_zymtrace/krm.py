"""KRM function mode: a config.kubernetes.io/v1 ResourceList in, one out (kpt, kustomize exec/container).

Items the function does not own are copied through as the exact text they came in, so kpt writes the
user's files back untouched (quotes, flow style and comments included). Items generated on an earlier
run carry the generated-by annotation and are replaced, so a re-render is idempotent and prunes.
"""

from __future__ import annotations

import posixpath
from typing import Any, NamedTuple, TextIO

import yaml

from . import yamlio
from .api import API_VERSION, FINISH_KIND, KIND
from .render.context import GENERATED_BY
from .results import ConfigError, Result, error, sort_key

RESOURCE_LIST = "ResourceList"
HEADER = f"apiVersion: config.kubernetes.io/v1\nkind: {RESOURCE_LIST}\n"
LIST_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1")
PATH_ANNOTATIONS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
INDEX_ANNOTATIONS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")


class Outcome(NamedTuple):
    messages: list[str]  # stderr lines
    exit_code: int = 0


class Instance(NamedTuple):
    config: dict[str, Any]
    directory: str  # package directory of the config file, where its objects are placed

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


def process(data: str | bytes, out: TextIO) -> Outcome:
    """Run the function on a serialized ResourceList, writing the resulting ResourceList to `out`.

    Every instance is validated and prepared before the first generated object is written, so a
    failure leaves no generated item; then the objects are written one instance at a time, which
    keeps memory flat however many instances the list holds."""
    try:
        text = yamlio.decode(data, "ResourceList")
        resource_list, item_texts = _parse(text)
    except ConfigError as exc:
        return _failure(out, [], exc.results, None)
    items = resource_list.get("items") or []
    if _kind(resource_list.get("functionConfig")) == FINISH_KIND:
        return _finish_items(out, items, item_texts)
    try:
        instances = _instances(resource_list)
    except ConfigError as exc:
        return _failure(out, item_texts, exc.results, None)

    from .loading import load
    from .render import objects, prepare

    prepared = []
    findings: list[tuple[Instance, Result]] = []
    failed = False
    for instance in instances:
        try:
            backend, warnings = load(instance.config)
            ctx, notes = prepare(backend)
        except ConfigError as exc:
            findings += [(instance, r) for r in exc.results]
            failed = True
            continue
        findings += [(instance, r) for r in warnings + notes]
        prepared.append((instance, ctx))
    if failed:
        return _failure(out, item_texts, [], findings)

    owners = {i.identity for i in instances}
    prune_all = resource_list.get("functionConfig") is None
    kept = [
        text
        for item, text in zip(items, item_texts, strict=True)
        if not _generated_by(item, owners, prune_all=prune_all)
    ]
    out.write(HEADER + ("items:\n" if kept or prepared else "items: []\n"))
    out.writelines(kept)
    for instance, ctx in prepared:
        out.writelines(_entry(yamlio.dump(_place(obj, instance))) for obj in objects(ctx))
    _write_results(out, _results(findings))
    return Outcome([_line(i, r) for i, r in findings])


def _kind(obj: Any) -> Any:
    return obj.get("kind") if isinstance(obj, dict) else None


def _finish_items(out: TextIO, items: list[Any], item_texts: list[str]) -> Outcome:
    """The finishing pass as a KRM function: items it changed are re-written, the others kept as they came."""
    import copy

    from .finish import finish

    before = copy.deepcopy(items)
    try:
        finished, notes = finish([i for i in items if isinstance(i, dict)])
    except ConfigError as exc:
        return _failure(out, item_texts, exc.results, None)
    del finished  # finish() changes the items in place
    out.write(HEADER + ("items:\n" if items else "items: []\n"))
    for item, old, text in zip(items, before, item_texts, strict=True):
        out.write(text if item == old else _entry(yamlio.dump(item)))
    _write_results(out, [r.to_krm() for r in notes])
    return Outcome([r.line() for r in notes])


def _parse(text: str) -> tuple[dict[str, Any], list[str]]:
    resource_list, root = yamlio.load_with_node(text, "ResourceList")
    if not isinstance(resource_list, dict):
        raise ConfigError([error("", "stdin must hold one ResourceList document")])
    if resource_list.get("kind") != RESOURCE_LIST or resource_list.get("apiVersion") not in LIST_VERSIONS:
        found = f"{resource_list.get('apiVersion')}/{resource_list.get('kind')}"
        raise ConfigError([error("", f"stdin must be a config.kubernetes.io/v1 ResourceList, found {found}")])
    items = resource_list.get("items")
    if items is None:
        items = resource_list["items"] = []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ConfigError([error("items", "must be a list of Kubernetes objects")])
    return resource_list, _item_texts(text, root, items)


def _instances(resource_list: dict[str, Any]) -> list[Instance]:
    items = resource_list["items"]
    config = resource_list.get("functionConfig")
    if config is not None:
        if not isinstance(config, dict) or config.get("kind") != KIND:
            kind = config.get("kind") if isinstance(config, dict) else type(config).__name__
            raise ConfigError([error("functionConfig", f"must be a {API_VERSION} {KIND}, found {kind}")])
        return [Instance(config, _directory_of(config, items))]
    configs = [item for item in items if item.get("kind") == KIND]
    if not configs:
        raise ConfigError([error("functionConfig", f"no {KIND}: set functionConfig or include one in items")])
    return [Instance(item, _directory_of(item, items)) for item in configs]


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
    candidates = [config] + [i for i in items if i.get("kind") == KIND and _metadata(i).get("name") == name]
    for candidate in candidates:
        annotations = _annotations(candidate)
        for key in PATH_ANNOTATIONS:
            if isinstance(annotations.get(key), str):
                return posixpath.dirname(str(annotations[key]))
    return ""


def _generated_by(item: dict[str, Any], owners: set[str], *, prune_all: bool) -> bool:
    mark = _annotations(item).get(GENERATED_BY)
    return mark is not None and (prune_all or mark in owners)


def _place(obj: dict[str, Any], instance: Instance) -> dict[str, Any]:
    """A stable file per object: <config dir>/generated/<instance>/<kind>_<name>.yaml."""
    filename = f"{obj['kind'].lower()}_{obj['metadata']['name']}.yaml"
    path = posixpath.join(instance.directory, "generated", instance.ref["name"], filename)
    annotations = obj["metadata"].setdefault("annotations", {})
    for key in PATH_ANNOTATIONS:
        annotations[key] = path
    for key in INDEX_ANNOTATIONS:
        annotations[key] = "0"
    return obj


# ------------------------------------------------------------------ output


def _item_texts(text: str, root: Any, items: list[dict[str, Any]]) -> list[str]:
    """The source text of each item as a block-sequence entry ('- ...'), or a fresh dump when the input
    cannot be sliced safely (flow style, aliases)."""
    slices: list[str | None] = [None] * len(items)
    sequence = next((v for k, v in root.value if getattr(k, "value", None) == "items"), None)
    if isinstance(sequence, yaml.SequenceNode) and not sequence.flow_style and len(sequence.value) == len(items):
        slices = [_slice(text, node) for node in sequence.value]
    return [s if s is not None else _entry(yamlio.dump(item)) for s, item in zip(slices, items, strict=True)]


def _slice(text: str, node: Any) -> str | None:
    if getattr(node, "flow_style", False) or not isinstance(node, yaml.MappingNode):
        return None
    column = node.start_mark.column
    source = text[node.start_mark.index : node.end_mark.index].rstrip()
    if "&" in source or "*" in source:
        return None  # possibly an anchor or alias, which would not survive being cut out
    lines = source.split("\n")
    shifted = [lines[0]]
    for line in lines[1:]:
        if line.startswith(" " * column):
            shifted.append(line[column:])
        elif not line.strip() or line.lstrip().startswith("#"):
            shifted.append(line.lstrip())
        else:
            return None
    return _entry("\n".join(shifted) + "\n")


def _entry(document: str) -> str:
    """A block YAML document as one entry of a block sequence."""
    lines = document.rstrip("\n").split("\n")
    return "\n".join(["- " + lines[0]] + [("  " + line) if line else line for line in lines[1:]]) + "\n"


def _write_results(out: TextIO, results: list[dict[str, Any]]) -> None:
    if results:
        out.write(yamlio.dump({"results": results}))


def _results(findings: list[tuple[Instance, Result]]) -> list[dict[str, Any]]:
    ranked = sorted(findings, key=lambda pair: sort_key(pair[1]))
    return [result.to_krm(instance.ref, _file(instance)) for instance, result in ranked]


def _file(instance: Instance) -> dict[str, Any] | None:
    annotations = _annotations(instance.config)
    path = next((annotations[k] for k in PATH_ANNOTATIONS if isinstance(annotations.get(k), str)), None)
    return {"path": path} if path else None


def _line(instance: Instance, result: Result) -> str:
    return result.line(instance.label)


def _failure(
    out: TextIO, item_texts: list[str], results: list[Result], findings: list[tuple[Instance, Result]] | None
) -> Outcome:
    """The input items unchanged, error results, no generated item; exit code 1."""
    pairs = findings or []
    out.write(HEADER + ("items:\n" if item_texts else "items: []\n"))
    out.writelines(item_texts)
    _write_results(out, _results(pairs) + [r.to_krm() for r in results])
    messages = [_line(i, r) for i, r in pairs if r.severity == "error"] + [r.line() for r in results]
    return Outcome(messages, exit_code=1)
