"""Generated Secrets, one per credential-path material (credentials.py): Opaque ones as stringData, the
gateway's mTLS Secret and the registry pull Secret as base64 data, as their types expect."""

from __future__ import annotations

import base64

from .context import Context, Obj
from .credentials import SecretMaterial

# Secrets that carry the app label of what uses them (kept from the chart, for in-place adoption).
APP_LABEL = {"gateway-mtls": "gateway", "registry-cred": "registry-cred"}


def render(ctx: Context) -> list[Obj]:
    return [secret(ctx, suffix, material) for suffix, material in ctx.secrets.items()]


def secret(ctx: Context, suffix: str, material: SecretMaterial) -> Obj:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": ctx.metadata(suffix, app=APP_LABEL.get(suffix)),
        "type": material.type,
    }
    if material.type == "Opaque":
        obj["stringData"] = dict(sorted(material.data.items()))
    else:
        obj["data"] = {key: _b64(value) for key, value in material.data.items()}
    return obj


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
