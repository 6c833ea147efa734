"""One side of a diff -> its Kubernetes objects, keyed by identity.

A side is a ZymtraceBackend config (rendered here), a rendered YAML stream (a file or '-'), a hydrated
directory (every *.yaml under it, kustomization files left out) or REV:path of the current git repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, NamedTuple

from .. import yamlio
from ..api import KIND
from ..render.context import Obj
from ..results import ConfigError, Result

LOCAL_CONFIG = "config.kubernetes.io/local-config"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
LISTS = ("List", "ResourceList")
MAX_FILES = 10_000  # in a hydrated directory or a git tree: the backend is about 45

# Where the review reads into an object, what Kubernetes gives each field: (path, type, required). `*` is
# every entry of a list. A field of another type is an input error naming it (the API server would
# reject the object too); a missing optional one, or null, is unset.
_POD = "spec.template.spec"
_CONTAINER_SHAPES: tuple[tuple[str, type, bool], ...] = (
    ("", list, False),
    (".*", dict, False),
    (".*.name", str, True),
    (".*.securityContext", dict, False),
    (".*.securityContext.capabilities", dict, False),
    (".*.securityContext.capabilities.add", list, False),
    (".*.securityContext.capabilities.add.*", str, False),
    (".*.securityContext.capabilities.drop", list, False),
    (".*.securityContext.capabilities.drop.*", str, False),
    (".*.securityContext.seccompProfile", dict, False),
    (".*.ports", list, False),
    (".*.ports.*", dict, False),
    (".*.env", list, False),
    (".*.env.*", dict, False),
    (".*.env.*.valueFrom", dict, False),
    (".*.env.*.valueFrom.configMapKeyRef", dict, False),
    (".*.env.*.valueFrom.configMapKeyRef.name", str, True),
    (".*.env.*.valueFrom.secretKeyRef", dict, False),
    (".*.env.*.valueFrom.secretKeyRef.name", str, True),
    (".*.envFrom", list, False),
    (".*.envFrom.*", dict, False),
    (".*.envFrom.*.configMapRef", dict, False),
    (".*.envFrom.*.configMapRef.name", str, True),
    (".*.envFrom.*.secretRef", dict, False),
    (".*.envFrom.*.secretRef.name", str, True),
)
SHAPES: tuple[tuple[str, type, bool], ...] = (
    ("metadata.annotations", dict, False),
    ("metadata.labels", dict, False),
    ("spec", dict, False),
    ("spec.selector", dict, False),
    ("spec.template", dict, False),
    ("spec.template.metadata", dict, False),
    ("spec.template.metadata.annotations", dict, False),
    (_POD, dict, False),
    (f"{_POD}.securityContext", dict, False),
    (f"{_POD}.securityContext.sysctls", list, False),
    (f"{_POD}.securityContext.sysctls.*", dict, False),
    (f"{_POD}.securityContext.seccompProfile", dict, False),
    (f"{_POD}.volumes", list, False),
    (f"{_POD}.volumes.*", dict, False),
    (f"{_POD}.volumes.*.name", str, True),
    (f"{_POD}.volumes.*.persistentVolumeClaim", dict, False),
    (f"{_POD}.volumes.*.persistentVolumeClaim.claimName", str, True),
    (f"{_POD}.volumes.*.configMap", dict, False),
    (f"{_POD}.volumes.*.configMap.name", str, True),
    (f"{_POD}.volumes.*.secret", dict, False),
    (f"{_POD}.volumes.*.secret.secretName", str, True),
    *(
        (f"{_POD}.{field}{path}", kind, required)
        for field in ("initContainers", "containers", "ephemeralContainers")
        for path, kind, required in _CONTAINER_SHAPES
    ),
    ("spec.volumeClaimTemplates", list, False),
    ("spec.persistentVolumeClaimRetentionPolicy", dict, False),
    ("spec.resources", dict, False),
    ("spec.resources.requests", dict, False),
)
_TYPE_WORDS: dict[type, str] = {dict: "a mapping", list: "a list", str: "a string"}


class _Shape(NamedTuple):
    kind: type
    required: bool
    fields: dict[str, _Shape]  # what is under it ("*": every entry of a list)


def _shape_tree(table: tuple[tuple[str, type, bool], ...]) -> dict[str, _Shape]:
    """The table as a tree, so that checking an object visits only the fields it has."""
    root: dict[str, _Shape] = {}
    for path, kind, required in table:
        *parents, last = path.split(".")
        level = root
        for part in parents:
            level = level.setdefault(part, _Shape(dict, False, {})).fields
        level[last] = _Shape(kind, required, {})
    return root


_SHAPE_TREE = _shape_tree(SHAPES)


class Key(NamedTuple):
    """What makes two objects the same object to the API server."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


def key_of(obj: Obj) -> Key:
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    meta = obj.get("metadata") or {}
    return Key(group, str(obj["kind"]), str(meta.get("namespace") or ""), str(meta["name"]))


def load_side(spec: str) -> dict[Key, Obj]:
    """The objects one side of the diff stands for; a ConfigError (one line) when it cannot be read."""
    if spec != "-" and not Path(spec).exists() and _looks_like_revision(spec):
        return _index(_from_git(spec), spec)
    path = Path(spec)
    if spec != "-" and path.is_dir():
        return _index(_from_directory(path), spec)
    source = "stdin" if spec == "-" else spec
    return _index(_from_text(_read(spec), source), source)


def _read(spec: str) -> bytes:
    return yamlio.read(spec)


def _documents(text: str | bytes, source: str) -> list[tuple[Any, int]]:
    return [(d, line) for d, line in yamlio.load_documents(text, source) if d is not None]


def _from_text(text: str | bytes, source: str) -> list[Obj]:
    """A config file renders; anything else is a stream of objects."""
    documents = _documents(text, source)
    if documents and all(isinstance(d, dict) and d.get("kind") == KIND for d, _ in documents):
        return [obj for document, _ in documents for obj in _render(document, source)]
    return _objects(documents, source)


def _render(document: Any, source: str) -> list[Obj]:
    from ..loading import load
    from ..render import render

    try:
        backend, _ = load(document)  # warnings belong to `render`; a review reports consequences
    except ConfigError as exc:  # every error, each naming the side it is about
        errors = [r for r in exc.results if r.severity == "error"] or exc.results
        raise ConfigError(
            [Result(f"{source}: invalid {KIND}: {r.line().removeprefix('[error] ')}") for r in errors]
        ) from None
    return render(backend)


def _objects(documents: list[tuple[Any, int]], source: str) -> list[Obj]:
    """The Kubernetes objects of a stream; configs kept out of the cluster (local-config) are left out.
    A List (kubectl get -o yaml) or ResourceList (a KRM function's output) stands for its items."""
    objects = []
    for number, (document, line) in enumerate(_expanded(documents), 1):
        problem = yamlio.object_problem(document) or _shape_problem(document)
        if problem:
            raise yamlio.not_an_object(source, number, line, problem)
        if str((document["metadata"].get("annotations") or {}).get(LOCAL_CONFIG, "")).lower() == "true":
            continue
        objects.append(document)
    return objects


def _expanded(documents: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []
    for document, line in documents:
        if isinstance(document, dict) and document.get("kind") in LISTS and isinstance(document.get("items"), list):
            out += [(item, line) for item in document["items"]]
        else:
            out.append((document, line))
    return out


def _shape_problem(obj: Obj) -> str:
    """The first field the review reads that does not have the type Kubernetes gives it ('' if none)."""
    return _fields_problem(obj, _SHAPE_TREE, "")


def _fields_problem(value: dict[str, Any], fields: dict[str, _Shape], where: str) -> str:
    for name, shape in fields.items():
        path = f"{where}.{name}" if where else name
        child = value.get(name)
        if child is None:
            if shape.required:
                return f"{path} is required"
            continue
        if not isinstance(child, shape.kind):
            return f"{path} must be {_TYPE_WORDS[shape.kind]}, found {_found(child)}"
        problem = _entries_problem(child, shape, path) if isinstance(child, list) else ""
        if not problem and isinstance(child, dict) and shape.fields:
            problem = _fields_problem(child, shape.fields, path)
        if problem:
            return problem
    return ""


def _entries_problem(items: list[Any], shape: _Shape, path: str) -> str:
    entry = shape.fields.get("*")
    if entry is None:
        return ""
    for number, item in enumerate(items):
        if not isinstance(item, entry.kind):
            return f"{path}[{number}] must be {_TYPE_WORDS[entry.kind]}, found {_found(item)}"
        if isinstance(item, dict) and entry.fields:
            problem = _fields_problem(item, entry.fields, f"{path}[{number}]")
            if problem:
                return problem
    return ""


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else repr(value) if isinstance(value, (bool, int, float)) else "a string"


def _from_directory(directory: Path) -> list[Obj]:
    files = []
    for path in directory.rglob("*.yaml"):
        if path.name not in KUSTOMIZATION_FILES and path.is_file():
            files.append(path)
            if len(files) > MAX_FILES:
                raise ConfigError([Result(f"{directory}: more than {MAX_FILES} YAML files")])
    objects: list[Obj] = []
    total = 0
    for path in sorted(files):
        data = _read(str(path))
        total += len(data)
        if total > yamlio.MAX_BYTES:
            raise yamlio.too_large(str(directory))
        documents = _documents(data, str(path))
        if any(isinstance(d, dict) and d.get("kind") == "Kustomization" for d, _ in documents):
            continue
        objects += _objects(documents, str(path))
    return objects


def _looks_like_revision(spec: str) -> bool:
    revision, sep, _ = spec.partition(":")
    return bool(sep and revision) and not Path(revision).exists()


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ConfigError([Result(f"cannot run git: {exc.strerror or exc}")]) from None
    if done.returncode:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise ConfigError([Result(f"git {' '.join(args)}: {message}")])
    return done.stdout


def _git_file(where: str) -> str:
    """A file's content at a revision; its size is asked first, so a huge blob is refused unread."""
    size = _git("cat-file", "-s", where).strip()
    if not size.isdigit() or int(size) > yamlio.MAX_BYTES:
        raise yamlio.too_large(where)
    return _git("show", where)


def _from_git(spec: str) -> list[Obj]:
    """REV:path: a file is read like any file; a directory like a hydrated directory."""
    revision, _, path = spec.partition(":")
    kind = _git("cat-file", "-t", f"{revision}:{path}").strip()
    if kind != "tree":
        return _from_text(_git_file(f"{revision}:{path}"), spec)
    # Names relative to the tree itself, then read back as REV:path/name (git's root-relative form).
    listing = _git("ls-tree", "-r", "--name-only", f"{revision}:{path}")
    names = [n for n in listing.splitlines() if n.endswith(".yaml") and Path(n).name not in KUSTOMIZATION_FILES]
    if len(names) > MAX_FILES:
        raise ConfigError([Result(f"{spec}: more than {MAX_FILES} YAML files")])
    objects: list[Obj] = []
    total = 0
    for name in sorted(names):
        where = f"{revision}:{path.rstrip('/')}/{name}" if path.strip("/") else f"{revision}:{name}"
        text = _git_file(where)
        total += len(text)
        if total > yamlio.MAX_BYTES:
            raise yamlio.too_large(spec)
        documents = _documents(text, where)
        if not any(isinstance(d, dict) and d.get("kind") == "Kustomization" for d, _ in documents):
            objects += _objects(documents, where)
    return objects


def _index(objects: list[Obj], source: str) -> dict[Key, Obj]:
    indexed: dict[Key, Obj] = {}
    for obj in objects:
        key = key_of(obj)
        if key in indexed:
            raise ConfigError([Result(f"{source}: {key} appears twice")])
        indexed[key] = obj
    if not indexed:
        raise ConfigError([Result(f"{source}: no Kubernetes objects")])
    return indexed
