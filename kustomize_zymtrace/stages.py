"""Apply stages: what must be running before what, without Helm hooks.

One table serves the GitOps tools: Argo CD sync waves (annotations), the Flux layout (one directory per
group, chained with dependsOn) and kpt's depends-on annotations. It classifies final objects, so it
also works on kustomize output after overlays patched it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .api import GENERATED_BY
from .components import COMPONENTS
from .wellknown import WORKLOADS

# stage -> (Argo CD sync wave, Flux directory), in apply order
STAGES: dict[str, tuple[int, str]] = {
    # what the generator does not own (ExternalSecret, SecretStore, SealedSecret, Namespace, RBAC, ...):
    # the credentials and permissions the databases need, so before them
    "prerequisites": (-4, "0-prerequisites"),
    "prepare": (-3, "1-databases"),  # configuration, credentials, policies
    "databases": (-2, "1-databases"),  # the in-cluster databases and the Cloud SQL proxy
    "migrate": (-1, "2-migrate"),  # schema migration and bucket Jobs, which wait for the databases
    "services": (0, "3-services"),  # the zymtrace services
    "ingress": (1, "3-services"),  # exposure last
}
ORDER = list(STAGES)
PREPARE_KINDS = ("Secret", "ConfigMap", "PersistentVolumeClaim", "ServiceAccount", "NetworkPolicy")
# App label suffixes of what runs in the databases stage: the databases and the Cloud SQL proxy.
DATABASE_APPS = tuple(f"-{c.key}" for c in COMPONENTS if c.kind in ("database", "proxy"))


def _app(obj: dict[str, Any]) -> str:
    spec = obj.get("spec") or {}
    if obj["kind"] == "Service":
        return str((spec.get("selector") or {}).get("app", ""))
    if obj["kind"] == "HorizontalPodAutoscaler":
        return str((spec.get("scaleTargetRef") or {}).get("name", ""))
    return str(((obj.get("metadata") or {}).get("labels") or {}).get("app", ""))


def _own_stage(obj: dict[str, Any]) -> str:
    kind = obj["kind"]
    if GENERATED_BY not in ((obj.get("metadata") or {}).get("annotations") or {}):
        return "prerequisites"
    if kind in PREPARE_KINDS:
        return "prepare"
    if kind == "Job":
        return "migrate"
    if kind == "Ingress":
        return "ingress"
    if kind == "StatefulSet" or _app(obj).endswith(DATABASE_APPS):
        return "databases"
    return "services"


def claims(objects: Iterable[dict[str, Any]]) -> dict[str, str]:
    """PersistentVolumeClaim name -> the stage of its first consumer. A claim in an earlier stage than
    the pod that binds it never becomes healthy under a WaitForFirstConsumer storage class, so Argo CD
    would wait on that wave forever."""
    first: dict[str, str] = {}
    for obj in objects:
        if obj.get("kind") not in WORKLOADS:
            continue
        pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        for volume in pod.get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                consumer = _own_stage(obj)
                if claim not in first or ORDER.index(consumer) < ORDER.index(first[claim]):
                    first[claim] = consumer
    return first


def stage(obj: dict[str, Any], claim_stages: dict[str, str] | None = None) -> str:
    """The object's stage; a claim takes its first consumer's (from claims() over the same objects)."""
    own = _own_stage(obj)
    if obj["kind"] == "PersistentVolumeClaim" and own != "prerequisites" and claim_stages:
        return claim_stages.get(obj["metadata"]["name"], own)
    return own


def wave(obj: dict[str, Any], claim_stages: dict[str, str] | None = None) -> int:
    return STAGES[stage(obj, claim_stages)][0]


def flux_directory(obj: dict[str, Any], claim_stages: dict[str, str] | None = None) -> str:
    return STAGES[stage(obj, claim_stages)][1]
