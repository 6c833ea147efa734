"""Shared test helpers: rendering configs, running the real tools, strict schema validation."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
PLUGIN_HOME = ROOT / "plugin"
KUBERNETES_VERSION = "1.30.0"
NOT_IN_SCHEMA = ("monitoring.coreos.com",)  # CRDs kubernetes-validate has no schema for

# Every object rendered during the current test; the autouse fixture in conftest validates them.
RENDERED: list[dict[str, Any]] = []
_VALID: set[str] = set()


def config(spec: dict[str, Any] | None = None, *, name: str = "zymtrace", namespace: str = "zymtrace") -> dict:
    return {
        "apiVersion": "zymtrace.io/v1alpha1",
        "kind": "ZymtraceBackend",
        "metadata": {"name": name, "namespace": namespace},
        "spec": copy.deepcopy(spec or {}),
    }


def render(spec: dict[str, Any] | None = None, **meta: str) -> list[dict[str, Any]]:
    """Render in-process (through the same loader and renderer as every adapter) and record the objects."""
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render as render_objects

    backend, _ = load(config(spec, **meta))
    objects = render_objects(backend)
    RENDERED.extend(copy.deepcopy(objects))
    return objects


def render_errors(spec: dict[str, Any], **meta: str) -> list[Any]:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.results import ConfigError

    with pytest.raises(ConfigError) as caught:
        load(config(spec, **meta))
    return caught.value.results


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} matches among {names(objects)}"
    return matches[0]


def find_prefix(objects: list[dict[str, Any]], kind: str, prefix: str) -> dict[str, Any]:
    """Jobs carry a hash suffix: find one by its stable prefix."""
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"].startswith(prefix)]
    assert len(matches) == 1, f"{kind}/{prefix}*: {len(matches)} matches"
    return matches[0]


def names(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objects)


def kinds(objects: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for obj in objects:
        counts[obj["kind"]] = counts.get(obj["kind"], 0) + 1
    return counts


def containers(workload: dict[str, Any], *, init: bool = False) -> list[dict[str, Any]]:
    pod = workload["spec"]["template"]["spec"]
    return pod.get("initContainers", []) if init else pod["containers"]


def env_names(container: dict[str, Any]) -> list[str]:
    return [e["name"] for e in container.get("env", [])]


def env_from_names(container: dict[str, Any]) -> list[str]:
    return [next(iter(source.values()))["name"] for source in container["envFrom"]]


def secret_data(secret: dict[str, Any]) -> dict[str, str]:
    """A Secret's keys and their text, as a pod reads them: data decoded, stringData over it."""
    values = {key: base64.b64decode(value).decode() for key, value in (secret.get("data") or {}).items()}
    return values | dict(secret.get("stringData") or {})


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def record(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Register objects produced by a real tool run for strict validation."""
    RENDERED.extend(copy.deepcopy(o) for o in objects)
    return objects


def strict_validate(objects: list[dict[str, Any]]) -> None:
    import kubernetes_validate

    problems = []
    for obj in objects:
        if any(group in obj.get("apiVersion", "") for group in NOT_IN_SCHEMA):
            continue
        key = hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()
        if key in _VALID:
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except Exception as exc:
            problems.append(f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}: {str(exc).splitlines()[0]}")
            continue
        _VALID.add(key)
    assert not problems, "objects fail strict Kubernetes 1.30 validation:\n" + "\n".join(problems)


TOOLS_BIN = ROOT / ".tools" / "bin"


def tools_versions() -> dict[str, str]:
    """The pinned versions hack/install-tools installs (hack/tools.versions, NAME=VALUE lines)."""
    pairs = (line.split("=", 1) for line in (ROOT / "hack" / "tools.versions").read_text().splitlines())
    return {key.strip(): value.strip() for key, *rest in pairs for value in rest if not key.startswith("#")}


def find_tool(name: str) -> str | None:
    """The pinned tool from .tools/bin (hack/install-tools), else the one on PATH."""
    pinned = TOOLS_BIN / name
    if pinned.is_file() and os.access(pinned, os.X_OK):
        return str(pinned)
    return shutil.which(name)


def _missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (required in CI)")
    pytest.skip(message)


def tool_file(relative: str) -> Path:
    """A file hack/install-tools puts under .tools (e.g. a CRD); missing: skip locally, fail in CI."""
    path = TOOLS_BIN.parent / relative
    if not path.is_file():
        _missing(f".tools/{relative} is not installed: run hack/install-tools")
    return path


def tool(name: str) -> str:
    """Path of a real tool; missing means skip locally but fail in CI (CI=true)."""
    path = find_tool(name)
    if path:
        return path
    _missing(f"{name} is not installed: run hack/install-tools")
    raise AssertionError  # unreachable: _missing skips or fails


def tool_env(**extra: str) -> dict[str, str]:
    """The environment for real tool runs: this interpreter's bin first so the console script is found."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    kw.setdefault("env", tool_env())
    return subprocess.run(cmd, check=False, **kw)


def cli(*args: str, stdin: str | bytes | None = None, **kw: Any) -> subprocess.CompletedProcess[Any]:
    """The installed console script, as a real process (bytes stdin gives bytes output)."""
    exe = shutil.which("kustomize-zymtrace", path=str(BIN_DIR)) or "kustomize-zymtrace"
    if isinstance(stdin, bytes):
        kw["text"] = False
    return run([exe, *args], input=stdin, **kw)


def kustomize_build(directory: Path) -> list[dict[str, Any]]:
    kubectl = tool("kubectl")
    result = run(
        [kubectl, "kustomize", "--enable-alpha-plugins", str(directory)],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
    )
    assert result.returncode == 0, result.stderr
    objects = docs(result.stdout)
    assert objects, f"kubectl kustomize {directory} rendered nothing"
    return record(objects)


def first_in_short_run(values: Iterable[Any], keep: int = 1) -> list[Any]:
    """Parameters of a costly test: the first `keep` run in the README's run, the rest only in the slow
    step (.ci/run runs both), so the README's run stays under 3 minutes on 2 cores."""
    return [value if n < keep else pytest.param(value, marks=pytest.mark.slow) for n, value in enumerate(values)]
