"""What each generated Secret holds, and the references to user Secrets that replace inline values.

A credential (model/credential.py) is either written inline into one of our Secrets (its "owner") or, when
the user names an existing Secret, turned into `secretKeyRef` env entries on exactly the containers that
load the owner. Its field path, for the plaintext warnings and gitops.strictSecrets, comes from walking the
config, so a message always names the key as the values file spells it.
"""

from __future__ import annotations

import base64
import json
from typing import NamedTuple

from .. import stores
from ..model.credential import Credential, locate
from ..settings import Obj, Settings
from ..stores.base import SecretEntries
from ..stores.postgres.base import AWS_IAM, PGDATA
from ..values import as_dict

# Fixed, non-secret values the renderer itself puts into Secrets (public: never sealed for the checksum).
RENDERED_CONSTANTS = frozenset({PGDATA, AWS_IAM})


class Inline(NamedTuple):
    """A secret value written in plain text into a generated Secret."""

    value: str
    instead: str  # the field (or object) that would keep it out of the output


class SecretMaterial:
    """Contents of one generated Secret and the user-Secret references its consumers get instead.

    Every value that ends up in a generated Secret is put here, whatever the Secret's type, so the
    plaintext warnings, gitops.strictSecrets and the pod-rolling checksum see all of them.
    """

    def __init__(self, paths: dict[int, str], secret_type: str = "Opaque") -> None:
        self.paths = paths  # id of a section of this config -> its field path (credential.locate)
        self.type = secret_type
        self.data: dict[str, str] = {}
        self.refs: list[Obj] = []
        self.inline: dict[str, Inline] = {}  # field path -> value written inline (plaintext)
        self.secret_keys: dict[str, str] = {}  # data key -> field path of the secret it holds

    def put(self, names: tuple[str, ...] | list[str], cred: Credential, *, keep_empty: bool = False) -> None:
        if cred.secret_name:
            for env in names:
                ref = {"name": cred.secret_name, "key": cred.secret_key}
                self.refs.append({"name": env, "valueFrom": {"secretKeyRef": ref}})
        elif cred.value or keep_empty:
            self.data.update(dict.fromkeys(names, cred.value))
            # User names and key ids are not secrets on their own; passwords, keys and tokens are.
            if cred.value and cred.field != "user":
                path = f"{self.paths[id(cred.section)]}.{cred.field}"
                self.secret(names, path, cred.value, cred.reference)

    def secret(self, keys: tuple[str, ...] | list[str], path: str, value: str, instead: str) -> None:
        """Record that data `keys` hold the secret at field `path` (or a value derived from it)."""
        self.inline[path] = Inline(value, instead)
        self.secret_keys.update(dict.fromkeys(keys, path))


Paths = dict[int, str]  # id of a section of the config being rendered -> its field path


def secret_material(ctx: Settings) -> dict[str, SecretMaterial]:
    """suffix -> material of every generated Opaque Secret, in the order they are rendered."""
    paths: Paths = {id(section): path for path, section in locate(ctx.spec)}
    material = {
        "auth-secrets": _auth(ctx, paths),
        "clickhouse-secrets": _store_secret(paths, stores.clickhouse(ctx).secret(ctx)),
        "postgres-secrets": _store_secret(paths, stores.postgres(ctx).secret(ctx)),
        "storage-secrets": _store_secret(paths, stores.storage(ctx).secret(ctx)),
    }
    if stores.storage(ctx).in_cluster:
        config = ctx.spec.storage.create.config
        minio = SecretMaterial(paths)
        minio.put(["MINIO_ROOT_USER"], config.user_credential, keep_empty=True)
        minio.put(["MINIO_ROOT_PASSWORD"], config.password_credential)
        material["minio-secrets"] = minio
    if ctx.spec.aiAssistant.enabled:
        material["ai-assistant-secrets"] = _ai_assistant(ctx, paths)
    if ctx.spec.globalSymbolization.enabled:
        symbolization = ctx.spec.globalSymbolization.config
        sym = SecretMaterial(paths)
        sym.put(["SYMDB__GLOBAL_SYM_ENDPOINT__AWS_ACCESS_KEY_ID"], symbolization.access_key_credential)
        sym.put(["SYMDB__GLOBAL_SYM_ENDPOINT__AWS_SECRET_ACCESS_KEY"], symbolization.secret_key_credential)
        material["global-symbolization-secrets"] = sym
    mtls = ctx.spec.services.gateway.mtls
    if mtls.enabled and not mtls.existingSecret:
        material["gateway-mtls"] = _mtls(ctx, paths)
    registry = ctx.spec.global_.registry
    if registry.requirePullSecret and not registry.pullSecretName:
        material["registry-cred"] = _pull_secret(ctx, paths)
    return material


def _mtls(ctx: Settings, paths: Paths) -> SecretMaterial:
    mtls = ctx.spec.services.gateway.mtls
    out = SecretMaterial(paths, "kubernetes.io/tls")
    out.data.update({"ca.crt": mtls.ca, "tls.crt": mtls.cert, "tls.key": mtls.key})
    if mtls.key:  # the certificates are public; the private key is not
        out.secret(["tls.key"], "spec.services.gateway.mtls.key", mtls.key, "spec.services.gateway.mtls.existingSecret")
    return out


def _pull_secret(ctx: Settings, paths: Paths) -> SecretMaterial:
    g = ctx.spec.global_
    user, password = g.registry.username, g.registry.password
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    # json.dumps escapes what the chart pasted in raw (a quote in a password broke its JSON).
    auths = {g.appImageRegistry: {"username": user, "password": password, "auth": token}}
    out = SecretMaterial(paths, "kubernetes.io/dockerconfigjson")
    out.data[".dockerconfigjson"] = json.dumps({"auths": auths}, separators=(",", ":"))
    if password:
        where = "spec.global.registry.password"
        out.secret([".dockerconfigjson"], where, password, "spec.global.registry.pullSecretName")
    return out


def _auth(ctx: Settings, paths: Paths) -> SecretMaterial:
    spec = ctx.spec
    out = SecretMaterial(paths)
    out.put(["WEB__LICENSE__KEY", "INGEST__LICENSE__KEY"], spec.global_.license_key_credential)
    auth = spec.auth
    if ctx.auth_type == "basic":
        out.data["UI_USER"] = auth.basic.username
        out.put(["UI_PASSWORD"], auth.basic.password_credential, keep_empty=True)
    admin = auth.admin.password_credential
    if ctx.token_auth or (ctx.auth_type == "basic" and admin.secret_name):
        out.put(["IDENTITY__AUTH__ADMIN__PASSWORD"], admin)
    if ctx.token_auth:
        keys = auth.validation.keys
        out.put(["IDENTITY__AUTH__TOKEN__PRIVATE_KEY__CONTENT"], keys.private_key_credential)
        public = ["IDENTITY__AUTH__TOKEN__PUBLIC_KEY__CONTENT", "WEB__AUTH__VALIDATION__PUBLIC_KEY__CONTENT"]
        out.put(public, keys.public_key_credential)
    if ctx.auth_type == "oidc":
        provider = auth.oidc.provider
        out.data["IDENTITY__AUTH__OIDC__CLIENT_ID"] = provider.clientId
        out.put(["IDENTITY__AUTH__OIDC__CLIENT_SECRET"], provider.client_secret_credential)
    out.put(["WEB__DEMO__USER__PASSWORD"], spec.prefillDemo.password_credential)
    return out


def _store_secret(paths: Paths, entries: SecretEntries) -> SecretMaterial:
    out = SecretMaterial(paths)
    out.data.update(entries.fixed)
    for written in entries.written:
        out.put(written.keys, written.credential, keep_empty=written.keep_empty)
    return out


def _ai_assistant(ctx: Settings, paths: Paths) -> SecretMaterial:
    ai = ctx.spec.aiAssistant
    out = SecretMaterial(paths)
    for provider, env in ((ai.anthropic, "ANTHROPIC"), (ai.gemini, "GEMINI"), (ai.openai, "OPENAI")):
        out.put([f"WEB__ASSISTANT__API_KEYS__{env}"], provider.api_key_credential)
    if ai.customLLM.url:
        out.data["WEB__ASSISTANT__CUSTOM_LLM__URL"] = ai.customLLM.url
    out.put(["WEB__ASSISTANT__CUSTOM_LLM__API_KEY"], ai.customLLM.api_key_credential)
    if ai.customLLM.models:
        out.data["WEB__ASSISTANT__CUSTOM_LLM__MODELS"] = ai.customLLM.models
    if mcp_servers_are_secret(ctx):
        servers = mcp_servers_json(ctx)
        out.data["WEB__ASSISTANT__MCP_SERVERS"] = servers
        out.secret(["WEB__ASSISTANT__MCP_SERVERS"], "spec.aiAssistant.mcpServers", servers, "an existing Secret")
    return out


def mcp_servers_json(ctx: Settings) -> str:
    servers = ctx.spec.aiAssistant.mcpServers or []
    # Go's toJson, as the chart uses it: only the keys given, sorted, compact.
    given = [as_dict(server, exclude_none=True) for server in servers]
    return json.dumps(given, sort_keys=True, separators=(",", ":"))


def mcp_servers_are_secret(ctx: Settings) -> bool:
    """With a bearer token in the list, the whole list goes into the Secret instead of the ConfigMap."""
    return any(server.authToken for server in ctx.spec.aiAssistant.mcpServers or [])
