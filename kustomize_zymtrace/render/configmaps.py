"""The three application ConfigMaps: <prefix>-config, <prefix>-auth-config, <prefix>-gateway-config."""

from __future__ import annotations

from .. import stores
from ..components import GATEWAY, SERVICE_BY_KEY, SERVICES, callers_of
from ..stores.base import flag
from .context import Context, Obj
from .credentials import mcp_servers_are_secret, mcp_servers_json

# The services that serve /metrics also report their own metrics to ingest's trusted port.
METRIC_REPORTERS = tuple(c.env_prefix for c in SERVICES if c.metrics)


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
    data.update(stores.clickhouse(ctx).config_env(ctx))
    data.update(stores.postgres(ctx).config_env(ctx))
    data.update(_endpoints(ctx))
    data.update(_storage(ctx))
    data.update(_web(ctx))
    # services.common.env reaches every container that loads this ConfigMap; empty values are dropped as
    # the chart drops them, and a key that repeats a generated one replaces it instead of duplicating it.
    data.update({key: value for key, value in ctx.spec.services.common.env.items() if value != ""})
    return data


def _endpoint(ctx: Context, target: str, port: str, scheme: str = "http") -> str:
    """scheme://<prefix>-<target>:<the target's port number>."""
    return f"{scheme}://{ctx.name(target)}:{SERVICE_BY_KEY[target].port_number(ctx.spec, port)}"


def _endpoints(ctx: Context) -> dict[str, str]:
    """Where each service finds the others, from their declarations (components.py)."""
    reporter = ctx.spec.metricReporter
    data: dict[str, str] = {}
    for sink in (s for s in SERVICES if s.metrics_sink):
        for prefix in METRIC_REPORTERS:
            data[f"{prefix}__METRIC_REPORTER__ENABLED"] = "true"
            data[f"{prefix}__METRIC_REPORTER__ENDPOINT"] = _endpoint(ctx, sink.key, sink.metrics_sink)
            data[f"{prefix}__METRIC_REPORTER__POLL_PERIOD_SEC"] = str(reporter.pollPeriodSec)
            data[f"{prefix}__METRIC_REPORTER__EXPORT_PERIOD_SEC"] = str(reporter.exportPeriodSec)
            data[f"{prefix}__METRIC_REPORTER__ALIGN_TIMESTAMPS"] = flag(reporter.alignTimestamps)
            data[f"{prefix}__METRIC_REPORTER__CONSOLE"] = flag(reporter.console)
    for service in SERVICES:
        for caller in callers_of(service.key):
            for endpoint in service.endpoints:
                data[f"{caller.env_prefix}__{endpoint.env}"] = _endpoint(ctx, endpoint.target, endpoint.port)
        # The gRPC services bind their health port here (from the port each declares as http-health).
        if service.has_port("http-health"):
            bind = f"0.0.0.0:{service.port_number(ctx.spec, 'http-health')}"
            data[f"{service.env_prefix}__GRPC_SERVER__BIND_ADDR_HEALTH_CHECK"] = bind
        if service.announce:
            data[f"{service.env_prefix}_SERVICE"] = _endpoint(ctx, service.key, "http", service.announce)
    data["INGEST__EVENT_TTL_HOURS"] = str(ctx.spec.global_.dataRetentionDays * 24)
    return data


def _storage(ctx: Context) -> dict[str, str]:
    data = stores.storage(ctx).config_env(ctx)
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
    gateway = ctx.spec.services.gateway
    data = {
        "ADMIN_PORT": str(gateway.adminPort),
        "LISTENER_PORT": str(gateway.port),
        "LISTENER_PORT_TRUSTED": str(gateway.portTrusted),
        "SKIP_XFF_APPEND": flag(gateway.xff_append),
        "XFF_NUM_TRUSTED_HOPS": str(gateway.xff_num_trusted_hops),
    }
    for route in GATEWAY.routes:
        target = SERVICE_BY_KEY[route.target]
        data[f"{route.env}_ADDRESS"] = ctx.dns(target.key)
        data[f"{route.env}_PORT"] = str(target.port_number(ctx.spec, "http"))
        if target.has_port("http-trusted"):
            data[f"{route.env}_PORT_TRUSTED"] = str(target.port_number(ctx.spec, "http-trusted"))
    if gateway.mtls.enabled:
        data["SERVER_CERT_PATH"] = "/etc/envoy/certs/tls.crt"
        data["SERVER_KEY_PATH"] = "/etc/envoy/certs/tls.key"
        data["CA_CERT_PATH"] = "/etc/envoy/certs/ca.crt"
        data["LISTENER_MTLS_PORT"] = str(gateway.mtls.port)
    return data
