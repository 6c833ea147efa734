"""Hand objects another field manager wrote (a Helm release) over to the GitOps tool's field manager.

Why this exists: server-side apply removes a field only when the applier owns it and the new manifest
leaves it out. Helm 3 writes every object as manager `helm` with operation Update; an apply by Flux,
Argo CD or kubectl, forced or not, takes over only the fields it sets, so every field the chart set and
this generator does not (env vars from the chart's wiring, Secret keys, Helm's own labels) stays on the
object, owned by `helm`, for good. kubectl meets the same problem moving its own client-side apply to
server-side apply and solves it by rewriting managedFields before it applies (client-go's
csaupgrade.UpgradeManagedFields): the Update entries of the old manager are merged into the new
manager's Apply entry, so the next apply owns, and can remove, what the old manager wrote. Flux's
kustomize-controller does the same for the managers it knows (and `--override-manager`), Argo CD 3.1+
for one manager per Application (`client-side-apply-migration-manager`). This is that rewrite, for any
previous manager and the manager of whichever tool applies next, plus what those tools leave out:

- A Secret's `stringData` never exists on the stored object (the server folds it into `data`), so what a
  manager wrote through stringData is owned as `stringData.KEY` while `data.KEY` belongs to nobody and
  no apply removes it. Ownership of stringData keys becomes ownership of the data keys, and data keys
  nobody owns are handed over too (the Secret is ours: every key we do not render is a leftover).
- `spec.replicas` of a workload the render scales with a HorizontalPodAutoscaler is left to nobody
  instead: owned by the applier, the next apply would reset it to 1; unowned, it stays at the
  autoscaler's count and only the autoscaler changes it.
- Client-side apply (kubectl apply without --server-side, Argo CD's default) removes what its
  last-applied-configuration annotation holds and the new manifest does not. Helm writes no such
  annotation, so it is written here: the fields handed over, as the object holds them now.

This module plans the rewrite from objects already read (pure, testable without a cluster);
kubectl.py reads and writes them.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from ..review.inputs import Key, key_of
from . import fields
from .fields import FieldPath, FieldSet

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
LAST_APPLIED_PATH: FieldPath = ("f:metadata", "f:annotations", f"f:{LAST_APPLIED}")
REPLICAS: FieldPath = ("f:spec", "f:replicas")
# The field manager each tool applies with: (manager, client-side apply).
TOOLS: dict[str, tuple[str, bool]] = {
    "flux": ("kustomize-controller", False),
    "argocd": ("argocd-controller", False),
    "argocd-client-side": ("argocd-controller", True),
    "kubectl": ("kubectl", False),
    "kubectl-client-side": ("kubectl-client-side-apply", True),
}


@dataclass(frozen=True)
class Target:
    """Who applies next: the field manager, and whether it applies client-side (operation Update)."""

    manager: str
    client_side: bool = False

    @property
    def operation(self) -> str:
        return "Update" if self.client_side else "Apply"


@dataclass(frozen=True)
class Handover:
    key: Key
    managed_fields: list[Obj]  # the object's new metadata.managedFields
    taken: FieldSet  # fields the target owns from now on that it did not own before
    released: FieldSet  # fields nobody owns from now on (an autoscaler's replicas)
    removed: FieldSet  # what the target's next apply of the render removes from the object
    previous: tuple[str, ...]  # the managers whose entries were merged
    last_applied: str | None = None  # client-side: the annotation to write

    @property
    def changed(self) -> bool:
        return bool(self.taken or self.released or self.previous or self.last_applied is not None)


class Refusal(Exception):
    """An object this tool cannot hand over safely; the message says why."""


def autoscaled(rendered: list[Obj]) -> set[tuple[str, str, str]]:
    """(namespace, kind, name) of every workload a HorizontalPodAutoscaler of the render scales."""
    out = set()
    for obj in rendered:
        if obj.get("kind") == "HorizontalPodAutoscaler":
            ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
            namespace = str((obj.get("metadata") or {}).get("namespace") or "")
            out.add((namespace, str(ref.get("kind")), str(ref.get("name"))))
    return out


def _entry_fields(entry: Obj, secret: bool) -> FieldSet:
    owned = fields.paths(entry.get("fieldsV1"))
    return fields.rename_root(owned, "f:stringData", "f:data") if secret else owned


@dataclass(frozen=True)
class Probe:
    """The rendered object as the API server sees it (from a server-side dry run)."""

    fields: FieldSet  # the fields an apply of it sets
    fresh: Obj | None = None  # the object the server would create from it, defaults filled in


def plan(
    live: Obj,
    rendered: Obj,
    probe: Probe,
    target: Target,
    previous: set[str],
    *,
    autoscaled_by_render: bool = False,
) -> Handover:
    """The handover of one live object: its new managedFields and what the next apply removes.

    `previous` are the managers whose fields the target takes. What the next apply removes leaves out
    the fields the server fills in again with the value they hold (a Service's sessionAffinity)."""
    rendered_fields = probe.fields
    key = key_of(rendered)
    secret = rendered.get("kind") == "Secret"
    entries: list[Obj] = list((live.get("metadata") or {}).get("managedFields") or [])
    main = [e for e in entries if not e.get("subresource")]
    own = next((e for e in main if e.get("manager") == target.manager and e.get("operation") == target.operation), None)
    merged = [e for e in main if e.get("manager") in previous and e is not own]
    api_version = str((own or {}).get("apiVersion") or rendered.get("apiVersion"))
    other_versions = sorted({str(e.get("apiVersion")) for e in merged} - {api_version})
    if other_versions:
        raise Refusal(
            f"{key.kind} {key.namespace}/{key.name}: {', '.join(sorted({e['manager'] for e in merged}))} wrote it "
            f"as {', '.join(other_versions)}, the render as {api_version}; its field paths may differ, so it is not "
            f"handed over. Apply the render once with --force-conflicts, then run this again"
        )
    before = _entry_fields(own, secret) if own else frozenset()
    taken_from = frozenset().union(*(_entry_fields(e, secret) for e in merged))
    remaining = [e for e in entries if e is not own and not any(e is m for m in merged)]
    others = frozenset().union(*(_entry_fields(e, secret) for e in remaining))
    if secret:
        # Keys nobody owns: written through stringData (by anyone) or by a client that sent no manager.
        held = {("f:data", f"f:{k}") for k in live.get("data") or {}}
        taken_from |= frozenset(held) - others - before
    released: FieldSet = frozenset()
    if autoscaled_by_render and REPLICAS not in rendered_fields:
        released = fields.under(before | taken_from, REPLICAS)
    owned = (before | taken_from) - released - {LAST_APPLIED_PATH}
    removed = owned - rendered_fields if target.client_side else owned - rendered_fields - others
    removed = frozenset(
        p for p in removed if not fields.covered(p, rendered_fields) and not _defaulted(p, live, probe.fresh)
    )
    new_entries = remaining + ([_entry(own, merged, target, api_version, owned)] if owned else [])
    # Client-side: only when fields change hands; afterwards kubectl keeps the annotation up to date itself.
    handing = bool(merged or owned - before or released)
    last_applied = _last_applied(live, rendered, owned | rendered_fields) if target.client_side and handing else None
    return Handover(
        key=key,
        managed_fields=new_entries,
        taken=(owned - before),
        released=released,
        removed=removed,
        previous=tuple(sorted({str(e.get("manager")) for e in merged})),
        last_applied=last_applied if last_applied != _annotation(live, LAST_APPLIED) else None,
    )


def _defaulted(path: FieldPath, live: Obj, fresh: Obj | None) -> bool:
    """The server gives the field the same value again when the apply drops it."""
    if fresh is None:
        return False
    again = fields.value_at(fresh, path)
    return again is not fields.missing() and again == fields.value_at(live, path)


def _entry(own: Obj | None, merged: list[Obj], target: Target, api_version: str, owned: FieldSet) -> Obj:
    times = [str(e["time"]) for e in ([own] if own else []) + merged if e.get("time")]
    entry: Obj = {
        "manager": target.manager,
        "operation": target.operation,
        "apiVersion": api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields.trie(owned),
    }
    if times:
        entry["time"] = max(times)
    return entry


def _annotation(obj: Obj, name: str) -> str | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(name)
    return str(value) if value is not None else None


def _last_applied(live: Obj, rendered: Obj, covered: FieldSet) -> str:
    """What kubectl writes into last-applied-configuration, for the fields the target now answers for:
    the next client-side apply removes those of them the render leaves out."""
    body = fields.project(live, covered - {LAST_APPLIED_PATH})
    meta = body.setdefault("metadata", {})
    meta["name"] = rendered["metadata"]["name"]
    if rendered["metadata"].get("namespace"):
        meta["namespace"] = rendered["metadata"]["namespace"]
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)
    document = {"apiVersion": rendered["apiVersion"], "kind": rendered["kind"], **body}
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def rewritten(live: Obj, handover: Handover) -> Obj:
    """The live object with its new managedFields. Sent back whole (an update), it changes nothing else,
    and the server refuses it if the object changed since it was read (its resourceVersion)."""
    out = copy.deepcopy(live)
    out["metadata"]["managedFields"] = handover.managed_fields
    return out


def whole(live: Obj) -> bool:
    """The rewritten object can be sent whole: kubectl replace would rewrite an existing
    last-applied-configuration annotation from the object it sends, so such objects are patched."""
    return _annotation(live, LAST_APPLIED) is None


def patch(live: Obj, handover: Handover) -> list[Obj]:
    """The new managedFields as a JSON patch, which the server refuses if the object changed since it
    was read."""
    return [
        {"op": "test", "path": "/metadata/resourceVersion", "value": live["metadata"]["resourceVersion"]},
        {"op": "replace", "path": "/metadata/managedFields", "value": handover.managed_fields},
    ]
