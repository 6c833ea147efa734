"""One side of a diff -> its Kubernetes objects, keyed by identity.

A side is a ZymtraceBackend config (rendered here), a rendered YAML stream (a file or '-'), a hydrated
directory (every *.yaml under it, kustomization files left out) or REV:path of the current git repository.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

from .. import yamlio
from ..api import KIND
from ..render.context import Obj
from ..results import ConfigError, Result

LOCAL_CONFIG = "config.kubernetes.io/local-config"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
LISTS = ("List", "ResourceList")


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
    return _index(_from_text(_read(spec), spec), spec)


def _read(spec: str) -> bytes:
    if spec == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(spec).read_bytes()
    except OSError as exc:
        raise ConfigError([Result(f"cannot read {spec}: {exc.strerror or exc}")]) from None


def _documents(text: str | bytes, source: str) -> list[Any]:
    return [d for d in yamlio.load_all(text, source) if d is not None]


def _from_text(text: str | bytes, source: str) -> list[Obj]:
    """A config file renders; anything else is a stream of objects."""
    documents = _documents(text, source)
    if documents and all(isinstance(d, dict) and d.get("kind") == KIND for d in documents):
        return [obj for document in documents for obj in _render(document, source)]
    return _objects(documents, source)


def _render(document: Any, source: str) -> list[Obj]:
    from ..loading import load
    from ..render import render

    try:
        backend, _ = load(document)  # warnings belong to `render`; a review reports consequences
    except ConfigError as exc:
        errors = [r for r in exc.results if r.severity == "error"] or exc.results
        more = f" (and {len(errors) - 1} more: `render {source}` lists them)" if len(errors) > 1 else ""
        problem = errors[0].line().removeprefix("[error] ")
        raise ConfigError([Result(f"{source}: invalid {KIND}: {problem}{more}")]) from None
    return render(backend)


def _objects(documents: list[Any], source: str) -> list[Obj]:
    """The Kubernetes objects of a stream; configs kept out of the cluster (local-config) are left out.
    A List (kubectl get -o yaml) or ResourceList (a KRM function's output) stands for its items."""
    objects = []
    for number, document in enumerate(_expanded(documents), 1):
        meta = document.get("metadata") if isinstance(document, dict) else None
        if not isinstance(meta, dict) or not meta.get("name") or not document.get("kind"):
            raise ConfigError([Result(f"{source}: document {number} is not a Kubernetes object")])
        if str((meta.get("annotations") or {}).get(LOCAL_CONFIG, "")).lower() == "true":
            continue
        objects.append(document)
    return objects


def _expanded(documents: list[Any]) -> list[Any]:
    out: list[Any] = []
    for document in documents:
        if isinstance(document, dict) and document.get("kind") in LISTS and isinstance(document.get("items"), list):
            out += document["items"]
        else:
            out.append(document)
    return out


def _from_directory(directory: Path) -> list[Obj]:
    files = sorted(p for p in directory.rglob("*.yaml") if p.name not in KUSTOMIZATION_FILES and p.is_file())
    objects: list[Obj] = []
    for path in files:
        documents = _documents(_read(str(path)), str(path))
        if any(isinstance(d, dict) and d.get("kind") == "Kustomization" for d in documents):
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


def _from_git(spec: str) -> list[Obj]:
    """REV:path: a file is read like any file; a directory like a hydrated directory."""
    revision, _, path = spec.partition(":")
    kind = _git("cat-file", "-t", f"{revision}:{path}").strip()
    if kind != "tree":
        return _from_text(_git("show", f"{revision}:{path}"), spec)
    # Names relative to the tree itself, then read back as REV:path/name (git's root-relative form).
    listing = _git("ls-tree", "-r", "--name-only", f"{revision}:{path}")
    objects: list[Obj] = []
    for name in sorted(listing.splitlines()):
        if not name.endswith(".yaml") or Path(name).name in KUSTOMIZATION_FILES:
            continue
        where = f"{revision}:{path.rstrip('/')}/{name}" if path.strip("/") else f"{revision}:{name}"
        documents = _documents(_git("show", where), where)
        if not any(isinstance(d, dict) and d.get("kind") == "Kustomization" for d in documents):
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
