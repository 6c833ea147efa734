"""HorizontalPodAutoscalers (services and the Cloud SQL proxy) and the services' PodDisruptionBudgets."""

from __future__ import annotations

from typing import Any

from ..components import AUTOSCALED, PROXY
from ..values import as_dict, plain
from .context import Context, Obj


def render(ctx: Context) -> list[Obj]:
    objects: list[Obj] = []
    for component in AUTOSCALED:
        enabled = ctx.hpa_enabled(component.key)
        if enabled:
            objects.append(hpa(ctx, component.key, ctx.effective_hpa(component.key)))
        objects.append(pdb(ctx, component.key, enabled))
    proxy = ctx.spec.postgres.gcp_cloudsql.hpa
    if ctx.cloudsql and not ctx.cloudsql_sidecar and proxy.enabled:
        objects.append(hpa(ctx, PROXY.key, as_dict(proxy)))
    return objects


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
