"""Apply stages: what must be running before what, without Helm hooks.

One table serves both GitOps tools: Argo CD sync waves (annotations) and the Flux layout (one
directory per group, chained with dependsOn). It classifies final objects, so it also works on
kustomize output after overlays patched it.
"""

from __future__ import annotations

from typing import Any

from ..components import COMPONENTS

# stage -> (Argo CD sync wave, Flux directory)
STAGES: dict[str, tuple[int, str]] = {
    "prepare": (-3, "1-databases"),  # configuration, credentials, volumes, policies
    "databases": (-2, "1-databases"),  # the in-cluster databases and the Cloud SQL proxy
    "migrate": (-1, "2-migrate"),  # schema migration and bucket Jobs, which wait for the databases
    "services": (0, "3-services"),  # the zymtrace services
    "ingress": (1, "3-services"),  # exposure last
}
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


def stage(obj: dict[str, Any]) -> str:
    kind = obj["kind"]
    if kind in PREPARE_KINDS:
        return "prepare"
    if kind == "Job":
        return "migrate"
    if kind == "Ingress":
        return "ingress"
    if kind == "StatefulSet" or _app(obj).endswith(DATABASE_APPS):
        return "databases"
    return "services"


def wave(obj: dict[str, Any]) -> int:
    return STAGES[stage(obj)][0]


def flux_directory(obj: dict[str, Any]) -> str:
    return STAGES[stage(obj)][1]
