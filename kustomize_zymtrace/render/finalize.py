"""Whole-output rules applied after the components: config checksums, Job names, marks, order (the
checksums, template hashes and depends-on themselves are computed in derived.py, with the finishing pass)."""

from __future__ import annotations

import json
from typing import Any

from ..derived import (
    TEMPLATE_HASH,
    WORKLOADS,
    checksum_inputs,
    digest,
    order,
    set_checksum,
    set_dependencies,
)
from ..model import compiled
from ..stages import claims, wave
from .context import GENERATED_BY, Context, Obj

FLUX_PRUNE = "kustomize.toolkit.fluxcd.io/prune"
FLUX_SUBSTITUTE = "kustomize.toolkit.fluxcd.io/substitute"
FLUX_FORCE = "kustomize.toolkit.fluxcd.io/force"
ARGO_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
ARGO_SYNC_WAVE = "argocd.argoproj.io/sync-wave"
KPT_ON_REMOVE = "cli-utils.sigs.k8s.io/on-remove"


def public_values_of_model() -> list[str]:
    """What derived.public_values() reads from public-values.json (hack/regenerate writes it, a test keeps
    it current): every string among the chart's published default values, and the fixed values the
    renderer writes into Secrets (PGDATA's path...), sorted."""
    from .credentials import RENDERED_CONSTANTS

    found: set[str] = set(RENDERED_CONSTANTS)
    pending: list[Any] = [compiled.defaults()]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending += node.values()
        elif isinstance(node, list):
            pending += node
        elif isinstance(node, str) and node:
            found.add(node)
    return sorted(found)


def finalize(ctx: Context, objects: list[Obj]) -> list[Obj]:
    consumable = checksum_inputs(objects, owner=f"{ctx.namespace}/{ctx.instance}")
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            set_checksum(obj, consumable)
        if obj["kind"] == "Job":
            _name_after_template(obj)
        obj["metadata"].setdefault("annotations", {})[GENERATED_BY] = f"{ctx.namespace}/{ctx.instance}"
    # Stages and dependencies need every object marked and every Job named.
    claim_stages = claims(objects)
    for obj in objects:
        obj["metadata"]["annotations"].update(gitops_annotations(ctx, obj, claim_stages))
    set_dependencies(objects)
    return sorted(objects, key=order)


def gitops_annotations(ctx: Context, obj: Obj, claim_stages: dict[str, str] | None = None) -> dict[str, str]:
    gitops = ctx.spec.gitops
    out: dict[str, str] = {}
    if gitops.protectVolumes and obj["kind"] == "PersistentVolumeClaim":
        # Data outlives the manifest: removing a database from the config must not delete its volume.
        out[FLUX_PRUNE] = "disabled"
        out[ARGO_SYNC_OPTIONS] = "Prune=false,Delete=false"
        out[KPT_ON_REMOVE] = "keep"
    if obj["kind"] == "Job":
        # The safety net where the finishing pass cannot run (Flux's own spec.images or spec.patches
        # change a Job after the build): Flux then recreates the Job instead of failing on its
        # immutable template, so the changed Job runs once, as a renamed one would.
        out[FLUX_FORCE] = "enabled"
    if gitops.argocd.syncWaves:
        # A claim is in the wave of the workload that binds it (see stages.claims).
        out[ARGO_SYNC_WAVE] = str(wave(obj, claim_stages))
    if "${" in json.dumps(obj):
        # Shell scripts read ${VAR} at run time; Flux's post-build substitution would blank them.
        out[FLUX_SUBSTITUTE] = "disabled"
    return out


def _name_after_template(job: Obj) -> None:
    """<name>-<hash of the pod template>: Jobs are immutable, so a changed one must be a new object."""
    suffix = digest(job["spec"]["template"])[:8]
    job["metadata"]["name"] = f"{job['metadata']['name'][:54].rstrip('-')}-{suffix}"
    job["metadata"].setdefault("annotations", {})[TEMPLATE_HASH] = suffix
