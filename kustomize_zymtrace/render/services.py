"""The six zymtrace services (gateway, identity, ingest, symdb, ui, web): a Deployment and a Service each."""

from __future__ import annotations

from typing import Any, NamedTuple

from .cloudsql import proxy_sidecars
from .context import Context, Obj
from .pods import app_scheduling, http_probe, pull_secrets, resources, workload_env
from .wiring import service_account


class Probe(NamedTuple):
    live_path: str
    ready_path: str
    port: str  # a port attribute of the service's values, or a container port name
    live: tuple[int, int, int, int]  # initialDelay, period, timeout (0: default), failureThreshold
    ready: tuple[int, int, int, int]


GATEWAY_PROBE = Probe("/ready", "/ready", "admin", (30, 60, 0, 5), (5, 10, 0, 5))
HEALTH_PROBE = Probe("/liveness", "/readiness", "portHealth", (60, 10, 5, 3), (15, 10, 5, 5))
WEB_PROBE = Probe("/liveness", "/readiness", "port", (30, 60, 0, 5), (5, 10, 0, 5))
UI_PROBE = Probe("/index.html", "/index.html", "port", (30, 60, 0, 5), (5, 10, 0, 5))


class App(NamedTuple):
    key: str  # services.<key>; objects are named <prefix>-<key>
    command: str | None  # None: the image's entrypoint
    ports: tuple[tuple[str, str], ...]  # (port name, values attribute holding the number)
    probe: Probe


BACKEND_PORTS = (("http", "port"), ("http-trusted", "portTrusted"), ("http-health", "portHealth"))
APPS = (
    App("gateway", None, (("http", "port"), ("http-trusted", "portTrusted"), ("admin", "adminPort")), GATEWAY_PROBE),
    App("identity", "zymtrace-identity", (("http", "port"), ("http-health", "portHealth")), HEALTH_PROBE),
    App("ingest", "zymtrace-ingest", BACKEND_PORTS, HEALTH_PROBE),
    App("symdb", "zymtrace-symdb", BACKEND_PORTS, HEALTH_PROBE),
    App("ui", None, (("http", "port"),), UI_PROBE),
    App("web", "zymtrace-web", (("http", "port"),), WEB_PROBE),
)


def render(ctx: Context) -> list[Obj]:
    objects: list[Obj] = []
    for app in APPS:
        objects.append(deployment(ctx, app))
        objects.append(service(ctx, app))
    return objects


def _switch(ctx: Context, service: Any, kind: str) -> bool:
    override = getattr(service.healthProbes, kind) if service.healthProbes is not None else None
    return bool(override) if override is not None else getattr(ctx.spec.services.healthProbes, kind)


def _timed(path: str, port: int | str, timing: tuple[int, int, int, int]) -> Obj:
    initial, period, timeout, failure = timing
    return http_probe(path, port, initial, period, timeout=timeout, failure=failure)


def _probes(ctx: Context, app: App, service: Any) -> Obj:
    probe = app.probe
    port = getattr(service, probe.port, probe.port)
    out: Obj = {}
    if _switch(ctx, service, "liveness"):
        out["livenessProbe"] = _timed(probe.live_path, port, probe.live)
    if _switch(ctx, service, "readiness"):
        out["readinessProbe"] = _timed(probe.ready_path, port, probe.ready)
    return out


def _container(ctx: Context, app: App, service: Any) -> Obj:
    container: Obj = {"name": ctx.name(app.key), "image": ctx.app_image(app.key), "imagePullPolicy": ctx.pull_policy}
    if app.command:
        container["command"] = [app.command]
    ports = [(name, getattr(service, attr)) for name, attr in app.ports]
    if app.key == "gateway":
        ports.append(("mtls", service.mtls.port))  # declared even without mTLS, as the chart does
    container["ports"] = [{"name": name, "containerPort": port, "protocol": "TCP"} for name, port in ports]
    container.update(workload_env(ctx, app.key, service.env))
    container.update(resources(service.resources))
    if app.key == "gateway" and service.mtls.enabled:
        mount = {"name": ctx.name("gateway-mtls"), "mountPath": "/etc/envoy/certs", "readOnly": True}
        container["volumeMounts"] = [mount]
    container.update(_probes(ctx, app, service))
    return container


def deployment(ctx: Context, app: App) -> Obj:
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


def _service_ports(ctx: Context, app: App, service: Any) -> list[Obj]:
    exposure = service.service
    ports: list[Obj] = []
    for index, (name, attr) in enumerate(app.ports):
        port: Obj = {"name": name, "port": getattr(service, attr), "targetPort": name, "protocol": "TCP"}
        if app.key == "gateway" and name == "http":
            port["name"] = exposure.portName
        if app.key == "gateway" and name == "http-trusted":
            port["targetPort"] = service.portTrusted
        if index == 0 and exposure.type == "NodePort" and exposure.nodePort != "":
            port["nodePort"] = exposure.nodePort
        ports.append(port)
    if app.key == "gateway" and service.mtls.enabled:
        mtls = service.mtls.port
        ports.append({"name": "mtls", "port": mtls, "targetPort": mtls, "protocol": "TCP"})
    return ports


def service(ctx: Context, app: App) -> Obj:
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
