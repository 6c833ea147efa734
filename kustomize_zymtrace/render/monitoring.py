"""prometheus-operator PodMonitors for the services that expose /metrics."""

from __future__ import annotations

from .context import Context, Obj

# service -> the container port serving /metrics (web serves it on its REST port).
METRICS_PORTS = {"identity": "http-health", "ingest": "http-health", "symdb": "http-health", "web": "http"}


def render(ctx: Context) -> list[Obj]:
    monitor = ctx.spec.metricReporter.podMonitor
    if not monitor.enabled:
        return []
    objects = []
    for service, port in METRICS_PORTS.items():
        endpoint = {"port": port, "path": "/metrics"}
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
