"""The six zymtrace services (gateway, identity, ingest, symdb, ui, web): a Deployment and a Service each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..components import SERVICES, Service
from .cloudsql import proxy_sidecars
from .context import Context, Obj
from .pods import app_scheduling, http_probe, pull_secrets, resources, workload_env
from .wiring import service_account
from .workloads import Rendered, Workload, workload

if TYPE_CHECKING:
    from ..components import AppSettings


def render(ctx: Context) -> list[Rendered]:
    objects: list[Rendered] = []
    for app in SERVICES:
        objects.append(deployment(ctx, app))
        objects.append(service(ctx, app))
    return objects


def _switches(ctx: Context, values: AppSettings) -> tuple[bool, bool]:
    """(liveness, readiness): the service's own switch where it sets one, else services.healthProbes'."""
    shared, own = ctx.spec.services.healthProbes, values.healthProbes
    live = own.liveness if own is not None and own.liveness is not None else shared.liveness
    ready = own.readiness if own is not None and own.readiness is not None else shared.readiness
    return bool(live), bool(ready)


def _timed(path: str, port: int | str, timing: tuple[int, int, int, int]) -> Obj:
    initial, period, timeout, failure = timing
    return http_probe(path, port, initial, period, timeout=timeout, failure=failure)


def _probes(ctx: Context, app: Service, values: AppSettings) -> Obj:
    probe = app.probe
    if probe is None:
        return {}
    port: int | str = probe.port if probe.by_name else app.port_number(ctx.spec, probe.port)
    live, ready = _switches(ctx, values)
    out: Obj = {}
    if live:
        out["livenessProbe"] = _timed(probe.live_path, port, probe.live)
    if ready:
        out["readinessProbe"] = _timed(probe.ready_path, port, probe.ready)
    return out


def _container(ctx: Context, app: Service, values: AppSettings) -> Obj:
    container: Obj = {
        "name": ctx.name(app.key),
        "image": ctx.app_image(values.image),
        "imagePullPolicy": ctx.pull_policy,
    }
    if app.command:
        container["command"] = [app.command]
    container["ports"] = [
        {"name": port.name, "containerPort": port.number(ctx.spec), "protocol": "TCP"} for port in app.ports
    ]
    container.update(workload_env(ctx, app, values.env))
    container.update(resources(values.resources))
    if app.certs is not None and app.certs.section(ctx.spec).enabled:
        mount = {"name": ctx.name(app.certs.secret), "mountPath": app.certs.mount, "readOnly": True}
        container["volumeMounts"] = [mount]
    container.update(_probes(ctx, app, values))
    return container


def deployment(ctx: Context, app: Service) -> Workload:
    values = app.app(ctx.spec)
    pod: Obj = {**app_scheduling(ctx, values), **pull_secrets(ctx)}
    account = service_account(ctx, app)
    if account:
        pod["serviceAccountName"] = account
    sidecars = proxy_sidecars(ctx, app)
    if sidecars:
        pod["initContainers"] = sidecars
    pod["containers"] = [_container(ctx, app, values)]
    if app.certs is not None and app.certs.section(ctx.spec).enabled:
        secret = app.certs.section(ctx.spec).existingSecret or ctx.name(app.certs.secret)
        pod["volumes"] = [{"name": ctx.name(app.certs.secret), "secret": {"secretName": secret}}]
    template_meta: Obj = {"labels": {**values.podLabels, **ctx.selector(app.key)}}
    if values.podAnnotations:
        template_meta["annotations"] = dict(sorted(values.podAnnotations.items()))
    spec: Obj = {}
    if not ctx.hpa_enabled(app):
        spec["replicas"] = values.replicas  # an HPA owns the count otherwise; a fixed one would fight it
    spec["selector"] = {"matchLabels": ctx.selector(app.key)}
    spec["template"] = {"metadata": template_meta, "spec": pod}
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": ctx.metadata(app.key, app=app.key), "spec": spec}
    return workload(ctx, app, obj)


def _service_ports(ctx: Context, app: Service, values: AppSettings) -> list[Obj]:
    exposure = values.service
    ports: list[Obj] = []
    for index, declared in enumerate(p for p in app.ports if p.on_service(ctx.spec)):
        number = declared.number(ctx.spec)
        port: Obj = {
            "name": declared.service_port_name(ctx.spec),
            "port": number,
            "targetPort": number if declared.target_number else declared.name,
            "protocol": "TCP",
        }
        if index == 0 and exposure.type == "NodePort" and exposure.nodePort != "":
            port["nodePort"] = exposure.nodePort
        ports.append(port)
    return ports


def service(ctx: Context, app: Service) -> Obj:
    values = app.app(ctx.spec)
    exposure = values.service
    spec: Obj = {"type": exposure.type}
    if app.headless and exposure.type == "ClusterIP":
        spec["clusterIP"] = "None"  # headless: Envoy sees every pod
    spec["ports"] = _service_ports(ctx, app, values)
    spec["selector"] = ctx.selector(app.key)
    meta = ctx.metadata(
        app.key,
        app=app.key if app.labelled_service else None,
        labels=exposure.labels,
        annotations=exposure.annotations,
    )
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
