"""The validator every run uses: pydantic's core schema of the model, saved.

The models (standard-library dataclasses, see base.py) are the source of truth for keys, types, defaults
and messages. `compiled.json` holds the core schema pydantic builds for `ZymtraceBackend`
(`TypeAdapter(ZymtraceBackend).core_schema`, public API) as JSON, with each section class and validator
function named by its import path, and the default values tree. At run time pydantic-core's public
`SchemaValidator` is made from it, with the same classes put back: validation returns the model's own
types. What the file saves is pydantic's schema generation (about 250 ms a process: importing pydantic's
schema machinery and walking ~110 classes), not the classes.

The file carries a fingerprint of the model sources and of the installed pydantic and pydantic-core
versions. When it is missing or stale (edited models, another pydantic), the same artifact is built from
the models, so behaviour never depends on it, and kept inside the package (model/__pycache__) for the
next runs when the package directory is writable; nothing outside the package is ever read (see
docs/security.md, "What may write where"). Tests keep the committed file current and check,
property-based, that it validates exactly as the models do:

    python -m kustomize_zymtrace.model.compiled > kustomize_zymtrace/model/compiled.json
"""

import contextlib
import importlib
import importlib.util
import json
import os
import re
import stat
import types
from functools import cache
from typing import Any

from pydantic_core import SchemaError, SchemaValidator

from ..digest import sha256_hex

HERE = os.path.dirname(os.path.abspath(__file__))  # os.path, not pathlib: see cli._read
ARTIFACT = os.path.join(HERE, "compiled.json")
# Core-schema keys that only serve pydantic's JSON Schema and serialization, never validation.
DROPPED_KEYS = (
    "metadata",
    "serialization",
    "ref_json_schema",
    "root_model",
    "custom_init",
    "generic_origin",
)


def pydantic_version() -> str:
    """pydantic's version, read from its version module's text: importing the package would cost a
    render 10 ms (its __init__ and error machinery) for one string."""
    spec = importlib.util.find_spec("pydantic")
    origin = spec.origin if spec is not None else None
    if origin:
        try:
            with open(os.path.join(os.path.dirname(origin), "version.py"), encoding="utf-8") as file:
                found = re.search(r"^VERSION = ['\"]([^'\"]+)['\"]", file.read(), re.M)
        except OSError:
            found = None
        if found:
            return found.group(1)
    from pydantic.version import VERSION

    return VERSION


def fingerprint() -> str:
    import pydantic_core

    chunks = [f"pydantic {pydantic_version()}, pydantic-core {pydantic_core.__version__}\n".encode()]
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".py") and name != "compiled.py":
            with open(os.path.join(HERE, name), "rb") as source:
                chunks.append(name.encode() + b"\0" + source.read())
    return sha256_hex(*chunks)


# ------------------------------------------------------------------ build time (imports the models)


def build() -> dict[str, Any]:
    from pydantic import TypeAdapter

    from .backend import Spec, ZymtraceBackend
    from .defaults import default_values

    refs: dict[str, str] = {}
    schema = _portable(TypeAdapter(ZymtraceBackend).core_schema, refs)
    return {"fingerprint": fingerprint(), "defaults": default_values(Spec), "schema": schema}


def _portable(node: Any, refs: dict[str, str]) -> Any:
    """Core schema -> JSON: model classes and functions become import paths, default
    factories become their values, memory-address refs become stable names."""
    if isinstance(node, list):
        return [_portable(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "fields" and isinstance(value, dict):  # field names are data: a field may be called metadata
            out[key] = {name: _portable(field, refs) for name, field in value.items()}
            continue
        if key in DROPPED_KEYS or key == "default_factory_takes_data" or (key == "post_init" and not value):
            continue
        if key == "cls":
            out[key] = {"$class": f"{value.__module__}:{value.__qualname__}"}
        elif key == "function" and isinstance(value, dict) and callable(value.get("function")):
            function = value["function"]
            out[key] = {**value, "function": {"$function": f"{function.__module__}:{function.__qualname__}"}}
        elif key == "default_factory":
            out["default"] = _plain(value())
        elif key in ("ref", "schema_ref"):
            out[key] = refs.setdefault(value, f"{value.split(':')[0].rsplit('.', 1)[-1]}#{len(refs)}")
        else:
            out[key] = _portable(value, refs)
    return out


def _plain(value: Any) -> Any:
    json.dumps(value)  # a default that is not plain data would silently break the artifact
    return value


# ------------------------------------------------------------------ run time


_MODEL = __name__.rsplit(".", 1)[0]  # kustomize_zymtrace.model


@cache  # the file names a few dozen classes and functions, some of them a hundred times
def _import(path: str, kind: str) -> Any:
    module, _, name = path.partition(":")
    # Only the model's own classes and validators, defined where the file says (no attribute chains:
    # `compiled:os.system` would reach anything the module imported).
    if not (module == _MODEL or module.startswith(_MODEL + ".")) or not name.isidentifier():
        raise ImportError(f"{path} is outside the model")
    target = getattr(importlib.import_module(module), name)
    from .base import Strict

    ok = (
        isinstance(target, type) and issubclass(target, Strict)
        if kind == "$class"
        else isinstance(target, types.FunctionType)
    )
    if not ok or target.__module__ != module:
        raise ImportError(f"{path} is not a model {kind[1:]}")
    return target


def _resolve(node: dict[str, Any]) -> Any:
    """json.loads' object hook: a named class or function becomes the object itself."""
    if len(node) == 1:
        if "$class" in node:
            return _import(node["$class"], "$class")
        if "$function" in node:
            return _import(node["$function"], "$function")
    return node


# Far above the artifact's size (about 0.5 MB): a bound on what is read, never a limit it meets.
MAX_ARTIFACT_BYTES = 16 * 1024 * 1024


def _bounded_text(path: str, trusted_dir: os.stat_result | None = None) -> str | None:
    """The text of a regular file of at most MAX_ARTIFACT_BYTES, or None. Never follows a symbolic link
    at the last step and never waits: a FIFO or device there is refused, not opened for reading (a FIFO
    opened for reading would block until a writer comes). With `trusted_dir`, the file must also be owned
    by that directory's owner and writable by no one who cannot write the directory."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ARTIFACT_BYTES:
            return None
        if trusted_dir is not None and not _same_trust(status, trusted_dir):
            return None
        data = file.read(MAX_ARTIFACT_BYTES + 1)
    if len(data) > MAX_ARTIFACT_BYTES:
        return None  # grew while being read
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _same_trust(status: os.stat_result, directory: os.stat_result) -> bool:
    """Whoever can change `status`'s file can already change the package directory's code."""
    extra_writers = status.st_mode & ~directory.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return status.st_uid == directory.st_uid and not extra_writers


def _read(
    path: str, expected: str, trusted_dir: os.stat_result | None = None
) -> tuple[SchemaValidator, dict[str, Any]] | None:
    """The validator and defaults saved at `path`, if it was built from these models and versions."""
    text = _bounded_text(path, trusted_dir)
    # The fingerprint is the first key: check it before resolving (and so importing) anything.
    if text is None or f'"fingerprint": "{expected}"' not in text[:200]:
        return None
    try:
        artifact = json.loads(text, object_hook=_resolve)
        return SchemaValidator(artifact["schema"]), artifact["defaults"]
    except (ValueError, ImportError, AttributeError, KeyError, TypeError, RecursionError, SchemaError):
        return None  # damaged, or written for another pydantic-core


# A rebuilt artifact is kept only inside the package, in the model's own __pycache__ beside the Python
# bytecode: whoever can write there can change the package's code, so the copy trusts no one new. A cache
# under the user's home (which a CI system may restore from a cache other jobs write) is never read.
CACHE_DIR = os.path.join(HERE, "__pycache__")


def cache_file(expected: str) -> str:
    """Where an artifact rebuilt for the installed pydantic is kept for the next runs."""
    return os.path.join(CACHE_DIR, f"compiled-{expected[:32]}.json")


def _cached(expected: str) -> tuple[SchemaValidator, dict[str, Any]] | None:
    """The kept rebuild, if it and its directory belong to the package directory's owner and can be
    written by no one else who cannot write the package (a __pycache__ that is a link to elsewhere, a
    file planted by another user or left writable for a group: not read)."""
    try:
        package = os.stat(HERE)
        directory = os.lstat(CACHE_DIR)
    except OSError:
        return None
    if not stat.S_ISDIR(directory.st_mode) or not _same_trust(directory, package):
        return None
    return _read(cache_file(expected), expected, package)


def _save(path: str, text: str) -> None:
    """Best effort: a package directory the user cannot write (a system or read-only install) only costs
    each run the rebuild; older rebuilds (other model sources or pydantic versions) are removed."""
    directory = os.path.dirname(path)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        os.makedirs(directory, mode=0o755, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
        for name in os.listdir(directory):
            if name.startswith("compiled-") and name.endswith(".json") and name != os.path.basename(path):
                os.unlink(os.path.join(directory, name))
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # a full disk leaves no partial file behind, run after run


@cache
def _compiled() -> tuple[SchemaValidator, dict[str, Any]]:
    expected = fingerprint()
    found = _read(ARTIFACT, expected) or _cached(expected)
    if found is not None:
        return found
    text = json.dumps(build())
    _save(cache_file(expected), text)
    artifact = json.loads(text, object_hook=_resolve)
    return SchemaValidator(artifact["schema"]), artifact["defaults"]


def validator() -> SchemaValidator:
    return _compiled()[0]


def defaults() -> dict[str, Any]:
    """The spec's default values tree (do not mutate: merge_values copies it)."""
    return _compiled()[1]


if __name__ == "__main__":
    print(json.dumps(build(), indent=1))  # field order is output order: never sort
