"""Generated Secrets, one per credential-path material (credentials.py), every value base64 in `data`.

Not `stringData`: the API server merges stringData into data and forgets it, so under server-side
apply (kubectl --server-side, Flux, Argo CD's ServerSideApply) the applier owns `stringData.KEY`, which
never exists on the stored object, and nobody owns `data.KEY`. A key dropped from stringData would then
stay in the cluster for good (an old password, the keys of a storage mode no longer used). Written as
data, every key is owned by the applier and leaves the cluster when it leaves the render.
"""

from __future__ import annotations

import base64

from .context import Context, Obj
from .credentials import SecretMaterial

# Secrets that carry the app label of what uses them (kept from the chart, for in-place adoption).
APP_LABEL = {"gateway-mtls": "gateway", "registry-cred": "registry-cred"}


def render(ctx: Context) -> list[Obj]:
    return [secret(ctx, suffix, material) for suffix, material in ctx.secrets.items()]


def secret(ctx: Context, suffix: str, material: SecretMaterial) -> Obj:
    # Opaque keys sorted (stable output whatever order the credentials were gathered in); the typed
    # Secrets keep the order their type documents (ca.crt, tls.crt, tls.key).
    data = dict(sorted(material.data.items())) if material.type == "Opaque" else material.data
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": ctx.metadata(suffix, app=APP_LABEL.get(suffix)),
        "type": material.type,
    }
    if data:  # no empty map: kustomize and Flux drop one, and an apply without data removes every key we own
        obj["data"] = {key: _b64(value) for key, value in data.items()}
    return obj


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
