"""The three application ConfigMaps: <prefix>-config, <prefix>-auth-config, <prefix>-gateway-config."""

from __future__ import annotations

from ..components import SERVICES, callers_of
from ..settings import assert_never
from .context import Context, Obj
from .credentials import APPS_DB, CLICKHOUSE_CLIENTS, mcp_servers_are_secret, mcp_servers_json

# The services that serve /metrics also report their own metrics to ingest's trusted port.
METRIC_REPORTERS = tuple(c.env_prefix for c in SERVICES if c.metrics)


def flag(value: bool) -> str:
    return "true" if value else "false"


def render(ctx: Context) -> list[Obj]:
    return [
        configmap(ctx, "config", app_config(ctx)),
        configmap(ctx, "auth-config", auth_config(ctx)),
        configmap(ctx, "gateway-config", gateway_config(ctx)),
    ]


def configmap(ctx: Context, suffix: str, data: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": ctx.metadata(suffix),
        "data": dict(sorted(data.items())),
    }


def app_config(ctx: Context) -> dict[str, str]:
    data: dict[str, str] = {}
    data.update(_clickhouse(ctx))
    data.update(_postgres(ctx))
    data.update(_endpoints(ctx))
    data.update(_storage(ctx))
    data.update(_web(ctx))
    # services.common.env reaches every container that loads this ConfigMap; empty values are dropped as
    # the chart drops them, and a key that repeats a generated one replaces it instead of duplicating it.
    data.update({key: value for key, value in ctx.spec.services.common.env.items() if value != ""})
    return data


def _clickhouse(ctx: Context) -> dict[str, str]:
    ch = ctx.spec.clickhouse
    source = ch.create.config if ctx.clickhouse_in_cluster else ch.use_existing
    data = {
        "CLICKHOUSE_USER": source.user,
        "CLICKHOUSE_DB": f"{source.database}_profiling",
        "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT": "1",
    }
    for prefix, database in CLICKHOUSE_CLIENTS:
        data[f"{prefix}__USERNAME"] = source.user
        data[f"{prefix}__ADDR"] = ctx.clickhouse_url
        data[f"{prefix}__DATABASE"] = f"{source.database}_{database}"
    if not ctx.clickhouse_in_cluster:
        existing = ch.use_existing
        for prefix in ("INGEST__CLICKHOUSE", "INGEST__METRICS__CLICKHOUSE"):
            data[f"{prefix}__AUTO_CREATE_DBS"] = flag(existing.autoCreateDBs)
        if existing.clusterName:
            data.update({f"{prefix}__CLUSTER_NAME": existing.clusterName for prefix, _ in CLICKHOUSE_CLIENTS})
    return data


def _postgres(ctx: Context) -> dict[str, str]:
    pg = ctx.spec.postgres
    data: dict[str, str] = {}
    if not ctx.cloudsql:
        data["POSTGRES_USER"] = ctx.postgres_user
    section = getattr(pg, ctx.postgres_mode)
    for app in APPS_DB:
        data[f"{app}__POSTGRES__USERNAME"] = ctx.postgres_user
        data[f"{app}__POSTGRES__ADDR"] = ctx.postgres_address
        if ctx.postgres_in_cluster:
            continue
        data[f"{app}__POSTGRES__DATABASE"] = f"{section.database}_{app.lower()}"
        data[f"{app}__POSTGRES__AUTO_CREATE_DBS"] = flag(section.autoCreateDBs)
        if ctx.postgres_mode == "use_existing":
            data[f"{app}__POSTGRES__SECURE"] = flag(section.secure)
        elif ctx.postgres_mode == "aws_aurora":
            data[f"{app}__POSTGRES__SECURE"] = "true"
    return data


def _endpoints(ctx: Context) -> dict[str, str]:
    services = ctx.spec.services
    reporter = ctx.spec.metricReporter
    identity = f"http://{ctx.name('identity')}:{services.identity.port}"
    identity_health = f"http://{ctx.name('identity')}:{services.identity.portHealth}"
    symdb_health = f"http://{ctx.name('symdb')}:{services.symdb.portHealth}"
    # symdb is reached through the gateway, which balances by build-id hash (chart 1.2).
    via_gateway = f"http://{ctx.name('gateway')}:{services.gateway.port}"
    via_gateway_trusted = f"http://{ctx.name('gateway')}:{services.gateway.portTrusted}"
    data: dict[str, str] = {}
    for prefix in METRIC_REPORTERS:
        data[f"{prefix}__METRIC_REPORTER__ENABLED"] = "true"
        data[f"{prefix}__METRIC_REPORTER__ENDPOINT"] = f"http://{ctx.name('ingest')}:{services.ingest.portTrusted}"
        data[f"{prefix}__METRIC_REPORTER__POLL_PERIOD_SEC"] = str(reporter.pollPeriodSec)
        data[f"{prefix}__METRIC_REPORTER__EXPORT_PERIOD_SEC"] = str(reporter.exportPeriodSec)
        data[f"{prefix}__METRIC_REPORTER__ALIGN_TIMESTAMPS"] = flag(reporter.alignTimestamps)
        data[f"{prefix}__METRIC_REPORTER__CONSOLE"] = flag(reporter.console)
    for caller in callers_of("identity"):
        data[f"{caller.env_prefix}__IDENTITY_SERVICE__ENDPOINT"] = identity
        data[f"{caller.env_prefix}__IDENTITY_SERVICE__HEALTH_ENDPOINT"] = identity_health
    for caller in callers_of("symdb"):
        data[f"{caller.env_prefix}__SYMDB__ENDPOINT"] = via_gateway
        data[f"{caller.env_prefix}__SYMDB__ENDPOINT_TRUSTED"] = via_gateway_trusted
        data[f"{caller.env_prefix}__SYMDB__HEALTH_ENDPOINT"] = symdb_health
    # The gRPC services bind their health port here (from the port each declares as http-health).
    for service in SERVICES:
        for port in service.ports:
            if port.name == "http-health":
                bind = f"0.0.0.0:{ctx.port_number(service, port)}"
                data[f"{service.env_prefix}__GRPC_SERVER__BIND_ADDR_HEALTH_CHECK"] = bind
    data["INGEST__EVENT_TTL_HOURS"] = str(ctx.spec.global_.dataRetentionDays * 24)
    data["WEB_SERVICE"] = f"http://{ctx.name('web')}:{services.web.port}"
    data["INGEST_SERVICE"] = f"grpc://{ctx.name('ingest')}:{services.ingest.port}"
    data["SYMDB_SERVICE"] = f"grpc://{ctx.name('symdb')}:{services.symdb.port}"
    return data


def bucket_endpoint(ctx: Context) -> str:
    storage = ctx.spec.storage
    if ctx.minio_in_cluster:
        return f"http://{ctx.name('minio')}:{storage.create.service.api.port}"
    existing = storage.use_existing
    kind = ctx.storage_type
    match kind:
        case "s3":
            # s3.endpoint is a custom endpoint; the chart only validated it.
            return existing.s3.endpoint or f"https://s3.dualstack.{existing.s3.region}.amazonaws.com"
        case "minio":
            return existing.minio.endpoint
        case "gcs":
            return existing.gcs.endpoint
        case _:
            assert_never(kind)


def _storage(ctx: Context) -> dict[str, str]:
    storage = ctx.spec.storage
    data = {
        "SYMDB__SYMBOL_BUCKET__BUCKET_NAME": storage.buckets.symbols,
        "SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT": bucket_endpoint(ctx),
    }
    if not ctx.minio_in_cluster and ctx.storage_type == "s3":
        s3 = storage.use_existing.s3
        data["SYMDB__SYMBOL_BUCKET__AWS_REGION"] = s3.region
        if s3.useIAM:
            data["SYMDB__SYMBOL_BUCKET__USE_IAM"] = s3.useIAM
    sym = ctx.spec.globalSymbolization
    if sym.enabled:
        data["SYMDB__GLOBAL_SYM_ENDPOINT__BUCKET_NAME"] = sym.config.bucketName
        if sym.config.endpoint:
            data["SYMDB__GLOBAL_SYM_ENDPOINT__AWS_ENDPOINT"] = sym.config.endpoint
        if sym.config.region:
            data["SYMDB__GLOBAL_SYM_ENDPOINT__AWS_REGION"] = sym.config.region
    return data


def _web(ctx: Context) -> dict[str, str]:
    spec = ctx.spec
    web = spec.services.web
    data = {"WEB__ALLOW_RECOMMENDATIONS": flag(web.allowRecommendations)}
    hosts = web.mcpAllowedHosts
    if hosts == "ingress":
        data["WEB__REST__MCP_ALLOWED_HOSTS"] = spec.ingress.hosts.gateway.host
    else:
        data["WEB__REST__MCP_ALLOWED_HOSTS"] = "" if hosts == "all" else ";".join(hosts)
    if spec.prefillDemo.user:
        data["WEB__DEMO__USER__LOGIN"] = spec.prefillDemo.user
    ai = spec.aiAssistant
    if ai.enabled:
        data["WEB__ASSISTANT__REQUEST_SIZE_LIMIT"] = str(ai.requestSizeLimit)
        data["WEB__SESSION_CLEAR_FREQ"] = str(ai.sessionClearFreq)
        if ai.mcpServers and not mcp_servers_are_secret(ctx):
            data["WEB__ASSISTANT__MCP_SERVERS"] = mcp_servers_json(ctx)
    if spec.telemetry.disableAll:
        data["WEB__DISABLE_ALL_TELEMETRY"] = "true"
        data["INGEST__TELEMETRY__ENABLED"] = "false"
    return data


def auth_config(ctx: Context) -> dict[str, str]:
    auth = ctx.spec.auth
    data: dict[str, str] = {}
    if auth.info.displayName:
        data["WEB__AUTH__INFO__DISPLAY_NAME"] = auth.info.displayName
        if auth.info.pictureUri:
            data["WEB__AUTH__INFO__PICTURE_URI"] = auth.info.pictureUri
    if ctx.token_auth and auth.serviceToken.enabled:
        data["INGEST__AUTH__ENABLED"] = "true"
        data["SYMDB__AUTH__ENABLED"] = "true"
    data["IDENTITY__AUTH__ADMIN__EMAIL"] = auth.admin.email
    if auth.admin.roles:
        data["IDENTITY__AUTH__ADMIN__ROLES"] = ";".join(auth.admin.roles)
    if ctx.token_auth:
        data.update(_token_validation(ctx))
    if ctx.auth_type == "oidc":
        data.update(_oidc(ctx))
    return data


def _token_validation(ctx: Context) -> dict[str, str]:
    auth = ctx.spec.auth
    issuers = auth.validation.issuers or [ctx.detected_issuer]
    audiences = list(dict.fromkeys([*(auth.validation.audiences or ["zymtrace"]), "zymtrace"]))
    cookie = auth.cookie
    return {
        "WEB__AUTH__KIND": ctx.auth_type,
        "WEB__AUTH__VALIDATION__ISSUERS": ";".join(issuers),
        "WEB__AUTH__VALIDATION__AUDIENCES": ";".join(audiences),
        "IDENTITY__AUTH__TOKEN__CLAIMS__AUDIENCE": "zymtrace",
        # The chart ignores validation.issuers here; without an ingress host that issues tokens nobody accepts.
        "IDENTITY__AUTH__TOKEN__CLAIMS__ISSUER": ctx.detected_issuer or issuers[0],
        "WEB__AUTH__COOKIE__REFRESH_MAX_AGE_SEC": str(cookie.refreshMaxAgeSec),
        "WEB__AUTH__COOKIE__REFRESH_PATH": cookie.refreshPath,
        "WEB__AUTH__COOKIE__LOGIN_MAX_AGE_SEC": str(cookie.loginMaxAgeSec),
        "WEB__AUTH__COOKIE__LOGIN_PATH": cookie.loginPath,
        "WEB__AUTH__COOKIE__SAME_SITE": cookie.sameSite,
        "WEB__AUTH__COOKIE__SECURE": flag(cookie.secure),
        "WEB__AUTH__COOKIE__HTTP_ONLY": flag(cookie.httpOnly),
    }


def oidc_redirect_uri(ctx: Context) -> str:
    provider = ctx.spec.auth.oidc.provider
    if provider.redirectUri:
        return provider.redirectUri
    return f"{ctx.detected_issuer}/api/v1/oauth2/callback" if ctx.detected_issuer else ""


def _oidc(ctx: Context) -> dict[str, str]:
    provider = ctx.spec.auth.oidc.provider
    data = {
        "IDENTITY__AUTH__OIDC__ENDPOINTS__ISSUER_URI": provider.issuerUri,
        "IDENTITY__AUTH__OIDC__ENDPOINTS__REDIRECT_URI": oidc_redirect_uri(ctx),
        "IDENTITY__AUTH__OIDC__COOKIE_TTL_SEC": str(ctx.spec.auth.cookie.cookieTtlSec),
    }
    if provider.scopes:
        data["IDENTITY__AUTH__OIDC__SCOPES"] = ";".join(provider.scopes)
    if provider.extraParams:
        data["IDENTITY__AUTH__OIDC__EXTRA_PARAMS"] = ";".join(provider.extraParams)
    return data


def gateway_config(ctx: Context) -> dict[str, str]:
    services = ctx.spec.services
    gateway = services.gateway
    data = {
        "ADMIN_PORT": str(gateway.adminPort),
        "LISTENER_PORT": str(gateway.port),
        "LISTENER_PORT_TRUSTED": str(gateway.portTrusted),
        "INGEST_RR_CLUSTER_ADDRESS": ctx.dns("ingest"),
        "INGEST_RR_CLUSTER_PORT": str(services.ingest.port),
        "INGEST_RR_CLUSTER_PORT_TRUSTED": str(services.ingest.portTrusted),
        "WEB_CLUSTER_ADDRESS": ctx.dns("web"),
        "WEB_CLUSTER_PORT": str(services.web.port),
        "UI_CLUSTER_ADDRESS": ctx.dns("ui"),
        "UI_CLUSTER_PORT": str(services.ui.port),
        "SKIP_XFF_APPEND": flag(gateway.xff_append),
        "XFF_NUM_TRUSTED_HOPS": str(gateway.xff_num_trusted_hops),
    }
    for balancing in ("HASH", "RR"):
        data[f"SYMDB_{balancing}_CLUSTER_ADDRESS"] = ctx.dns("symdb")
        data[f"SYMDB_{balancing}_CLUSTER_PORT"] = str(services.symdb.port)
        data[f"SYMDB_{balancing}_CLUSTER_PORT_TRUSTED"] = str(services.symdb.portTrusted)
    if gateway.mtls.enabled:
        data["SERVER_CERT_PATH"] = "/etc/envoy/certs/tls.crt"
        data["SERVER_KEY_PATH"] = "/etc/envoy/certs/tls.key"
        data["CA_CERT_PATH"] = "/etc/envoy/certs/ca.crt"
        data["LISTENER_MTLS_PORT"] = str(gateway.mtls.port)
    return data
