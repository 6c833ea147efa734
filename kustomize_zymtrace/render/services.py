"""The six zymtrace services (gateway, identity, ingest, symdb, ui, web): a Deployment and a Service each."""

from __future__ import annotations

from typing import Any

from ..components import SERVICES, Component
from .cloudsql import proxy_sidecars
from .context import Context, Obj
from .pods import app_scheduling, http_probe, pull_secrets, resources, workload_env
from .wiring import service_account


def render(ctx: Context) -> list[Obj]:
    objects: list[Obj] = []
    for app in SERVICES:
        objects.append(deployment(ctx, app))
        objects.append(service(ctx, app))
    return objects


def _switch(ctx: Context, service: Any, kind: str) -> bool:
    override = getattr(service.healthProbes, kind) if service.healthProbes is not None else None
    return bool(override) if override is not None else getattr(ctx.spec.services.healthProbes, kind)


def _timed(path: str, port: int | str, timing: tuple[int, int, int, int]) -> Obj:
    initial, period, timeout, failure = timing
    return http_probe(path, port, initial, period, timeout=timeout, failure=failure)


def _probes(ctx: Context, app: Component, service: Any) -> Obj:
    probe = app.probe
    if probe is None:
        return {}
    port = getattr(service, probe.port, probe.port)
    out: Obj = {}
    if _switch(ctx, service, "liveness"):
        out["livenessProbe"] = _timed(probe.live_path, port, probe.live)
    if _switch(ctx, service, "readiness"):
        out["readinessProbe"] = _timed(probe.ready_path, port, probe.ready)
    return out


def _container(ctx: Context, app: Component, service: Any) -> Obj:
    container: Obj = {"name": ctx.name(app.key), "image": ctx.app_image(app.key), "imagePullPolicy": ctx.pull_policy}
    if app.command:
        container["command"] = [app.command]
    container["ports"] = [
        {"name": port.name, "containerPort": ctx.port_number(app, port), "protocol": "TCP"} for port in app.ports
    ]
    container.update(workload_env(ctx, app.key, service.env))
    container.update(resources(service.resources))
    if app.key == "gateway" and service.mtls.enabled:
        mount = {"name": ctx.name("gateway-mtls"), "mountPath": "/etc/envoy/certs", "readOnly": True}
        container["volumeMounts"] = [mount]
    container.update(_probes(ctx, app, service))
    return container


def deployment(ctx: Context, app: Component) -> Obj:
    service = getattr(ctx.spec.services, app.key)
    pod: Obj = {**app_scheduling(ctx, app.key), **pull_secrets(ctx)}
    account = service_account(ctx, app.key)
    if account:
        pod["serviceAccountName"] = account
    sidecars = proxy_sidecars(ctx, app.key)
    if sidecars:
        pod["initContainers"] = sidecars
    pod["containers"] = [_container(ctx, app, service)]
    if app.key == "gateway" and service.mtls.enabled:
        secret = service.mtls.existingSecret or ctx.name("gateway-mtls")
        pod["volumes"] = [{"name": ctx.name("gateway-mtls"), "secret": {"secretName": secret}}]
    template_meta: Obj = {"labels": {**service.podLabels, **ctx.selector(app.key)}}
    if service.podAnnotations:
        template_meta["annotations"] = dict(sorted(service.podAnnotations.items()))
    spec: Obj = {}
    if not ctx.hpa_enabled(app.key):
        spec["replicas"] = service.replicas  # an HPA owns the count otherwise; a fixed one would fight it
    spec["selector"] = {"matchLabels": ctx.selector(app.key)}
    spec["template"] = {"metadata": template_meta, "spec": pod}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": ctx.metadata(app.key, app=app.key),
        "spec": spec,
    }


def _service_ports(ctx: Context, app: Component, service: Any) -> list[Obj]:
    exposure = service.service
    ports: list[Obj] = []
    for index, declared in enumerate(p for p in app.ports if ctx.on_service(app, p)):
        number = ctx.port_number(app, declared)
        port: Obj = {
            "name": ctx.service_port_name(app, declared),
            "port": number,
            "targetPort": number if declared.target_number else declared.name,
            "protocol": "TCP",
        }
        if index == 0 and exposure.type == "NodePort" and exposure.nodePort != "":
            port["nodePort"] = exposure.nodePort
        ports.append(port)
    return ports


def service(ctx: Context, app: Component) -> Obj:
    values = getattr(ctx.spec.services, app.key)
    exposure = values.service
    spec: Obj = {"type": exposure.type}
    if app.key != "gateway" and exposure.type == "ClusterIP":
        spec["clusterIP"] = "None"  # headless: Envoy sees every pod
    spec["ports"] = _service_ports(ctx, app, values)
    spec["selector"] = ctx.selector(app.key)
    # Only the gateway Service carries the app label in the chart; keep that for in-place adoption.
    meta = ctx.metadata(
        app.key,
        app=app.key if app.key == "gateway" else None,
        labels=exposure.labels,
        annotations=exposure.annotations,
    )
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
