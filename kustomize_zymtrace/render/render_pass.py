"""The render pass: the steps of passes.py the generator runs over the objects its renderers made, before
anything else sees them (the finishing pass, finish.py, runs its own steps after kustomize's transformers).
The checksums, Job names and depends-on are computed in derived.py, with the finishing pass."""

from __future__ import annotations

import json
from typing import Any

from .. import passes
from ..derived import checksum_config, name_after_template, order, set_dependencies
from ..model import compiled
from ..stages import claims, wave
from ..wellknown import ARGO_SYNC_WAVE, FLUX_FORCE, FLUX_SUBSTITUTE, PROTECTIONS, WORKLOADS
from .context import GENERATED_BY, Context, Obj


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


class _Rendered:
    """What the render pass's steps work on: the config's context and every object of the render."""

    def __init__(self, ctx: Context, objects: list[Obj]) -> None:
        self.ctx = ctx
        self.objects = objects
        self.owner = f"{ctx.namespace}/{ctx.instance}"  # the mark: NAMESPACE/INSTANCE

    def workloads(self) -> list[Obj]:
        return [obj for obj in self.objects if obj["kind"] in WORKLOADS]


def render_pass(ctx: Context, objects: list[Obj]) -> list[Obj]:
    """The objects of a render (their pods hardened by the renderers), finished for output: checksummed,
    named, marked, annotated, in apply order."""
    rendered = _Rendered(ctx, objects)
    for step in passes.in_order("render", STEPS):
        step(rendered)
    return rendered.objects


def _checksum_config(rendered: _Rendered) -> None:
    checksum_config(rendered.workloads(), rendered.objects, owner=rendered.owner)


def _name_jobs_after_template(rendered: _Rendered) -> None:
    for job in (obj for obj in rendered.objects if obj["kind"] == "Job"):
        name_after_template(job)


def _mark_generated(rendered: _Rendered) -> None:
    for obj in rendered.objects:
        obj["metadata"].setdefault("annotations", {})[GENERATED_BY] = rendered.owner


def _annotate_for_gitops(rendered: _Rendered) -> None:
    # Needs every object marked and every Job named (a claim's wave is its first consumer's).
    claim_stages = claims(rendered.objects)
    for obj in rendered.objects:
        obj["metadata"]["annotations"].update(gitops_annotations(rendered.ctx, obj, claim_stages))


def _link_stages(rendered: _Rendered) -> None:
    set_dependencies(rendered.objects)


def _sort_for_apply(rendered: _Rendered) -> None:
    rendered.objects.sort(key=order)


STEPS = {
    passes.CHECKSUM_CONFIG: _checksum_config,
    passes.NAME_JOBS_AFTER_TEMPLATE: _name_jobs_after_template,
    passes.MARK_GENERATED: _mark_generated,
    passes.ANNOTATE_FOR_GITOPS: _annotate_for_gitops,
    passes.LINK_STAGES: _link_stages,
    passes.SORT_FOR_APPLY: _sort_for_apply,
}


def gitops_annotations(ctx: Context, obj: Obj, claim_stages: dict[str, str] | None = None) -> dict[str, str]:
    gitops = ctx.spec.gitops
    out: dict[str, str] = {}
    if gitops.protectVolumes and obj["kind"] == "PersistentVolumeClaim":
        # Data outlives the manifest: removing a database from the config must not delete its volume.
        out.update((protection.annotation, protection.value) for protection in PROTECTIONS)
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
