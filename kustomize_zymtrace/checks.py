"""Cross-field rules the schema cannot express: the chart's render-time failures (inventory 8.3), the ones
users would expect and the chart lacks, and warnings for risky but valid settings. All are collected."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .results import Result, error, warning

if TYPE_CHECKING:
    from .model import ZymtraceBackend
    from .model.backend import Spec

APP_SERVICES = ("gateway", "identity", "ingest", "symdb", "ui", "web")
CLOUDSQL_INSTANCE = re.compile(r"^[a-z0-9][a-z0-9:.\-]*:[a-z0-9-]+:[a-z0-9][a-z0-9-]*$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

Check = Callable[["Spec"], list[Result]]


def _url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _given(section: Any, field: str) -> bool:
    """A credential is given inline or through an existing Secret."""
    return bool(getattr(section, field) or getattr(section, f"{field}SecretName", ""))


def _pem(value: str | None) -> bool:
    return bool(value) and "-----BEGIN" in str(value)


def check(backend: ZymtraceBackend) -> list[Result]:
    spec = backend.spec
    return [result for rule in RULES for result in rule(spec)]


# ------------------------------------------------------------------ databases


def clickhouse(spec: Spec) -> list[Result]:
    ch, out = spec.clickhouse, []
    if ch.mode == "use_existing":
        host = ch.use_existing.host
        if not host:
            out.append(error("spec.clickhouse.use_existing.host", "required with mode use_existing"))
        elif not _url(host):
            out.append(
                error("spec.clickhouse.use_existing.host", f"must start with http:// or https:// (found {host!r})")
            )
    return out


def postgres(spec: Spec) -> list[Result]:
    pg, out = spec.postgres, []
    where = f"spec.postgres.{pg.mode}"
    if pg.mode in ("use_existing", "aws_aurora") and not getattr(pg, pg.mode).host:
        out.append(error(f"{where}.host", f"required with mode {pg.mode}"))
    if pg.mode == "aws_aurora" and not pg.aws_aurora.region:
        out.append(error(f"{where}.region", "required with mode aws_aurora (IAM tokens are signed per region)"))
    if pg.mode == "use_existing":
        existing = pg.use_existing
        if existing.useIAM and not existing.awsIamRegion:
            out.append(error(f"{where}.awsIamRegion", "required with useIAM: aws"))
        if not existing.useIAM and not _given(existing, "password"):
            out.append(warning(f"{where}.password", "no password and no passwordSecretName: connecting without one"))
    if pg.mode == "gcp_cloudsql":
        out += _cloudsql(spec)
    return out


def _cloudsql(spec: Spec) -> list[Result]:
    sql, out = spec.postgres.gcp_cloudsql, []
    where = "spec.postgres.gcp_cloudsql"
    if not sql.instance:
        out.append(error(f"{where}.instance", "required with mode gcp_cloudsql (PROJECT:REGION:INSTANCE)"))
    elif not CLOUDSQL_INSTANCE.match(sql.instance):
        out.append(error(f"{where}.instance", f"must be PROJECT:REGION:INSTANCE (found {sql.instance!r})"))
    if not sql.user:
        out.append(error(f"{where}.user", "required with mode gcp_cloudsql (the IAM database user)"))
    proxy_sa, sa = sql.proxy.serviceAccount, sql.serviceAccount
    if proxy_sa and sa and proxy_sa != sa:
        out.append(warning(f"{where}.proxy.serviceAccount", f"wins over {where}.serviceAccount ({sa!r})"))
    if sql.workloadIdentity.enabled and not (proxy_sa or sa):
        out.append(
            warning(f"{where}.serviceAccount", "empty: the proxy runs as the namespace's default ServiceAccount")
        )
    if sql.proxy.placement == "sidecar" and sql.hpa.enabled:
        out.append(warning(f"{where}.hpa.enabled", "ignored with proxy.placement sidecar (no proxy Deployment)"))
    return out


def data_volumes(spec: Spec) -> list[Result]:
    out = []
    for section in ("clickhouse", "postgres", "storage"):
        values = getattr(spec, section)
        if values.mode != "create":
            continue
        volume, where = values.create.storage, f"spec.{section}.create.storage"
        if volume.type == "existing_pvc" and not volume.existing_pvc.pvcName:
            out.append(error(f"{where}.existing_pvc.pvcName", "required with storage.type existing_pvc"))
        if volume.type != "existing_pvc" and volume.existing_pvc.pvcName:
            out.append(
                error(
                    f"{where}.existing_pvc.pvcName",
                    f"set, but storage.type is {volume.type!r}: set type existing_pvc for the claim to be used",
                )
            )
        if values.create.replicas > 1:
            out.append(warning(f"spec.{section}.create.replicas", "all replicas would share one ReadWriteOnce volume"))
    return out


# ------------------------------------------------------------------ object storage


def object_storage(spec: Spec) -> list[Result]:
    storage, out = spec.storage, []
    bucket = storage.buckets.symbols
    if not _valid_bucket(bucket):
        out.append(
            error(
                "spec.storage.buckets.symbols",
                f"{bucket!r} is not a valid bucket name: 3-63 lowercase letters, digits, '.' and '-', "
                "starting and ending with a letter or digit, not an IP address",
            )
        )
    if storage.mode != "use_existing":
        return out
    kind = storage.use_existing.type
    section = getattr(storage.use_existing, kind)
    where = f"spec.storage.use_existing.{kind}"
    if kind == "minio" and not _url(section.endpoint):
        out.append(
            error(f"{where}.endpoint", f"must be a URL starting with http:// or https:// (found {section.endpoint!r})")
        )
    if kind == "gcs" and not _url(section.endpoint):
        out.append(error(f"{where}.endpoint", f"must start with http:// or https:// (found {section.endpoint!r})"))
    if kind == "s3":
        if section.endpoint and not _url(section.endpoint):
            out.append(error(f"{where}.endpoint", f"must start with http:// or https:// (found {section.endpoint!r})"))
        if not section.region:
            out.append(error(f"{where}.region", "required for S3"))
        if section.useIAM:
            return out
    user, password = ("user", "password") if kind == "minio" else ("accessKey", "secretKey")
    for field in (user, password):
        if _given(section, field):
            continue
        if kind == "s3":  # the seed's own S3 example leaves both keys empty: allowed, but said out loud
            message = f"empty: the pod's default AWS credentials are used (set {field}, {field}SecretName or useIAM)"
            out.append(warning(f"{where}.{field}", message))
        else:
            out.append(error(f"{where}.{field}", f"required: set {field} or {field}SecretName"))
    return out


def _valid_bucket(name: str) -> bool:
    if not BUCKET.match(name) or ".." in name or name.startswith("xn--") or name.endswith("-s3alias"):
        return False
    if not name.replace(".", "").isdigit():
        return True
    import ipaddress  # only for names made of digits and dots

    try:
        ipaddress.ip_address(name)
    except ValueError:
        return True
    return False


# ------------------------------------------------------------------ auth


def auth(spec: Spec) -> list[Result]:
    a, out = spec.auth, []
    effective = "basic" if a.basic.enabled else a.type
    if a.basic.enabled is not None:
        out.append(warning("spec.auth.basic.enabled", "deprecated: use auth.type (basic or none) instead"))
    if effective == "basic":
        if not a.basic.username:
            out.append(error("spec.auth.basic.username", "required with auth.type basic"))
        if not _given(a.basic, "password"):
            out.append(error("spec.auth.basic.password", "required with auth.type basic (or passwordSecretName)"))
    if effective not in ("local", "oidc"):
        return out
    host = spec.ingress.hosts.gateway.host
    if spec.services.gateway.service.type == "LoadBalancer" and not host:
        out.append(
            error(
                "spec.ingress.hosts.gateway.host",
                f"required with auth.type {effective} and a LoadBalancer gateway: tokens need the public host as "
                "issuer (deploy once with auth.type none to learn the load balancer's host)",
            )
        )
    keys = a.validation.keys
    private, public = _given(keys, "privateKey"), _given(keys, "publicKey")
    if private != public:
        missing = "publicKey" if private else "privateKey"
        out.append(
            error(f"spec.auth.validation.keys.{missing}", "the signing keys come as a pair: set both or neither")
        )
    if effective == "oidc":
        provider = a.oidc.provider
        if not provider.issuerUri:
            out.append(error("spec.auth.oidc.provider.issuerUri", "required with auth.type oidc"))
        if not provider.redirectUri and not host:
            out.append(
                error(
                    "spec.auth.oidc.provider.redirectUri",
                    "required with auth.type oidc when ingress.hosts.gateway.host is empty "
                    "(e.g. https://zymtrace.example.com/api/v1/oauth2/callback)",
                )
            )
        if not provider.clientId:
            out.append(error("spec.auth.oidc.provider.clientId", "required with auth.type oidc"))
    return out


# ------------------------------------------------------------------ services and exposure


def services(spec: Spec) -> list[Result]:
    out: list[Result] = []
    node_ports: dict[int, str] = {}
    for name in APP_SERVICES:
        svc = getattr(spec.services, name)
        where = f"spec.services.{name}"
        if "app" in svc.podLabels:
            out.append(error(f"{where}.podLabels.app", "reserved: app is the selector label"))
        exposure = svc.service
        if exposure.nodePort != "":
            if exposure.type != "NodePort":
                out.append(
                    error(f"{where}.service.nodePort", f"only allowed with type NodePort (type is {exposure.type})")
                )
            elif exposure.nodePort in node_ports:
                out.append(
                    error(
                        f"{where}.service.nodePort",
                        f"{exposure.nodePort} is already used by {node_ports[exposure.nodePort]}",
                    )
                )
            else:
                node_ports[exposure.nodePort] = f"{where}.service.nodePort"
    if spec.services.migrate.hpa.enabled:
        out.append(error("spec.services.migrate.hpa.enabled", "the migrate Job is never autoscaled: set false"))
    if spec.services.migrate.healthProbes is not None:
        out.append(warning("spec.services.migrate.healthProbes", "no effect: a Job has no probes"))
    web = spec.services.web
    if web.mcpAllowedHosts == "ingress" and not spec.ingress.hosts.gateway.host:
        out.append(error("spec.services.web.mcpAllowedHosts", "ingress needs ingress.hosts.gateway.host"))
    if not spec.services.activateNetworkPolicies:
        out.append(
            warning("spec.services.activateNetworkPolicies", "false: any pod in the cluster can reach the databases")
        )
    return out


def autoscaling(spec: Spec) -> list[Result]:
    out: list[Result] = []
    common = spec.services.common.hpa
    if common.minReplicas > common.maxReplicas:
        out.append(
            error("spec.services.common.hpa.minReplicas", f"{common.minReplicas} > maxReplicas {common.maxReplicas}")
        )
    for name in APP_SERVICES:
        svc = getattr(spec.services, name)
        own = svc.hpa
        where = f"spec.services.{name}.hpa"
        enabled = bool(own.enabled) if own is not None else common.enabled
        if own is not None and own.enabled is None and common.enabled:
            out.append(
                warning(
                    f"{where}.enabled", "missing: a service hpa block without enabled turns the HPA off (chart rule)"
                )
            )
        if not enabled:
            continue
        low = own.minReplicas if own and own.minReplicas is not None else common.minReplicas
        high = own.maxReplicas if own and own.maxReplicas is not None else common.maxReplicas
        if low > high:
            out.append(error(f"{where}.minReplicas", f"{low} > maxReplicas {high}"))
        if "cpu" not in svc.resources.requests:
            out.append(warning(f"spec.services.{name}.resources.requests.cpu", "missing: a CPU target needs a request"))
    proxy = spec.postgres.gcp_cloudsql.hpa
    if spec.postgres.mode == "gcp_cloudsql" and proxy.enabled and proxy.minReplicas > proxy.maxReplicas:
        out.append(
            error(
                "spec.postgres.gcp_cloudsql.hpa.minReplicas", f"{proxy.minReplicas} > maxReplicas {proxy.maxReplicas}"
            )
        )
    return out


def gateway(spec: Spec) -> list[Result]:
    out: list[Result] = []
    mtls = spec.services.gateway.mtls
    where = "spec.services.gateway.mtls"
    if mtls.enabled and not mtls.existingSecret:
        for field in ("cert", "key", "ca"):
            if not _pem(getattr(mtls, field)):
                out.append(error(f"{where}.{field}", "a PEM block is required with mTLS on (or set existingSecret)"))
    if spec.ingress.enabled and spec.ingress.hosts.gateway.mtls.enabled and not mtls.enabled:
        out.append(
            warning("spec.ingress.hosts.gateway.mtls.enabled", "ignored: services.gateway.mtls.enabled is false")
        )
    return out


# ------------------------------------------------------------------ the rest


def platform(spec: Spec) -> list[Result]:
    out: list[Result] = []
    registry = spec.global_.registry
    if registry.requirePullSecret and not registry.pullSecretName:
        for field in ("username", "password"):
            if not getattr(registry, field):
                out.append(
                    error(f"spec.global.registry.{field}", "required with requirePullSecret (or pullSecretName)")
                )
    if spec.globalSymbolization.enabled and not spec.globalSymbolization.config.bucketName:
        out.append(error("spec.globalSymbolization.config.bucketName", "required when globalSymbolization is enabled"))
    if spec.metricReporter.enabled is False:
        out.append(error("spec.metricReporter.enabled", "removed by the chart: delete the key (metrics stay on)"))
    ai = spec.aiAssistant
    for field in ("defaultProvider", "defaultModel"):
        if getattr(ai, field):
            out.append(warning(f"spec.aiAssistant.{field}", "no effect: the chart never renders it"))
    return out


RULES: tuple[Check, ...] = (
    clickhouse,
    postgres,
    data_volumes,
    object_storage,
    auth,
    services,
    autoscaling,
    gateway,
    platform,
)
