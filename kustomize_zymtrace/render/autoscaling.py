"""HorizontalPodAutoscalers (services and the Cloud SQL proxy) and the services' PodDisruptionBudgets."""

from __future__ import annotations

from typing import Any

from ..values import as_dict, plain
from .context import Context, Obj

AUTOSCALED = ("gateway", "identity", "ingest", "symdb", "ui", "web")
HPA_KEYS = (
    "minReplicas",
    "maxReplicas",
    "targetCPUUtilizationPercentage",
    "targetMemoryUtilizationPercentage",
    "behavior",
)


def render(ctx: Context) -> list[Obj]:
    objects: list[Obj] = []
    for service in AUTOSCALED:
        enabled = ctx.hpa_enabled(service)
        if enabled:
            objects.append(hpa(ctx, service, effective_hpa(ctx, service)))
        objects.append(pdb(ctx, service, enabled))
    proxy = ctx.spec.postgres.gcp_cloudsql.hpa
    if ctx.cloudsql and not ctx.cloudsql_sidecar and proxy.enabled:
        objects.append(hpa(ctx, "postgres-proxy", as_dict(proxy)))
    return objects


def effective_hpa(ctx: Context, service: str) -> dict[str, Any]:
    """Key by key: the service's own value when given, else services.common.hpa's (chart section 5)."""
    common = ctx.spec.services.common.hpa
    own = getattr(ctx.spec.services, service).hpa
    merged = {}
    for key in HPA_KEYS:
        value = getattr(own, key) if own is not None else None
        merged[key] = value if value is not None else getattr(common, key)
    return merged


def _metric(resource: str, target: int | None) -> list[Obj]:
    if not target:
        return []
    return [
        {
            "type": "Resource",
            "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": target}},
        }
    ]


def hpa(ctx: Context, target: str, settings: dict[str, Any]) -> Obj:
    spec: Obj = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ctx.name(target)},
        "minReplicas": settings["minReplicas"],
        "maxReplicas": settings["maxReplicas"],
    }
    metrics = _metric("cpu", settings["targetCPUUtilizationPercentage"])
    metrics += _metric("memory", settings["targetMemoryUtilizationPercentage"])
    if metrics:
        spec["metrics"] = metrics
    if settings.get("behavior"):
        spec["behavior"] = plain(settings["behavior"])
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": ctx.metadata(target),
        "spec": spec,
    }


def pdb(ctx: Context, service: str, autoscaled: bool) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        # The chart leaves namespace and labels off its PDBs; both are set here like on every other object.
        "metadata": ctx.metadata(service, name=f"{ctx.name(service)}-pdb"),
        "spec": {
            "maxUnavailable": "30%" if autoscaled else 1,
            "selector": {"matchLabels": ctx.selector(service)},
        },
    }
