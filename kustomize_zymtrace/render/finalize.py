"""Whole-output rules applied after the components: config checksums, Job names, marks, order."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from .context import GENERATED_BY, Context, Obj
from .security import harden
from .stages import wave

CHECKSUM = "checksum/config"
FLUX_PRUNE = "kustomize.toolkit.fluxcd.io/prune"
FLUX_SUBSTITUTE = "kustomize.toolkit.fluxcd.io/substitute"
ARGO_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
ARGO_SYNC_WAVE = "argocd.argoproj.io/sync-wave"
WORKLOADS = ("Deployment", "StatefulSet", "Job")
# Apply order: what others depend on first (lightkube's rank table follows the same idea).
KIND_ORDER = (
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Service",
    "StatefulSet",
    "Deployment",
    "Job",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "Ingress",
    "PodMonitor",
)


# scrypt cost of sealing one inline secret for the checksum: 8 MiB and 20-40 ms per guess, so a
# dictionary attack on a checksum runs at tens of guesses per second per core instead of billions.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**13, 8, 1


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def seal(salt: str, value: str) -> str:
    """A salted, memory-hard hash of one secret value (hex)."""
    key = hashlib.scrypt(value.encode(), salt=salt.encode(), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return key.hex()


def checksum_inputs(ctx: Context, objects: list[Obj]) -> dict[tuple[str, str], Any]:
    """What the pod-rolling checksum covers, per ConfigMap and Secret: ConfigMaps as they are; in our
    Secrets each secret value replaced by seal() with a salt naming the deployment and the field.

    Why: workloads are readable by more people than Secrets are. An unsalted fast hash over Secret
    plaintext lets anyone who reads a Deployment test password guesses offline at GPU speed. No key
    outside the output exists to make an HMAC with (output must be deterministic, from the config
    alone), so the guess is made slow instead: scrypt per secret value, salted per namespace, instance
    and field so nothing is precomputed across deployments. A changed secret still changes its seal,
    so pods still roll. The chart's published default values are no secret; they are not sealed,
    which keeps the default render fast.
    """
    inputs: dict[tuple[str, str], Any] = {}
    for obj in objects:
        if obj["kind"] == "ConfigMap":
            inputs["ConfigMap", obj["metadata"]["name"]] = obj.get("data")
    for suffix, material in ctx.secrets.items():
        content = {}
        for key, value in material.data.items():
            path = material.secret_keys.get(key)
            if path and not _public(path, material):
                value = ctx.sealed(f"{ctx.namespace}/{ctx.instance}/{path}", value)
            content[key] = value
        inputs["Secret", ctx.name(suffix)] = content
    return inputs


def _public(path: str, material: Any) -> bool:
    from . import is_public_default

    return is_public_default(path, material.inline[path].value)


def finalize(ctx: Context, objects: list[Obj]) -> list[Obj]:
    consumable = checksum_inputs(ctx, objects)
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            harden(ctx, obj)
            _add_checksum(obj, consumable)
        if obj["kind"] == "Job":
            _name_after_template(obj)
        annotations = obj["metadata"].setdefault("annotations", {})
        annotations[GENERATED_BY] = f"{ctx.namespace}/{ctx.instance}"
        annotations.update(gitops_annotations(ctx, obj))
    return sorted(objects, key=_order)


def gitops_annotations(ctx: Context, obj: Obj) -> dict[str, str]:
    gitops = ctx.spec.gitops
    out: dict[str, str] = {}
    if gitops.protectVolumes and obj["kind"] == "PersistentVolumeClaim":
        # Data outlives the manifest: removing a database from the config must not delete its volume.
        out[FLUX_PRUNE] = "disabled"
        out[ARGO_SYNC_OPTIONS] = "Prune=false,Delete=false"
    if gitops.argocd.syncWaves:
        out[ARGO_SYNC_WAVE] = str(wave(obj))
    if "${" in json.dumps(obj):
        # Shell scripts read ${VAR} at run time; Flux's post-build substitution would blank them.
        out[FLUX_SUBSTITUTE] = "disabled"
    return out


def _order(obj: Obj) -> tuple[int, str]:
    kind = obj["kind"]
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, obj["metadata"]["name"]


def consumed(pod: Obj) -> Iterator[tuple[str, str]]:
    """(kind, name) of every ConfigMap and Secret a pod spec reads."""
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                yield "ConfigMap", source["configMapRef"]["name"]
            if "secretRef" in source:
                yield "Secret", source["secretRef"]["name"]
        for env in container.get("env", []):
            ref = env.get("valueFrom", {})
            if "configMapKeyRef" in ref:
                yield "ConfigMap", ref["configMapKeyRef"]["name"]
            if "secretKeyRef" in ref:
                yield "Secret", ref["secretKeyRef"]["name"]
    for volume in pod.get("volumes", []):
        if "configMap" in volume:
            yield "ConfigMap", volume["configMap"]["name"]
        if "secret" in volume:
            yield "Secret", volume["secret"]["secretName"]


def _add_checksum(workload: Obj, consumable: dict[tuple[str, str], Any]) -> None:
    """Roll the pods when anything they read from our ConfigMaps or Secrets changes."""
    template = workload["spec"]["template"]
    keys = sorted(set(consumed(template["spec"])) & consumable.keys())
    if not keys:
        return
    contents = [[kind, name, consumable[kind, name]] for kind, name in keys]
    template["metadata"].setdefault("annotations", {})[CHECKSUM] = digest(contents)


def _name_after_template(job: Obj) -> None:
    """<name>-<hash of the pod template>: Jobs are immutable, so a changed one must be a new object."""
    suffix = digest(job["spec"]["template"])[:8]
    job["metadata"]["name"] = f"{job['metadata']['name'][:54].rstrip('-')}-{suffix}"
