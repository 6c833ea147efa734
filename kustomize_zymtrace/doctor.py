"""`kustomize-zymtrace doctor DIR`: finds the kustomization shapes in which kustomize silently renders
nothing of the backend, cannot apply a config patch, or changes the generated objects without the
finishing transformer, and says what to do instead.

What kustomize does (kustomize v5, checked by tests/test_doctor.py against the pinned release):
- A ZymtraceBackend under `resources:` stays a plain resource; it carries local-config, so kustomize
  drops it from the output: empty output, exit 0. It must be listed under `generators:`.
- A kustomization's patches apply to its resources and to what its generators produced, never to a
  generator's config. So an overlay that does `resources: [../base]` (whose generator already ran) or
  `generators: [...]` cannot patch the config: a strategic-merge patch fails with "no matches for Id",
  a JSON 6902 patch with a target is silently ignored. The config is patched in a generator
  directory: a kustomization whose resources hold the config (`resources: [../../base/generator]`) and
  whose patches change it, listed under the overlay's `generators:`.
- A kustomization's own transformers (images:, patches:, namespace:, ...) run after everything the
  kustomizations it includes did, so one that changes the generated objects must list the finishing
  transformer (ZymtraceFinish) last under `transformers:`, or Job names, checksums and addresses go stale.

Each kustomization is read once however many others include it; every file is read through the
bounded reader, and the walk stops at MAX_LEVELS nested kustomizations and BUDGET bytes read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from . import yamlio
from .api import FINISH_KIND, KIND
from .results import ConfigError, Result, error, warning

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_LEVELS = 100  # kustomizations including one another
BUDGET = 4 * yamlio.MAX_BYTES  # bytes read over the whole walk
# Fields with which a kustomization changes the objects of its resources and generators (patches,
# labels: and the generators count only as far as they do, see _changes).
TRANSFORMING = (
    "images",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "commonAnnotations",
    "replicas",
    "replacements",
    "vars",
)


class Config(NamedTuple):
    name: str
    file: Path
    protects_volumes: bool = True  # gitops.protectVolumes is not turned off in it


class Output(NamedTuple):
    """What a kustomization's output holds, as far as the generator is concerned."""

    configs: list[Config]  # ZymtraceBackend configs among its resources (not yet generated)
    generated: bool  # objects the generator made (by its own generators: or a resource's)


NOTHING = Output([], False)


class Walk:
    """The state of one diagnosis: what was found, and each kustomization's output once it is known."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.findings: list[Result] = []
        self.generator_configs: list[Config] = []
        self.outputs: dict[Path, Output] = {}
        self.open: set[Path] = set()  # kustomizations being visited: meeting one again is a cycle
        self.finish_configs: list[Path] = []  # directories or files holding a ZymtraceFinish
        self.read = 0

    def problem(self, message: str) -> None:
        if error("", message) not in self.findings:
            self.findings.append(error("", message))


class _Stop(Exception):
    """The walk's budget is spent: the diagnosis ends with what was found."""


def _where(path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path.absolute()) if relative.startswith("..") else relative


def _join(directory: Path, entry: str) -> Path:
    """A path a kustomization names, joined and cleaned lexically as kustomize does (Go's filepath.Join),
    so a long chain of `..` never grows into a name the system refuses."""
    return Path(os.path.normpath(directory / entry))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _read(walk: Walk, path: Path) -> bytes:
    data = yamlio.read(str(path))
    walk.read += len(data)
    if walk.read > BUDGET:
        walk.problem(f"{_where(walk.root)}: doctor read more than {BUDGET // 2**20} MiB of files and stopped there")
        raise _Stop
    return data


def _read_documents(walk: Walk, path: Path, *, only_with: str = "") -> list[dict[str, Any]]:
    """The mappings in a YAML file, through the bounded reader; `only_with`: parse only a file whose bytes
    contain that word (most resources are not the config, and parsing is the expensive part)."""
    data = _read(walk, path)
    if only_with and only_with.encode() not in data:
        return []
    return [d for d in yamlio.load_all(data, str(path)) if isinstance(d, dict)]


def _documents(walk: Walk, path: Path, owner: Path, label: str, *, only_with: str = "") -> list[dict[str, Any]]:
    """As _read_documents; a file that cannot be read or parsed is a finding naming who lists it."""
    try:
        return _read_documents(walk, path, only_with=only_with)
    except ConfigError as exc:
        walk.problem(f"{_where(owner)}: {label}: {exc.results[0].message}")
        return []


def _kustomization(walk: Walk, directory: Path) -> tuple[Path, dict[str, Any]] | None:
    for name in KUSTOMIZATION_FILES:
        path = directory / name
        try:
            if not path.is_file():
                continue
        except (OSError, ValueError):
            return None
        try:
            documents = [d for d in yamlio.load_all(_read(walk, path), str(path)) if d is not None]
        except ConfigError as exc:
            walk.problem(exc.results[0].message)
            return path, {}
        if not documents:
            return path, {}  # empty: kustomize builds nothing from it
        body = documents[0]
        if not isinstance(body, dict):
            walk.problem(f"{_where(path)}: not a kustomization (a mapping of fields such as resources:)")
            return path, {}
        return path, body
    return None


def _list(walk: Walk, path: Path, body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        walk.problem(f"{_where(path)}: {key}: must be a list, found {_kind_of(value)}")
        return []
    return value


def _entries(walk: Walk, path: Path, body: dict[str, Any], key: str) -> list[tuple[int, str]]:
    """(index, path) of the local entries of a list of paths; remote ones (URLs) are kustomize's."""
    out = []
    for n, entry in enumerate(_list(walk, path, body, key)):
        if not isinstance(entry, str):
            walk.problem(f"{_where(path)}: {key}[{n}]: must be a path, found {_kind_of(entry)}")
        elif "://" not in entry and not entry.startswith("github.com") and "\n" not in entry:
            out.append((n, entry))
    return out


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else repr(value)


def _configs_in(walk: Walk, path: Path, owner: Path, label: str) -> list[Config]:
    documents = _documents(walk, path, owner, label, only_with=KIND)
    return [
        Config(str(_meta(d).get("name", "")), path, _protects_volumes(d)) for d in documents if d.get("kind") == KIND
    ]


def _protects_volumes(config: dict[str, Any]) -> bool:
    spec = config.get("spec")
    gitops = spec.get("gitops") if isinstance(spec, dict) else None
    return not isinstance(gitops, dict) or gitops.get("protectVolumes") is not False


def _meta(document: dict[str, Any]) -> dict[str, Any]:
    meta = document.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _patch_targets(walk: Walk, directory: Path, path: Path, body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(description, kind, name) of every patch; kind and name as far as the patch says."""
    out: list[tuple[str, str, str]] = []
    for n, patch in enumerate(_list(walk, path, body, "patches")):
        label = f"patches[{n}]"
        if not isinstance(patch, dict):
            walk.problem(f"{_where(path)}: {label}: must be a mapping with path: or patch:, found {_kind_of(patch)}")
            continue
        target, file, inline = patch.get("target"), patch.get("path"), patch.get("patch")
        if target is not None and not isinstance(target, dict):
            walk.problem(
                f"{_where(path)}: {label}.target: must be a mapping (kind:, name:, ...), found {_kind_of(target)}"
            )
            continue
        documents: list[dict[str, Any]] = []
        if isinstance(file, str):
            label += f" ({file})"
            documents = _documents(walk, _join(directory, file), path, label)
        elif isinstance(inline, str):
            try:
                documents = [d for d in yamlio.load_all(inline, f"{_where(path)}: {label}") if isinstance(d, dict)]
            except ConfigError:
                documents = []  # a JSON 6902 patch, or one kustomize itself reports
        if target:
            out.append((label, str(target.get("kind", "")), str(target.get("name", ""))))
        for document in documents:
            out.append((label, str(document.get("kind", "")), str(_meta(document).get("name", ""))))
    for n, entry in _entries(walk, path, body, "patchesStrategicMerge"):
        for document in _documents(walk, _join(directory, entry), path, f"patchesStrategicMerge[{n}]"):
            name = str(_meta(document).get("name", ""))
            out.append((f"patchesStrategicMerge[{n}]", str(document.get("kind", "")), name))
    for n, entry in enumerate(_list(walk, path, body, "patchesJson6902")):
        target = entry.get("target") if isinstance(entry, dict) else None
        if isinstance(target, dict):
            out.append((f"patchesJson6902[{n}]", str(target.get("kind", "")), str(target.get("name", ""))))
    return out


def _visit(walk: Walk, directory: Path, level: int = 0) -> Output:
    """What `directory`'s kustomization outputs; problems go to walk.findings. Each kustomization is
    visited once: a base shared by many overlays costs one visit, not one per path to it."""
    try:
        key = directory.resolve()
    except (OSError, RuntimeError, ValueError):
        return NOTHING
    if key in walk.outputs:
        return walk.outputs[key]
    if key in walk.open:
        return NOTHING  # a cycle: kustomize reports it
    if level > MAX_LEVELS:
        walk.problem(f"{_where(directory)}: kustomizations nest more than {MAX_LEVELS} levels deep; doctor stops here")
        return NOTHING
    found = _kustomization(walk, directory)
    if found is None:
        return NOTHING
    walk.open.add(key)
    try:
        output = _output(walk, directory, *found, level)
    finally:
        walk.open.discard(key)
    walk.outputs[key] = output
    return output


def _output(walk: Walk, directory: Path, path: Path, body: dict[str, Any], level: int) -> Output:
    configs: list[Config] = []
    generated = False
    for n, entry in _entries(walk, path, body, "resources"):
        target = _join(directory, entry)
        if _is_dir(target):
            inner = _visit(walk, target, level + 1)
            configs += inner.configs
            generated = generated or inner.generated
        else:
            configs += _configs_in(walk, target, path, f"resources[{n}] ({entry})")
    for n, entry in _entries(walk, path, body, "generators"):
        target = _join(directory, entry)
        if _is_dir(target):
            inner = _visit(walk, target, level + 1)
            generator_configs, generated = inner.configs, generated or inner.generated
        else:
            generator_configs = _configs_in(walk, target, path, f"generators[{n}] ({entry})")
        walk.generator_configs += generator_configs
        generated = generated or bool(generator_configs)
    patches = _patch_targets(walk, directory, path, body)
    _check_config_patches(walk, directory, path, patches, configs)
    if generated:
        _check_finish(walk, directory, path, body, _changes(walk, directory, path, body, patches, level))
    if level == 0:
        for config in configs:
            walk.problem(
                f"{_where(config.file)}: the {KIND} config {config.name!r} reaches "
                f"{_where(path)} through resources:, where kustomize keeps it as a plain resource and then "
                f"drops it (local-config): nothing renders. List it, or the directory that holds it, under "
                f"generators: instead",
            )
    return Output(configs, generated)


def _check_config_patches(
    walk: Walk, directory: Path, path: Path, patches: list[tuple[str, str, str]], configs: list[Config]
) -> None:
    for label, kind, name in patches:
        if kind != KIND:
            continue
        where = f"{_where(path)}: {label}"
        if not configs:
            walk.problem(
                f"{where} patches the {KIND} config, but no config is among this "
                f"kustomization's resources, so the patch matches nothing (kustomize patches what generators "
                f"produced, never their config; a base's generator has already run). Patch the config in a "
                f"generator directory instead: {_where(directory / 'generator')}/kustomization.yaml with "
                f"resources: [<the base's generator directory>] and this patch, and generators: [generator] "
                f"in {_where(path)}",
            )
        elif name and name not in {c.name for c in configs}:
            names = ", ".join(sorted({c.name for c in configs}))
            walk.problem(
                f"{where} targets {KIND}/{name}, but the config here is named {names}: kustomize finds no match"
            )


def _changes(
    walk: Walk, directory: Path, path: Path, body: dict[str, Any], patches: list[tuple[str, str, str]], level: int
) -> list[str]:
    """The fields with which a kustomization changes the objects of its output, in its own words."""
    changes = [f"{field}:" for field in TRANSFORMING if body.get(field)]
    if any(kind != KIND for _, kind, _ in patches):  # a patch of the config itself is the other check's
        changes.append("patches:")
    labels = body.get("labels")
    if isinstance(labels, list) and any(
        isinstance(entry, dict) and (entry.get("includeTemplates") or entry.get("includeSelectors")) for entry in labels
    ):
        changes.append("labels: (into templates)")
    for field in ("configMapGenerator", "secretGenerator"):  # merging into or replacing an existing one
        entries = body.get(field)
        if isinstance(entries, list) and any(
            isinstance(e, dict) and e.get("behavior") in ("merge", "replace") for e in entries
        ):
            changes.append(f"{field}: (behavior merge or replace)")
    changes += [f"components: {entry}" for entry in _transforming_components(walk, directory, path, body, level)]
    return changes


def _check_finish(walk: Walk, directory: Path, path: Path, body: dict[str, Any], changes: list[str]) -> None:
    """A kustomization whose output holds generated objects and that transforms them must run the finishing
    transformer after its transformations: last under transformers:."""
    transformers = [
        _is_finish(walk, directory, path, n, entry) for n, entry in enumerate(_list(walk, path, body, "transformers"))
    ]
    if True in transformers:
        last = len(transformers) - 1 - transformers[::-1].index(True)
        if last != len(transformers) - 1:
            walk.problem(
                f"{_where(path)}: transformers[{last}] is the finishing transformer ({FINISH_KIND}), but "
                f"transformers after it change the objects again: list it last"
            )
        return
    if transformers:
        changes.append("transformers:")
    if not changes:
        return
    walk.problem(
        f"{_where(path)}: {', '.join(changes)} change the objects the {KIND} generator made, but this "
        f"kustomization does not run the finishing transformer ({FINISH_KIND}) after them, so Job names, "
        f"config checksums and in-cluster addresses go stale (the API server rejects a changed Job under its "
        f"old name). Add it last under transformers: {_finish_hint(walk, directory)}"
    )


def _finish_hint(walk: Walk, directory: Path) -> str:
    if walk.finish_configs:
        return f"- {os.path.relpath(walk.finish_configs[0], directory)}"
    return f"a directory holding a {FINISH_KIND} config, such as base/finish of kustomize-zymtrace"


def _is_finish(walk: Walk, directory: Path, path: Path, n: int, entry: Any) -> bool:
    """Whether a transformers: entry is a ZymtraceFinish config (a file, a directory, or inline YAML)."""
    label = f"transformers[{n}]"
    if isinstance(entry, str) and "\n" in entry:
        try:
            documents = [d for d in yamlio.load_all(entry, f"{_where(path)}: {label}") if isinstance(d, dict)]
        except ConfigError as exc:
            walk.problem(exc.results[0].message)
            return False
        return any(d.get("kind") == FINISH_KIND for d in documents)
    if not isinstance(entry, str) or "://" in entry:
        return False
    target = _join(directory, entry)
    found = _kinds(walk, target, path, label, 0)
    if FINISH_KIND in found and target not in walk.finish_configs:
        walk.finish_configs.append(target)
    return FINISH_KIND in found


def _kinds(walk: Walk, target: Path, owner: Path, label: str, depth: int) -> set[str]:
    """The kinds of the documents a file holds, or a directory's kustomization lists as resources."""
    if not _is_dir(target):
        return {str(d.get("kind")) for d in _documents(walk, target, owner, label)}
    found = _kustomization(walk, target) if depth < MAX_LEVELS else None
    if found is None:
        return set()
    path, body = found
    kinds: set[str] = set()
    for n, entry in _entries(walk, path, body, "resources"):
        kinds |= _kinds(walk, _join(target, entry), path, f"resources[{n}]", depth + 1)
    return kinds


def _transforming_components(walk: Walk, directory: Path, path: Path, body: dict[str, Any], level: int) -> list[str]:
    """The components (kind: Component) listed here whose own fields transform the objects."""
    changing = []
    for _, entry in _entries(walk, path, body, "components"):
        found = _kustomization(walk, _join(directory, entry)) if level < MAX_LEVELS else None
        if found is not None and any(found[1].get(field) for field in (*TRANSFORMING, "patches", "transformers")):
            changing.append(entry)
    return changing


def diagnose(directory: Path) -> list[Result]:
    """Every problem of the kustomization in `directory` (and what it includes) with the generator."""
    if not any(_is_file(directory / name) for name in KUSTOMIZATION_FILES):
        raise ConfigError([error("", f"{directory}: no kustomization.yaml")])
    walk = Walk(directory)
    try:
        _visit(walk, directory)
    except _Stop:
        walk.findings.sort(key=lambda r: "doctor read more" not in r.message)  # the reason first
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
    if not any(config.protects_volumes for config in configs):
        return []
    return [
        Result(
            "kubectl apply --prune (-l or --applyset) deletes volume claims whatever gitops.protectVolumes says: "
            "prune with the allowlist of docs/guide.md (Pruning and the data volumes), or with Flux, Argo CD or "
            "kpt live",
            severity="info",
        )
    ]
