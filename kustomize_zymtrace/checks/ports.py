"""Unique port numbers and port names per pod and per Service, from the registry's port declarations.

The API server rejects a Service with two ports of one number or name, and a pod whose containers
declare one port twice; two processes of one pod (a Cloud SQL proxy sidecar and the app) cannot both
listen on one port. Each clash is reported at the field that sets the later port, naming the other.
"""

from __future__ import annotations

from typing import NamedTuple

from .. import stores
from ..components import COMPONENTS, PROXY, Component, Database, Proxy, Service
from ..results import Result, error, shown
from ..settings import Settings


class Opened(NamedTuple):
    name: str
    number: int
    path: str  # the field holding the number
    name_path: str  # the field holding the name ("" when the name is fixed)


def _path(path: str) -> str:
    return f"spec.{path}"


def rendered(ctx: Settings, component: Component) -> bool:
    """Whether the component's pods and Services are rendered at all in this config."""
    if isinstance(component, Database):
        return stores.in_cluster(ctx, component)
    if isinstance(component, Proxy):
        return stores.postgres(ctx).proxy_deployment(ctx)
    return isinstance(component, Service)  # Jobs open no ports


def pod_ports(ctx: Settings, component: Component) -> list[Opened]:
    opened = [Opened(port.name, port.number(ctx.spec), _path(port.path), "") for port in component.ports]
    if stores.postgres(ctx).sidecar_in(ctx, component):
        proxy = PROXY.ports[0]
        opened.append(Opened(f"{PROXY.key} sidecar", proxy.number(ctx.spec), _path(proxy.path), ""))
    return opened


def service_ports(ctx: Settings, component: Component) -> list[Opened]:
    return [
        Opened(
            port.service_port_name(ctx.spec),
            port.number(ctx.spec),
            _path(port.path),
            _path(port.name_path) if port.name_path else "",
        )
        for port in component.ports
        if port.on_service(ctx.spec)
    ]


def _clashes(opened: list[Opened], where: str) -> list[Result]:
    out: list[Result] = []
    numbers: dict[int, Opened] = {}
    names: dict[str, Opened] = {}
    for port in opened:
        first = numbers.setdefault(port.number, port)
        if first is not port:
            message = f"{port.number} is also {first.path} ({first.name}) {where}: each port needs its own number"
            out.append(error(port.path, message))
        first = names.setdefault(port.name, port)
        if first is not port:
            # Reported at the field that chose a name (the other port's name is fixed), else at the port.
            at, other = (first, port) if first.name_path and not port.name_path else (port, first)
            message = f"{shown(at.name)} is also the name of {other.path} {where}: port names must be unique"
            out.append(error(at.name_path or at.path, message))
    return out


def unique_ports(ctx: Settings) -> list[Result]:
    found: dict[str, Result] = {}  # one finding per field: a pod clash is usually a Service clash too
    for component in COMPONENTS:
        if not rendered(ctx, component):
            continue
        name = ctx.name(component.key)
        for result in (
            *_clashes(pod_ports(ctx, component), f"in the {name} pod"),
            *_clashes(service_ports(ctx, component), f"on the {name} Service"),
        ):
            found.setdefault(result.path, result)
    return list(found.values())


RULES = (unique_ports,)
