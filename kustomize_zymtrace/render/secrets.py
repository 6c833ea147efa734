"""Generated Secrets: the Opaque ones (see credentials.py), the gateway's mTLS Secret, the pull Secret."""

from __future__ import annotations

import base64
import json

from .context import Context, Obj


def render(ctx: Context) -> list[Obj]:
    objects = [opaque(ctx, suffix, material.data) for suffix, material in ctx.secrets.items()]
    mtls = ctx.spec.services.gateway.mtls
    if mtls.enabled and not mtls.existingSecret:
        objects.append(_mtls(ctx))
    registry = ctx.spec.global_.registry
    if registry.requirePullSecret and not registry.pullSecretName:
        objects.append(_pull_secret(ctx))
    return objects


def opaque(ctx: Context, suffix: str, data: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": ctx.metadata(suffix),
        "type": "Opaque",
        "stringData": dict(sorted(data.items())),
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _mtls(ctx: Context) -> Obj:
    mtls = ctx.spec.services.gateway.mtls
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": ctx.metadata("gateway-mtls", app="gateway"),
        "type": "kubernetes.io/tls",
        "data": {"ca.crt": _b64(mtls.ca), "tls.crt": _b64(mtls.cert), "tls.key": _b64(mtls.key)},
    }


def _pull_secret(ctx: Context) -> Obj:
    g = ctx.spec.global_
    user, password = g.registry.username, g.registry.password
    # json.dumps escapes what the chart pasted in raw (a quote in a password broke its JSON).
    auths = {g.appImageRegistry: {"username": user, "password": password, "auth": _b64(f"{user}:{password}")}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": ctx.metadata("registry-cred", app="registry-cred"),
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": _b64(json.dumps({"auths": auths}, separators=(",", ":")))},
    }
