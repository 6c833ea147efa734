"""HorizontalPodAutoscalers (services and the Cloud SQL proxy) and the services' PodDisruptionBudgets."""

from __future__ import annotations

from .. import stores
from ..components import AUTOSCALED, PROXY
from ..settings import Hpa
from ..values import plain
from .context import Context, Obj


def render(ctx: Context) -> list[Obj]:
    objects: list[Obj] = []
    for component in AUTOSCALED:
        enabled = ctx.hpa_enabled(component)
        if enabled:
            objects.append(hpa(ctx, component.key, ctx.effective_hpa(component)))
        objects.append(pdb(ctx, component.key, enabled))
    proxy = ctx.spec.postgres.gcp_cloudsql.hpa
    if stores.postgres(ctx).proxy_deployment(ctx) and proxy.enabled:
        targets = (proxy.targetCPUUtilizationPercentage, proxy.targetMemoryUtilizationPercentage)
        objects.append(hpa(ctx, PROXY.key, Hpa(proxy.minReplicas, proxy.maxReplicas, *targets, None)))
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


def hpa(ctx: Context, target: str, settings: Hpa) -> Obj:
    spec: Obj = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ctx.name(target)},
        "minReplicas": settings.minReplicas,
        "maxReplicas": settings.maxReplicas,
    }
    metrics = _metric("cpu", settings.targetCPUUtilizationPercentage)
    metrics += _metric("memory", settings.targetMemoryUtilizationPercentage)
    if metrics:
        spec["metrics"] = metrics
    if settings.behavior:
        spec["behavior"] = plain(settings.behavior)
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
