"""Re-derive what the generator computed from its own output, after something else changed that output.

Job names carry a hash of their pod template, pods carry a checksum of the ConfigMaps and Secrets they
read, and in-cluster addresses name our Services and namespace. kustomize runs its builtin
transformers (`images:`, `patches:`, `namespace:`, `namePrefix:`, `labels:`, `replicas:`) and the
generators of an outer overlay after the generator has computed them. This pass runs on the final
objects, as a kustomize transformer (`transformers:` entries run after the builtin ones), as a KRM
function, or as `kustomize-zymtrace finish`: it recomputes what it can prove and refuses, with the
fix, what would otherwise break silently at apply time or later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .render.context import GENERATED_BY
from .render.finalize import (
    CHECKSUM,
    TEMPLATE_HASH,
    checksum_inputs,
    consumed,
    digest,
    set_checksum,
    set_dependencies,
)
from .results import ConfigError, Result, warning

Obj = dict[str, Any]
ROLLING = ("Deployment", "StatefulSet")


def owned(objects: Iterable[Obj]) -> list[Obj]:
    return [o for o in objects if GENERATED_BY in _annotations(o)]


def finish(objects: list[Obj]) -> tuple[list[Obj], list[Result]]:
    """The objects with Job names, checksums and addresses re-derived; warnings for what was corrected.
    Raises ConfigError (every problem at once) when a transformation cannot be followed."""
    ours = owned(objects)
    problems = _renamed_workloads(ours) + _changed_selectors(ours) + _replicas_under_autoscaler(ours, objects)
    problems += _missing_references(ours, objects)
    if problems:
        raise ConfigError(problems)
    notes = _follow_namespace(ours)
    _recompute_checksums(ours, objects)
    notes += _rename_jobs(ours)
    set_dependencies(ours)  # kpt's depends-on names the final namespaces and Job names
    return objects, notes


# ---------------------------------------------------------------------------------- refusals


def _ref(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _annotations(obj: Obj) -> dict[str, Any]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _selector(obj: Obj) -> dict[str, Any]:
    return dict((obj["spec"].get("selector") or {}).get("matchLabels") or {})


def _renamed_workloads(ours: list[Obj]) -> list[Result]:
    """The chart names each workload after its `app` selector label; a different name means namePrefix,
    nameSuffix or a rename patch, which the addresses inside our ConfigMaps cannot follow."""
    renamed = [
        f"{_ref(o)} (was {_selector(o)['app']})"
        for o in ours
        if o["kind"] in ROLLING and _selector(o).get("app") not in (None, o["metadata"]["name"])
    ]
    if not renamed:
        return []
    return [
        Result(
            f"renamed after they were generated (kustomize namePrefix, nameSuffix or a patch): {', '.join(renamed)}. "
            "In-cluster addresses and Helm adoption use the generated names: set spec.global.namePrefix in the "
            "ZymtraceBackend config instead."
        )
    ]


def _changed_selectors(ours: list[Obj]) -> list[Result]:
    changed = sorted({key for o in ours if o["kind"] in ROLLING for key in _selector(o) if key != "app"})
    if not changed:
        return []
    return [
        Result(
            f"labels {changed} were added to the selectors of generated workloads (kustomize commonLabels, or "
            "labels with includeSelectors: true). Selectors are immutable, so an existing install rejects the "
            "change: use `labels:` with `includeSelectors: false` instead."
        )
    ]


def _replicas_under_autoscaler(ours: list[Obj], objects: list[Obj]) -> list[Result]:
    scaled = {
        ((o["spec"].get("scaleTargetRef") or {}).get("kind"), (o["spec"].get("scaleTargetRef") or {}).get("name"))
        for o in objects
        if o.get("kind") == "HorizontalPodAutoscaler"
    }
    return [
        Result(
            f"{_ref(obj)} has spec.replicas although HorizontalPodAutoscaler scales it (kustomize replicas: or a "
            "patch): every apply would reset the autoscaler's count. Set hpa.minReplicas in the config instead."
        )
        for obj in ours
        if obj["kind"] in ROLLING and (obj["kind"], obj["metadata"]["name"]) in scaled and "replicas" in obj["spec"]
    ]


def _missing_references(ours: list[Obj], objects: list[Obj]) -> list[Result]:
    """A ConfigMap or Secret our pods read that the output holds only in another namespace (or, after
    kustomize added the hash suffix, only under a suffixed name there): a configMapGenerator or
    secretGenerator without the workloads' namespace, which kustomize does not rename into the reference."""
    held: dict[tuple[str, str], set[str]] = {}
    for obj in objects:
        meta = obj.get("metadata") or {}
        held.setdefault((str(obj.get("kind")), str(meta.get("name"))), set()).add(str(meta.get("namespace") or ""))
    out = []
    for obj in ours:
        if "template" not in obj.get("spec", {}):
            continue
        namespace = obj["metadata"].get("namespace") or ""
        for kind, name in sorted(set(consumed(obj["spec"]["template"]["spec"]))):
            if namespace in held.get((kind, name), set()):
                continue
            elsewhere = sorted(
                n
                for (k, n), spaces in held.items()
                if k == kind and (n == name or re.fullmatch(rf"{re.escape(name)}-[a-z0-9]{{10}}", n)) and spaces
            )
            if elsewhere:
                out.append(
                    Result(
                        f"{_ref(obj)} reads {kind} {name}, which the output holds only as {elsewhere[0]} outside "
                        f"namespace {namespace or '(none)'}, so kustomize does not rename the reference. "
                        f"Set `namespace: {namespace}` on that {kind.lower()}Generator."
                    )
                )
    return out


# ---------------------------------------------------------------------------------- corrections


def _follow_namespace(ours: list[Obj]) -> list[Result]:
    """Objects moved to another namespace (kustomize namespace:): rewrite the fully qualified addresses of
    our Services in our ConfigMaps. Short addresses (`zymtrace-ingest:8376`) resolve in any namespace."""
    moved: dict[str, str] = {}
    for obj in ours:
        generated_in = str(_annotations(obj)[GENERATED_BY]).split("/", 1)[0]
        now = obj["metadata"].get("namespace")
        if now and now != generated_in:
            moved[generated_in] = now
    services = {o["metadata"]["name"] for o in ours if o["kind"] == "Service"}
    notes = []
    for old, new in sorted(moved.items()):
        pattern = re.compile(rf"\b({'|'.join(map(re.escape, sorted(services)))})\.{re.escape(old)}\.svc\b")
        for obj in ours:
            if obj["kind"] != "ConfigMap":
                continue
            for key, value in (obj.get("data") or {}).items():
                if isinstance(value, str) and pattern.search(value):
                    obj["data"][key] = pattern.sub(rf"\1.{new}.svc", value)
        notes.append(warning("", f"objects moved from namespace {old} to {new}: in-cluster addresses follow"))
    return notes


def _recompute_checksums(ours: list[Obj], objects: list[Obj]) -> None:
    consumable = checksum_inputs(objects)
    for obj in ours:
        if obj["kind"] in (*ROLLING, "Job"):
            (obj["spec"]["template"].get("metadata") or {}).get("annotations", {}).pop(CHECKSUM, None)
            set_checksum(obj, consumable)


def _rename_jobs(ours: list[Obj]) -> list[Result]:
    """A Job whose pod template changed gets the new template's hash in its name: Jobs are immutable,
    so the changed one must be a new object (and so runs once more)."""
    notes = []
    for job in (o for o in ours if o["kind"] == "Job"):
        recorded = str(_annotations(job).get(TEMPLATE_HASH, ""))
        fresh = digest(job["spec"]["template"])[:8]
        if not recorded or recorded == fresh:
            continue
        old = job["metadata"]["name"]
        if old.count(f"-{recorded}") != 1:
            raise ConfigError([Result(f"{_ref(job)}: its name no longer holds its template hash {recorded}")])
        job["metadata"]["name"] = old.replace(f"-{recorded}", f"-{fresh}")
        job["metadata"]["annotations"][TEMPLATE_HASH] = fresh
        notes.append(warning("", f"Job {old} changed after it was generated: renamed {job['metadata']['name']}"))
    return notes
