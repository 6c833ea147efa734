"""What each generated Secret holds, and the references to user Secrets that replace inline values.

A credential is either written inline into one of our Secrets (its "owner") or, when the user names an
existing Secret, turned into `secretKeyRef` env entries on exactly the containers that load the owner.
"""

from __future__ import annotations

import base64
import json
from typing import Any, NamedTuple

from ..components import service_clients
from ..settings import Obj, Settings, assert_never
from ..values import as_dict

# The services with their own PostgreSQL / ClickHouse settings (<SERVICE>__POSTGRES__..., ...), from the
# registry's stores; ClickHouse clients write profiles and metrics to two databases.
APPS_DB = tuple(c.env_prefix for c in service_clients("postgres"))
CLICKHOUSE_CLIENTS = tuple(
    (f"{c.env_prefix}{part}__CLICKHOUSE", database)
    for c in service_clients("clickhouse")
    for part, database in (("", "profiling"), ("__METRICS", "metrics"))
)
CLICKHOUSE_PASSWORDS = ("CLICKHOUSE_PASSWORD", *(f"{prefix}__PASSWORD" for prefix, _ in CLICKHOUSE_CLIENTS))
POSTGRES_PASSWORDS = ("POSTGRES_PASSWORD", *(f"{app}__POSTGRES__PASSWORD" for app in APPS_DB))
BUCKET_KEY_ID = "SYMDB__SYMBOL_BUCKET__AWS_ACCESS_KEY_ID"
BUCKET_SECRET = "SYMDB__SYMBOL_BUCKET__AWS_SECRET_ACCESS_KEY"


# Fixed, non-secret values the renderer itself puts into Secrets (public: never sealed for the checksum).
PGDATA = "/var/lib/postgresql/data/pgdata"
AWS_IAM = "aws"
RENDERED_CONSTANTS = frozenset({PGDATA, AWS_IAM})


class Credential(NamedTuple):
    path: str  # field path of the inline value, for messages
    value: str
    secret_name: str
    secret_key: str
    instead: str  # what to set instead of writing the value inline


def credential(section: Any, name: str, path: str, *, instead: str = "") -> Credential:
    return Credential(
        path=f"{path}.{name}",
        value=getattr(section, name) or "",
        secret_name=getattr(section, f"{name}SecretName", ""),
        secret_key=getattr(section, f"{name}SecretKey", ""),
        instead=instead or f"{name}SecretName",
    )


class Inline(NamedTuple):
    """A secret value written in plain text into a generated Secret."""

    value: str
    instead: str  # the field (or object) that would keep it out of the output


class SecretMaterial:
    """Contents of one generated Secret and the user-Secret references its consumers get instead.

    Every value that ends up in a generated Secret is put here, whatever the Secret's type, so the
    plaintext warnings, gitops.strictSecrets and the pod-rolling checksum see all of them.
    """

    def __init__(self, secret_type: str = "Opaque") -> None:
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
            if cred.value and not cred.path.endswith(".user"):
                self.secret(names, cred.path, cred.value, cred.instead)

    def secret(self, keys: tuple[str, ...] | list[str], path: str, value: str, instead: str) -> None:
        """Record that data `keys` hold the secret at field `path` (or a value derived from it)."""
        self.inline[path] = Inline(value, instead)
        self.secret_keys.update(dict.fromkeys(keys, path))


def secret_material(ctx: Settings) -> dict[str, SecretMaterial]:
    """suffix -> material of every generated Opaque Secret, in the order they are rendered."""
    material = {
        "auth-secrets": _auth(ctx),
        "clickhouse-secrets": _clickhouse(ctx),
        "postgres-secrets": _postgres(ctx),
        "storage-secrets": _storage(ctx),
    }
    if ctx.minio_in_cluster:
        config = ctx.spec.storage.create.config
        minio = SecretMaterial()
        minio.put(["MINIO_ROOT_USER"], credential(config, "user", "spec.storage.create.config"), keep_empty=True)
        minio.put(["MINIO_ROOT_PASSWORD"], credential(config, "password", "spec.storage.create.config"))
        material["minio-secrets"] = minio
    if ctx.spec.aiAssistant.enabled:
        material["ai-assistant-secrets"] = _ai_assistant(ctx)
    if ctx.spec.globalSymbolization.enabled:
        symbolization = ctx.spec.globalSymbolization.config
        sym = SecretMaterial()
        where = "spec.globalSymbolization.config"
        sym.put(["SYMDB__GLOBAL_SYM_ENDPOINT__AWS_ACCESS_KEY_ID"], credential(symbolization, "accessKey", where))
        sym.put(["SYMDB__GLOBAL_SYM_ENDPOINT__AWS_SECRET_ACCESS_KEY"], credential(symbolization, "secretKey", where))
        material["global-symbolization-secrets"] = sym
    mtls = ctx.spec.services.gateway.mtls
    if mtls.enabled and not mtls.existingSecret:
        material["gateway-mtls"] = _mtls(ctx)
    registry = ctx.spec.global_.registry
    if registry.requirePullSecret and not registry.pullSecretName:
        material["registry-cred"] = _pull_secret(ctx)
    return material


def _mtls(ctx: Settings) -> SecretMaterial:
    mtls = ctx.spec.services.gateway.mtls
    out = SecretMaterial("kubernetes.io/tls")
    out.data.update({"ca.crt": mtls.ca, "tls.crt": mtls.cert, "tls.key": mtls.key})
    if mtls.key:  # the certificates are public; the private key is not
        out.secret(["tls.key"], "spec.services.gateway.mtls.key", mtls.key, "spec.services.gateway.mtls.existingSecret")
    return out


def _pull_secret(ctx: Settings) -> SecretMaterial:
    g = ctx.spec.global_
    user, password = g.registry.username, g.registry.password
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    # json.dumps escapes what the chart pasted in raw (a quote in a password broke its JSON).
    auths = {g.appImageRegistry: {"username": user, "password": password, "auth": token}}
    out = SecretMaterial("kubernetes.io/dockerconfigjson")
    out.data[".dockerconfigjson"] = json.dumps({"auths": auths}, separators=(",", ":"))
    if password:
        where = "spec.global.registry.password"
        out.secret([".dockerconfigjson"], where, password, "spec.global.registry.pullSecretName")
    return out


def _auth(ctx: Settings) -> SecretMaterial:
    spec = ctx.spec
    out = SecretMaterial()
    out.put(["WEB__LICENSE__KEY", "INGEST__LICENSE__KEY"], credential(spec.global_, "licenseKey", "spec.global"))
    auth = spec.auth
    if ctx.auth_type == "basic":
        out.data["UI_USER"] = auth.basic.username
        out.put(["UI_PASSWORD"], credential(auth.basic, "password", "spec.auth.basic"), keep_empty=True)
    admin = credential(auth.admin, "password", "spec.auth.admin")
    if ctx.token_auth or (ctx.auth_type == "basic" and admin.secret_name):
        out.put(["IDENTITY__AUTH__ADMIN__PASSWORD"], admin)
    if ctx.token_auth:
        keys, where = auth.validation.keys, "spec.auth.validation.keys"
        out.put(["IDENTITY__AUTH__TOKEN__PRIVATE_KEY__CONTENT"], credential(keys, "privateKey", where))
        public = ["IDENTITY__AUTH__TOKEN__PUBLIC_KEY__CONTENT", "WEB__AUTH__VALIDATION__PUBLIC_KEY__CONTENT"]
        out.put(public, credential(keys, "publicKey", where))
    if ctx.auth_type == "oidc":
        provider = auth.oidc.provider
        out.data["IDENTITY__AUTH__OIDC__CLIENT_ID"] = provider.clientId
        out.put(
            ["IDENTITY__AUTH__OIDC__CLIENT_SECRET"], credential(provider, "clientSecret", "spec.auth.oidc.provider")
        )
    out.put(["WEB__DEMO__USER__PASSWORD"], credential(spec.prefillDemo, "password", "spec.prefillDemo"))
    return out


def _clickhouse(ctx: Settings) -> SecretMaterial:
    ch = ctx.spec.clickhouse
    out = SecretMaterial()
    if ctx.clickhouse_in_cluster:
        out.put(CLICKHOUSE_PASSWORDS, credential(ch.create.config, "password", "spec.clickhouse.create.config"))
    else:
        out.put(CLICKHOUSE_PASSWORDS, credential(ch.use_existing, "password", "spec.clickhouse.use_existing"))
    return out


def _postgres(ctx: Settings) -> SecretMaterial:
    pg = ctx.spec.postgres
    out = SecretMaterial()
    mode = ctx.postgres_mode
    match mode:
        case "create":
            out.data["PGDATA"] = PGDATA
            out.put(POSTGRES_PASSWORDS, credential(pg.create.config, "password", "spec.postgres.create.config"))
        case "aws_aurora":
            for app in APPS_DB:
                out.data[f"{app}__POSTGRES__USE_IAM"] = AWS_IAM
                out.data[f"{app}__POSTGRES__AWS_IAM_REGION"] = pg.aws_aurora.region
                out.data[f"{app}__POSTGRES__PASSWORD"] = ""
        case "gcp_cloudsql":
            out.data.update({f"{app}__POSTGRES__PASSWORD": "" for app in APPS_DB})
        case "use_existing" if pg.use_existing.useIAM:
            for app in APPS_DB:
                out.data[f"{app}__POSTGRES__USE_IAM"] = pg.use_existing.useIAM
                if pg.use_existing.awsIamRegion:
                    out.data[f"{app}__POSTGRES__AWS_IAM_REGION"] = pg.use_existing.awsIamRegion
        case "use_existing":
            cred = credential(pg.use_existing, "password", "spec.postgres.use_existing")
            out.put(POSTGRES_PASSWORDS, cred, keep_empty=True)
        case _:
            assert_never(mode)
    return out


def _storage(ctx: Settings) -> SecretMaterial:
    storage = ctx.spec.storage
    out = SecretMaterial()
    if ctx.minio_in_cluster:
        section, user, password, where = storage.create.config, "user", "password", "spec.storage.create.config"
    else:
        kind = ctx.storage_type
        section = getattr(storage.use_existing, kind)
        where = f"spec.storage.use_existing.{kind}"
        user, password = ("user", "password") if kind == "minio" else ("accessKey", "secretKey")
        if kind == "s3" and section.useIAM:
            return out  # the pod's IAM role signs the requests: no keys at all
        if kind == "s3":
            out.put(["SYMDB__SYMBOL_BUCKET__AWS_SESSION_TOKEN"], credential(section, "sessionToken", where))
    out.put([BUCKET_KEY_ID], credential(section, user, where), keep_empty=True)
    out.put([BUCKET_SECRET], credential(section, password, where), keep_empty=True)
    return out


def _ai_assistant(ctx: Settings) -> SecretMaterial:
    ai = ctx.spec.aiAssistant
    out = SecretMaterial()
    for provider, env in (("anthropic", "ANTHROPIC"), ("gemini", "GEMINI"), ("openai", "OPENAI")):
        cred = credential(getattr(ai, provider), "apiKey", f"spec.aiAssistant.{provider}")
        out.put([f"WEB__ASSISTANT__API_KEYS__{env}"], cred)
    if ai.customLLM.url:
        out.data["WEB__ASSISTANT__CUSTOM_LLM__URL"] = ai.customLLM.url
    out.put(["WEB__ASSISTANT__CUSTOM_LLM__API_KEY"], credential(ai.customLLM, "apiKey", "spec.aiAssistant.customLLM"))
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
