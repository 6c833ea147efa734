"""`kustomize-zymtrace doctor DIR`: finds the kustomization shapes in which kustomize silently renders
nothing of the backend, or cannot apply a config patch, and says what to do instead.

What kustomize does (kustomize v5, checked by tests/test_doctor.py against the pinned release):
- A ZymtraceBackend under `resources:` stays a plain resource; it carries local-config, so kustomize
  drops it from the output: empty output, exit 0. It must be listed under `generators:`.
- A kustomization's patches apply to its resources and to what its generators produced, never to a
  generator's config. So an overlay that does `resources: [../base]` (whose generator already ran) or
  `generators: [...]` cannot patch the config: a strategic-merge patch fails with "no matches for Id",
  a JSON 6902 patch with a target is silently ignored. The config is patched in a generator
  directory: a kustomization whose resources hold the config (`resources: [../../base/generator]`) and
  whose patches change it, listed under the overlay's `generators:`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from . import yamlio
from .api import KIND
from .results import ConfigError, Result, error, warning

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class Config(NamedTuple):
    name: str
    file: Path


class Walk(NamedTuple):
    root: Path
    findings: list[Result]
    generator_configs: list[Config]


def _kustomization(directory: Path) -> tuple[Path, dict[str, Any]] | None:
    for name in KUSTOMIZATION_FILES:
        path = directory / name
        if path.is_file():
            documents = yamlio.load_all(path.read_bytes(), str(path))
            body = documents[0] if documents else None
            return path, body if isinstance(body, dict) else {}
    return None


def _documents(path: Path) -> list[dict[str, Any]]:
    try:
        return [d for d in yamlio.load_all(path.read_bytes(), str(path)) if isinstance(d, dict)]
    except (ConfigError, OSError):
        return []  # kustomize itself reports a file it cannot read


def _configs_in(path: Path) -> list[Config]:
    return [
        Config(str((d.get("metadata") or {}).get("name", "")), path) for d in _documents(path) if d.get("kind") == KIND
    ]


def _entries(body: dict[str, Any], key: str) -> list[str]:
    return [e for e in body.get(key) or [] if isinstance(e, str) and "://" not in e and not e.startswith("github.com")]


def _where(walk: Walk, path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path.absolute()) if relative.startswith("..") else relative


def _patch_targets(directory: Path, body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(description, kind, name) of every patch; kind and name as far as the patch says."""
    out: list[tuple[str, str, str]] = []
    for n, patch in enumerate(body.get("patches") or []):
        if not isinstance(patch, dict):
            continue
        target = patch.get("target") or {}
        documents: list[Any] = []
        if patch.get("path"):
            documents = _documents(directory / str(patch["path"]))
        elif isinstance(patch.get("patch"), str):
            try:
                documents = [d for d in yamlio.load_all(patch["patch"], "patch") if isinstance(d, dict)]
            except ConfigError:
                documents = []
        label = f"patches[{n}]" + (f" ({patch['path']})" if patch.get("path") else "")
        if target:
            out.append((label, str(target.get("kind", "")), str(target.get("name", ""))))
        for document in documents:
            out.append((label, str(document.get("kind", "")), str((document.get("metadata") or {}).get("name", ""))))
    for n, entry in enumerate(body.get("patchesStrategicMerge") or []):
        if isinstance(entry, str) and (directory / entry).is_file():
            for document in _documents(directory / entry):
                name = str((document.get("metadata") or {}).get("name", ""))
                out.append((f"patchesStrategicMerge[{n}]", str(document.get("kind", "")), name))
    for n, entry in enumerate(body.get("patchesJson6902") or []):
        if isinstance(entry, dict):
            target = entry.get("target") or {}
            out.append((f"patchesJson6902[{n}]", str(target.get("kind", "")), str(target.get("name", ""))))
    return out


def _visit(walk: Walk, directory: Path, generator_input: bool, seen: set[Path]) -> list[Config]:
    """The ZymtraceBackend configs among `directory`'s output resources; problems go to walk.findings."""
    found = _kustomization(directory)
    if found is None or directory.resolve() in seen:
        return []
    seen = seen | {directory.resolve()}
    path, body = found
    configs: list[Config] = []
    for entry in _entries(body, "resources"):
        target = directory / entry
        configs += _visit(walk, target, generator_input, seen) if target.is_dir() else _configs_in(target)
    for entry in _entries(body, "generators"):
        target = directory / entry
        walk.generator_configs.extend(_visit(walk, target, True, seen) if target.is_dir() else _configs_in(target))
    for label, kind, name in _patch_targets(directory, body):
        if kind != KIND:
            continue
        where = f"{_where(walk, path)}: {label}"
        if not configs:
            walk.findings.append(
                error(
                    "",
                    f"{where} patches the {KIND} config, but no config is among this "
                    f"kustomization's resources, so the patch matches nothing (kustomize patches what generators "
                    f"produced, never their config; a base's generator has already run). Patch the config in a "
                    f"generator directory instead: {_where(walk, directory / 'generator')}/kustomization.yaml with "
                    f"resources: [<the base's generator directory>] and this patch, and generators: [generator] "
                    f"in {_where(walk, path)}",
                )
            )
        elif name and name not in {c.name for c in configs}:
            names = ", ".join(sorted({c.name for c in configs}))
            walk.findings.append(
                error(
                    "", f"{where} targets {KIND}/{name}, but the config here is named {names}: kustomize finds no match"
                )
            )
    if not generator_input and configs and directory == walk.root:
        for config in configs:
            walk.findings.append(
                error(
                    "",
                    f"{_where(walk, config.file)}: the {KIND} config {config.name!r} reaches "
                    f"{_where(walk, path)} through resources:, where kustomize keeps it as a plain resource and then "
                    f"drops it (local-config): nothing renders. List it, or the directory that holds it, under "
                    f"generators: instead",
                )
            )
    return configs


def diagnose(directory: Path) -> list[Result]:
    """Every problem of the kustomization in `directory` (and what it includes) with the generator."""
    if _kustomization(directory) is None:
        raise ConfigError([error("", f"{directory}: no kustomization.yaml")])
    walk = Walk(directory.resolve(), [], [])
    _visit(walk, directory, False, set())
    if not walk.generator_configs and not walk.findings:
        walk.findings.append(
            warning(
                "",
                f"{directory}: no {KIND} config under generators: (directly or through "
                "a base): kustomize renders nothing of the zymtrace backend",
            )
        )
    return walk.findings + pruning_note(walk.generator_configs)


def pruning_note(configs: list[Config]) -> list[Result]:
    """kubectl's pruners read no keep annotation: say so wherever protected volume claims are rendered
    (every config unless it turns gitops.protectVolumes off)."""
    protected = [
        c
        for c in configs
        for d in _documents(c.file)
        if d.get("kind") == KIND and ((d.get("spec") or {}).get("gitops") or {}).get("protectVolumes") is not False
    ]
    if not protected:
        return []
    return [
        Result(
            "kubectl apply --prune (-l or --applyset) deletes volume claims whatever gitops.protectVolumes says: "
            "prune with the allowlist of docs/guide.md (Pruning and the data volumes), or with Flux, Argo CD or "
            "kpt live",
            severity="info",
        )
    ]
