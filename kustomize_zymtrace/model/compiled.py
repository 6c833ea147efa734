"""The validator every run uses: the pydantic models' own core schema, saved.

The models are the source of truth for keys, types, defaults and messages. `compiled.json` holds
`ZymtraceBackend.__pydantic_core_schema__` (pydantic's public attribute) as JSON, with each model class
and validator function named by its import path, and the default values tree; at run time
pydantic-core's public `SchemaValidator` is made from it.

Each model class is put back as `Section`, a plain attribute holder with the same fields, not as the
class itself: importing pydantic's model machinery and creating the ~90 classes costs a process about
400 ms on the benchmark machine (a render would take 3x the `import yaml, pydantic` floor instead of
1.4x). Measured with the classes put back, see docs/performance.md; `$class` keeps the name of each.

The file carries a fingerprint of the model sources and of the installed pydantic and pydantic-core
versions. When it is missing or stale (edited models, another pydantic), the same artifact is built in
memory from the models, so behaviour never depends on it; tests keep the committed file current and
check, property-based, that it validates exactly as the models do:

    python -m kustomize_zymtrace.model.compiled > kustomize_zymtrace/model/compiled.json
"""

import hashlib
import importlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic_core import SchemaError, SchemaValidator

HERE = Path(__file__).parent
ARTIFACT = HERE / "compiled.json"
# Core-schema keys that only serve pydantic's JSON Schema and serialization, never validation.
DROPPED_KEYS = (
    "metadata",
    "serialization",
    "ref_json_schema",
    "post_init",
    "root_model",
    "custom_init",
    "generic_origin",
)


class Section:
    """A validated section of the config: its fields as attributes, filled in by pydantic-core."""

    __slots__ = ("__dict__", "__pydantic_extra__", "__pydantic_fields_set__", "__pydantic_private__")

    def __repr__(self) -> str:
        return f"Section({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def fingerprint() -> str:
    import pydantic_core
    from pydantic.version import VERSION

    digest = hashlib.sha256(f"pydantic {VERSION}, pydantic-core {pydantic_core.__version__}\n".encode())
    for source in sorted(HERE.glob("*.py")):
        if source.name != "compiled.py":
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


# ------------------------------------------------------------------ build time (imports the models)


def build() -> dict[str, Any]:
    from .backend import Spec, ZymtraceBackend
    from .defaults import default_values

    ZymtraceBackend.model_rebuild()
    refs: dict[str, str] = {}
    schema = _portable(ZymtraceBackend.__pydantic_core_schema__, refs)
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
        if key == "fields":  # field names are data, not schema keys: a field may be called metadata
            out[key] = {name: _portable(field, refs) for name, field in value.items()}
            continue
        if key in DROPPED_KEYS or key == "default_factory_takes_data":
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
    if hasattr(value, "model_dump"):
        return value.model_dump(by_alias=True, exclude_none=True)
    json.dumps(value)  # a default that is not plain data would silently break the artifact
    return value


# ------------------------------------------------------------------ run time


def _resolve(node: Any) -> Any:
    if isinstance(node, list):
        return [_resolve(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$class" in node:
        return Section
    if "$function" in node:
        module, name = node["$function"].split(":")
        target: Any = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
        return target
    return {key: _resolve(value) for key, value in node.items()}


def _load_artifact() -> dict[str, Any] | None:
    try:
        artifact = json.loads(ARTIFACT.read_text())
    except (OSError, ValueError):
        return None
    return artifact if artifact.get("fingerprint") == fingerprint() else None


@cache
def _compiled() -> tuple[SchemaValidator, dict[str, Any]]:
    artifact = _load_artifact()
    if artifact is not None:
        try:
            return SchemaValidator(_resolve(artifact["schema"])), artifact["defaults"]
        except SchemaError:
            pass  # written by another pydantic-core: rebuild below
    artifact = build()
    return SchemaValidator(_resolve(artifact["schema"])), artifact["defaults"]


def validator() -> SchemaValidator:
    return _compiled()[0]


def defaults() -> dict[str, Any]:
    """The spec's default values tree (do not mutate: merge_values copies it)."""
    return _compiled()[1]


if __name__ == "__main__":
    print(json.dumps(build(), indent=1))  # field order is output order: never sort
