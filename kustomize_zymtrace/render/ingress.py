"""Ingresses for the gateway: the main one and the optional mTLS (SSL passthrough) one."""

from __future__ import annotations

from typing import Any

from .context import Context, Obj

NGINX_GRPC = {
    "nginx.ingress.kubernetes.io/backend-protocol": "GRPC",
    "nginx.ingress.kubernetes.io/http2-enable": "true",
}


def render(ctx: Context) -> list[Obj]:
    ingress = ctx.spec.ingress
    if not ingress.enabled:
        return []
    gateway = ingress.hosts.gateway
    objects = []
    port = ctx.spec.services.gateway.port
    if gateway.enabled:
        tls = [{"hosts": list(t.hosts), "secretName": t.secretName} for t in ingress.tls]
        objects.append(_ingress(ctx, "gateway-ingress", gateway, gateway.annotations, port, tls))
    mtls = ctx.spec.services.gateway.mtls
    if mtls.enabled and gateway.mtls.enabled:
        objects.append(_ingress(ctx, "gateway-ingress-mtls", gateway.mtls, gateway.mtls.annotations, mtls.port, []))
    return objects


def _ingress(ctx: Context, suffix: str, host: Any, own: dict[str, str], port: int, tls: list[Obj]) -> Obj:
    ingress = ctx.spec.ingress
    # Later maps win, so a user annotation replaces the nginx default instead of duplicating the key.
    annotations = {**(NGINX_GRPC if ingress.className == "nginx" else {}), **ingress.annotations, **own}
    backend = {"service": {"name": ctx.name("gateway"), "port": {"number": port}}}
    paths = [{"path": p.path, "pathType": p.pathType, "backend": backend} for p in host.paths]
    spec: Obj = {}
    if ingress.className:
        spec["ingressClassName"] = ingress.className
    if tls:
        spec["tls"] = tls
    rule: Obj = {"host": host.host} if host.host else {}
    rule["http"] = {"paths": paths}
    spec["rules"] = [rule]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": ctx.metadata(suffix, annotations=annotations),
        "spec": spec,
    }
