"""What an apply of NEW over OLD does, in words: rollouts, Jobs, data, rejected changes, security."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..derived import CHECKSUM, consumed
from ..render.context import Obj
from ..wellknown import PROTECTIONS as VOLUME_PROTECTIONS
from . import security
from .diff import Change, ObjectDiff, comparable, field_paths

# Section id -> heading; the order is the report's order.
SECTIONS = {
    "roll": "Workloads that roll",
    "job": "Jobs",
    "data": "Data",
    "cluster": "Left in the cluster",
    "reject": "Changes an apply would reject",
    "security": "Security",
}
POD_OWNERS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
# The generator names a Job <name>-<8 hex digits of its pod template>.
_JOB_HASH = re.compile(r"-[0-9a-f]{8}\Z")
# Annotation -> (value test, which tool it keeps the object from pruning).
PROTECTIONS: tuple[tuple[str, str, str], ...] = (
    *((protection.annotation, protection.keeps, protection.tool) for protection in VOLUME_PROTECTIONS),
    ("helm.sh/resource-policy", "keep", "Helm"),
)
# Hands fields to the applying tool's field manager (fields nobody else removes, an autoscaler's replicas).
TAKEOVER = "kustomize-zymtrace takeover NEW --to TOOL --apply"
# StatefulSet spec fields an update may change; every other one is immutable.
STATEFULSET_MUTABLE = (
    "replicas",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
    "ordinals",
)


@dataclass(frozen=True)
class Consequence:
    section: str  # a key of SECTIONS
    subject: str  # e.g. "Deployment zymtrace-web"
    effect: str  # what happens
    reason: str = ""  # why


def subject(obj: Obj) -> str:
    return f"{obj['kind']} {obj['metadata']['name']}"


def consequences(diff: ObjectDiff) -> list[Consequence]:
    found = rollouts(diff) + jobs(diff) + data(diff) + left_behind(diff) + rejected(diff) + security_changes(diff)
    order = list(SECTIONS)
    return sorted(found, key=lambda c: (order.index(c.section), c.subject, c.effect))


# ------------------------------------------------------------------ rollouts


def _template(obj: Obj) -> Obj:
    return ((obj.get("spec") or {}).get("template") or {}) if obj["kind"] in (*POD_OWNERS, "Job") else {}


def _changed_inputs(diff: ObjectDiff) -> dict[tuple[str, str], list[str]]:
    """(kind, name) of every changed, created or removed ConfigMap and Secret -> the keys that changed."""
    inputs: dict[tuple[str, str], list[str]] = {}
    for change in diff.changed:
        if change.key.kind in ("ConfigMap", "Secret"):
            inputs[change.key.kind, change.key.name] = [p for p in change.paths if not p.startswith("metadata")]
    for obj in diff.created + diff.removed:
        if obj["kind"] in ("ConfigMap", "Secret"):
            inputs[obj["kind"], obj["metadata"]["name"]] = ["created or removed"]
    return {k: v for k, v in inputs.items() if v}


def template_reasons(old: Obj, new: Obj, inputs: dict[tuple[str, str], list[str]]) -> list[str]:
    """Why a pod template differs: images, the configuration checksum, anything else."""
    old_images = {c.get("name"): c.get("image") for c in security.containers(old.get("spec") or {})}
    reasons, other = [], []
    for path in field_paths(old, new):
        image = re.fullmatch(r"spec\.(?:initContainers|containers|ephemeralContainers)\[([^\]]+)\]\.image", path)
        if image:
            now = next(c.get("image") for c in security.containers(new["spec"]) if c.get("name") == image.group(1))
            reasons.append("image " + _image_change(str(old_images.get(image.group(1))), str(now)))
        elif path == f"metadata.annotations[{CHECKSUM}]":
            reasons.append(_checksum_reason(new, inputs))
        else:
            other.append(path)
    if other:
        reasons.append("pod template " + _short(other))
    return reasons


def _image_change(old: str, new: str) -> str:
    """repo a -> b when only the tag changed, else the two whole references."""
    old_repo, _, old_tag = old.rpartition(":")
    new_repo, _, new_tag = new.rpartition(":")
    # A port (registry:5000/repo) or a digest (repo@sha256:...) is not a tag: show the whole references.
    if old_repo == new_repo and "/" not in old_tag + new_tag and "@" not in old + new:
        return f"{new_repo} {old_tag} -> {new_tag}"
    return f"{old} -> {new}"


def _checksum_reason(template: Obj, inputs: dict[tuple[str, str], list[str]]) -> str:
    pairs = sorted(set(consumed(template.get("spec") or {})))
    read = [f"{kind} {name} ({_short(inputs[kind, name], 2)})" for kind, name in pairs if (kind, name) in inputs]
    return f"{CHECKSUM}: " + ("; ".join(read) if read else "the configuration it reads changed")


def _short(paths: list[str], limit: int = 4) -> str:
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    return ", ".join(paths[:limit]) + more


def rollouts(diff: ObjectDiff) -> list[Consequence]:
    inputs = _changed_inputs(diff)
    found = []
    for change in diff.changed:
        if change.key.kind not in POD_OWNERS:
            continue
        old, new = _template(change.old), _template(change.new)
        if old != new:
            found.append(
                Consequence("roll", subject(change.new), "rolls", "; ".join(template_reasons(old, new, inputs)))
            )
        found += _replicas_dropped(change)
    found += _stale(diff, inputs)
    for obj in diff.created:
        if obj["kind"] in POD_OWNERS:
            found.append(Consequence("roll", subject(obj), "starts", "new workload"))
    for obj in diff.removed:
        if obj["kind"] in POD_OWNERS:
            found.append(
                Consequence("roll", subject(obj), "stops", "removed: its pods go when the reconciler prunes it")
            )
    return found


def _replicas_dropped(change: Change) -> list[Consequence]:
    """spec.replicas leaving the manifest (an autoscaler takes over): an apply removes the field, and the
    API server defaults it to 1, so all pods but one stop until the autoscaler scales up again."""
    before = (change.old.get("spec") or {}).get("replicas")
    if not isinstance(before, int) or before <= 1 or "replicas" in (change.new.get("spec") or {}):
        return []
    why = (
        f"spec.replicas ({before}) leaves the manifest and defaults to 1: {TAKEOVER} before the apply leaves "
        "the field to the autoscaler"
    )
    return [Consequence("roll", subject(change.new), "scales down to 1 pod until its autoscaler acts", why)]


def _stale(diff: ObjectDiff, inputs: dict[tuple[str, str], list[str]]) -> list[Consequence]:
    """Workloads whose pod template is unchanged although a ConfigMap or Secret they read changed
    (patched after rendering, so the checksum no longer follows it)."""
    found = []
    for key, obj in sorted(diff.new.items()):
        before = diff.old.get(key)
        if obj["kind"] not in POD_OWNERS or before is None or _template(before) != _template(obj):
            continue
        stale = sorted(set(consumed(_template(obj).get("spec") or {})) & inputs.keys())
        if stale:
            names = ", ".join(f"{kind} {name}" for kind, name in stale)
            why = f"{names} changed but its pod template did not: running pods keep the old values until restarted"
            found.append(Consequence("roll", subject(obj), "does not roll", why))
    return found


# ------------------------------------------------------------------ Jobs


def job_base(obj: Obj) -> str:
    return _JOB_HASH.sub("", obj["metadata"]["name"])


def _jobs(objects: list[Obj]) -> dict[str, Obj]:
    return {job_base(o): o for o in objects if o["kind"] == "Job"}


def jobs(diff: ObjectDiff) -> list[Consequence]:
    inputs = _changed_inputs(diff)
    created, removed = _jobs(diff.created), _jobs(diff.removed)
    found = []
    for base, job in sorted(created.items()):
        before = removed.get(base)
        if before is None:
            found.append(
                Consequence("job", f"Job {base}", "runs for the first time", f"new Job {job['metadata']['name']}")
            )
            continue
        why = "; ".join(template_reasons(_template(before), _template(job), inputs)) or "its spec changed"
        names = f"new name {job['metadata']['name']}, was {before['metadata']['name']}"
        found.append(Consequence("job", f"Job {base}", "runs again", f"{names}: {why}"))
    for base, job in sorted(removed.items()):
        if base not in created:
            found.append(Consequence("job", f"Job {base}", "removed", f"{job['metadata']['name']} does not run again"))
    return found


# ------------------------------------------------------------------ data


def protections(obj: Obj) -> list[str]:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return [tool for key, value, tool in PROTECTIONS if value in str(annotations.get(key, "")).split(",")]


def _protection_words(obj: Obj) -> str:
    kept = protections(obj)
    if not kept:
        return (
            "NOT protected: a pruning apply deletes it, and with the usual reclaim policy Delete, "
            "the volume and its data"
        )
    missing = [tool for _, _, tool in PROTECTIONS if tool not in kept and tool != "Helm"]
    gap = f"; not protected from {', '.join(missing)}" if missing else ""
    return f"kept when pruned by {', '.join(kept)}{gap}"


def holds_data(obj: Obj) -> bool:
    if obj["kind"] == "PersistentVolumeClaim":
        return True
    return obj["kind"] == "StatefulSet" and bool((obj.get("spec") or {}).get("volumeClaimTemplates"))


def _claims(obj: Obj) -> list[str]:
    volumes = (_template(obj).get("spec") or {}).get("volumes", [])
    return [v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v]


def data(diff: ObjectDiff) -> list[Consequence]:
    found = []
    for obj in diff.removed:
        if obj["kind"] == "PersistentVolumeClaim":
            found.append(Consequence("data", subject(obj), "removed", _protection_words(obj)))
        elif obj["kind"] == "StatefulSet":
            found.append(Consequence("data", subject(obj), "removed", _statefulset_data(obj)))
    for change in diff.changed:
        if holds_data(change.new) and _immutable_paths(change):
            found.append(Consequence("data", subject(change.new), "must be replaced", _replacement(change)))
    return found


def _replacement(change: Change) -> str:
    if change.key.kind == "PersistentVolumeClaim":
        return "an immutable field changed (see below): deleting the claim deletes its data unless kept"
    return "an immutable field changed (see below): its claims outlive it, and the new one reuses them by name"


def _statefulset_data(obj: Obj) -> str:
    spec = obj.get("spec") or {}
    if spec.get("volumeClaimTemplates"):
        policy = (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted", "Retain")
        fate = "DELETED with it" if policy == "Delete" else "retained"
        return f"its pods stop; the claims of its volumeClaimTemplates are {fate} (whenDeleted: {policy})"
    claims = _claims(obj)
    if claims:
        return f"its pods stop; its data is in {', '.join(f'PersistentVolumeClaim {c}' for c in claims)}"
    return "its pods stop; it keeps no persistent data"


# ------------------------------------------------------------------ left in the cluster


# Field managers that apply our objects (the GitOps tools and kubectl): what they own, their next apply
# removes. Controllers (kube-controller-manager, ...) own what they maintain themselves.
APPLIERS = ("kustomize-controller", "argocd-controller", "kubectl", "kubectl-client-side-apply")


def _other_writers(obj: Obj) -> list[str]:
    """Managers that wrote the object's own fields without applying it (Helm 3, kubectl edit or patch),
    when OLD is what the cluster holds (kubectl get -o yaml --show-managed-fields)."""
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    return sorted(
        {
            str(e.get("manager"))
            for e in entries
            if isinstance(e, dict)
            and e.get("operation") == "Update"
            and not e.get("subresource")
            and e.get("manager") not in APPLIERS
            and not str(e.get("manager")).startswith("kube")
        }
    )


def left_behind(diff: ObjectDiff) -> list[Consequence]:
    """What an apply leaves in the cluster although NEW no longer holds it.

    Fields another manager wrote (OLD read from the cluster with its managedFields): an apply removes
    only what its own field manager owns. Keys a Secret got through stringData: the API server folds
    stringData into data, so the applier owns `stringData.KEY`, which the stored object never has, and
    nobody owns `data.KEY`: neither a server-side nor a client-side apply removes it. A takeover hands
    both to the applier once; its next apply removes what NEW leaves out."""
    found = []
    for key, new in sorted(diff.new.items()):
        old = diff.old.get(key)
        writers = _other_writers(old) if old else []
        if writers:
            why = f"an apply removes only what its own field manager owns: {TAKEOVER} hands them over"
            found.append(
                Consequence("cluster", subject(new), f"keeps what {', '.join(writers)} set and NEW does not", why)
            )
        if new["kind"] != "Secret" or old is None or not old.get("stringData"):
            continue
        dropped = sorted(set(old["stringData"]) - set(comparable(new).get("data") or {}))
        if dropped:
            why = f"written through stringData, which no apply removes: {TAKEOVER} hands them over, then apply"
            found.append(Consequence("cluster", subject(new), f"keeps {_short(dropped)}", why))
        elif not new.get("stringData"):
            why = (
                "keys dropped while it was written through stringData are still in the cluster: "
                f"{TAKEOVER} hands them over once, and the next apply removes them"
            )
            found.append(Consequence("cluster", subject(new), "written as data from now on", why))
    return found


# ------------------------------------------------------------------ immutable fields


def _immutable_paths(change: Change) -> list[str]:
    kind, paths = change.key.kind, change.paths
    if kind == "Job":
        return [p for p in paths if p.startswith(("spec.template", "spec.selector", "spec.completions"))]
    if kind in ("Deployment", "DaemonSet", "ReplicaSet"):
        return [p for p in paths if p.startswith("spec.selector")]
    if kind == "StatefulSet":
        return [p for p in paths if p.startswith("spec.") and p.split(".")[1].split("[")[0] not in STATEFULSET_MUTABLE]
    if kind == "Service":
        return [p for p in paths if p.startswith(("spec.clusterIP", "spec.clusterIPs"))]
    if kind == "PersistentVolumeClaim":
        return [
            p
            for p in paths
            if p.startswith("spec.") and not (p == "spec.resources.requests.storage" and _grows(change))
        ]
    if kind in ("ConfigMap", "Secret") and change.old.get("immutable"):
        return [p for p in paths if p.startswith(("data", "stringData", "binaryData", "immutable"))]
    return []


def _quantity(value: Any) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    if not match or (match.group(2) and match.group(2) not in units):
        return float("nan")
    return float(match.group(1)) * units.get(match.group(2), 1)


def _grows(change: Change) -> bool:
    def size(obj: Obj) -> float:
        return _quantity((((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage"))

    return size(change.new) > size(change.old)


REMEDY = {
    "Job": (
        "a Job's pod template cannot change: delete the old Job first (kubectl delete job {name}), or keep "
        "Jobs named after their template (render again after the transformation that changed it)"
    ),
    "Deployment": "delete the {kind} and apply again (its pods restart)",
    "DaemonSet": "delete the {kind} and apply again (its pods restart)",
    "ReplicaSet": "delete the {kind} and apply again",
    "StatefulSet": (
        "delete it without its pods (kubectl delete statefulset {name} --cascade=orphan) and apply: "
        "the new one adopts the pods and their volume claims"
    ),
    "Service": "delete the Service and apply again (its cluster IP changes; clients resolve it again by name)",
    "PersistentVolumeClaim": (
        "a claim can only grow (and only where its StorageClass allows expansion): create a new claim "
        "and copy the data, or keep the old value"
    ),
    "ConfigMap": "an immutable {kind} cannot change: create one under a new name",
    "Secret": "an immutable {kind} cannot change: create one under a new name",
}


def rejected(diff: ObjectDiff) -> list[Consequence]:
    found = []
    for change in diff.changed:
        paths = _immutable_paths(change)
        if paths:
            remedy = REMEDY[change.key.kind].format(kind=change.key.kind, name=change.key.name)
            found.append(
                Consequence("reject", subject(change.new), f"immutable field changed: {_short(paths)}", remedy)
            )
    return found


# ------------------------------------------------------------------ security


def _pod_pairs(diff: ObjectDiff) -> list[tuple[str, Obj | None, Obj]]:
    """(subject, old pod spec or None, new pod spec) of every workload in NEW; Jobs matched by base name."""
    pairs: list[tuple[str, Obj | None, Obj]] = []
    for change in diff.changed:
        if change.key.kind in (*POD_OWNERS, "Job"):
            pairs.append(
                (subject(change.new), _template(change.old).get("spec") or {}, _template(change.new).get("spec") or {})
            )
    removed_jobs = _jobs(diff.removed)
    for obj in diff.created:
        if obj["kind"] in (*POD_OWNERS, "Job"):
            before = removed_jobs.get(job_base(obj)) if obj["kind"] == "Job" else None
            old = (_template(before).get("spec") or {}) if before else None
            pairs.append(
                (
                    f"Job {job_base(obj)}" if obj["kind"] == "Job" else subject(obj),
                    old,
                    _template(obj).get("spec") or {},
                )
            )
    return pairs


def _lowest_level(objects: list[Obj]) -> str:
    """The namespace's effective Pod Security level: the lowest of its pod templates."""
    levels = [security.level(_template(o).get("spec") or {})[0] for o in objects if o["kind"] in (*POD_OWNERS, "Job")]
    return min(levels, key=security.LEVELS.index, default="restricted")


def security_changes(diff: ObjectDiff) -> list[Consequence]:
    found = []
    floor = security.LEVELS.index(_lowest_level(list(diff.old.values())))
    for name, old, new in _pod_pairs(diff):
        now, why = security.level(new)
        if old is None:
            if security.LEVELS.index(now) < floor:
                found.append(Consequence("security", name, f"new workload at Pod Security level {now}", _short(why, 3)))
            continue
        was, _ = security.level(old)
        if was != now:
            loosened = security.LEVELS.index(now) < security.LEVELS.index(was)
            effect = f"Pod Security level {was} -> {now}"
            found.append(Consequence("security", name, effect, _short(why, 3) if loosened else "tightened"))
        for weakening in security.weakenings(old, new):
            found.append(Consequence("security", name, weakening))
    return found
