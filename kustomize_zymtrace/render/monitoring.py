"""prometheus-operator PodMonitors for the services that expose /metrics."""

from __future__ import annotations

from ..components import SERVICES
from .context import Context, Obj


def render(ctx: Context) -> list[Obj]:
    monitor = ctx.spec.metricReporter.podMonitor
    if not monitor.enabled:
        return []
    objects = []
    for component in (c for c in SERVICES if c.metrics):
        service = component.key
        endpoint = {"port": component.metrics, "path": "/metrics"}
        if monitor.interval:
            endpoint["interval"] = monitor.interval
        objects.append(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PodMonitor",
                "metadata": ctx.metadata(service, labels=monitor.additionalLabels),
                "spec": {"selector": {"matchLabels": ctx.selector(service)}, "podMetricsEndpoints": [endpoint]},
            }
        )
    return objects
