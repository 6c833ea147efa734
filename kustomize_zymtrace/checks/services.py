"""Checks of authentication, the services, their exposure and autoscaling, and the global settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import stores
from ..components import AUTOSCALED, COMPONENTS
from ..model.scalars import escalates
from ..results import Result, error, warning
from ..settings import Settings

if TYPE_CHECKING:
    from ..model import Spec


def _pem(value: str | None) -> bool:
    return bool(value) and "-----BEGIN" in str(value)


def auth(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    a, out = spec.auth, []
    effective = ctx.auth_type
    if a.basic.enabled is not None:
        out.append(warning("spec.auth.basic.enabled", "deprecated: use auth.type (basic or none) instead"))
    if effective == "basic":
        if not a.basic.username:
            out.append(error("spec.auth.basic.username", "required with auth.type basic"))
        if not a.basic.password_credential.given:
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
    private, public = keys.private_key_credential.given, keys.public_key_credential.given
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


def services(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    out: list[Result] = []
    node_ports: dict[int, str] = {}
    for component in AUTOSCALED:
        svc = component.app(spec)
        where = f"spec.{component.path}"
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
    out += _isolation(spec)
    return out


def _isolation(spec: Spec) -> list[Result]:
    """Isolation settings that cannot take effect (a silently ignored setting would look like protection)."""
    where, isolation = "spec.security.networkPolicies", spec.security.networkPolicies
    if isolation.isolate and not spec.services.activateNetworkPolicies:
        return [warning(f"{where}.isolate", "no effect while services.activateNetworkPolicies is false")]
    out = [
        warning(f"{where}.{key}", "no effect without isolate: true")
        for key, value in (("gatewayFrom", isolation.gatewayFrom), ("metricsFrom", isolation.metricsFrom))
        if value is not None and not isolation.isolate
    ]
    if isolation.isolate and isolation.metricsFrom is not None and not spec.metricReporter.podMonitor.enabled:
        out.append(warning(f"{where}.metricsFrom", "no effect without metricReporter.podMonitor.enabled"))
    return out


def _replica_range(where: str, low: int, high: int) -> list[Result]:
    return [error(f"{where}.minReplicas", f"{low} > maxReplicas {high}")] if low > high else []


def autoscaling(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    common = spec.services.common.hpa
    out = _replica_range("spec.services.common.hpa", common.minReplicas, common.maxReplicas)
    for component in AUTOSCALED:
        svc = component.app(spec)
        where = f"spec.{component.path}.hpa"
        if svc.hpa is not None and svc.hpa.enabled is None and common.enabled:
            message = "missing: a service hpa block without enabled turns the HPA off (chart rule)"
            out.append(warning(f"{where}.enabled", message))
        if not ctx.hpa_enabled(component):
            continue
        settings = ctx.effective_hpa(component)
        out += _replica_range(where, settings.minReplicas, settings.maxReplicas)
        if "cpu" not in svc.resources.requests:
            message = "missing: a CPU target needs a request"
            out.append(warning(f"spec.{component.path}.resources.requests.cpu", message))
    proxy = spec.postgres.gcp_cloudsql.hpa
    if stores.postgres(ctx).uses_proxy and proxy.enabled:
        out += _replica_range("spec.postgres.gcp_cloudsql.hpa", proxy.minReplicas, proxy.maxReplicas)
    return out


def gateway(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    out: list[Result] = []
    mtls = spec.services.gateway.mtls
    where = "spec.services.gateway.mtls"
    if mtls.enabled and not mtls.existingSecret:
        for field, pem in (("cert", mtls.cert), ("key", mtls.key), ("ca", mtls.ca)):
            if not _pem(pem):
                out.append(error(f"{where}.{field}", "a PEM block is required with mTLS on (or set existingSecret)"))
    if spec.ingress.enabled and spec.ingress.hosts.gateway.mtls.enabled and not mtls.enabled:
        out.append(
            warning("spec.ingress.hosts.gateway.mtls.enabled", "ignored: services.gateway.mtls.enabled is false")
        )
    return out


def platform(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    out: list[Result] = []
    registry = spec.global_.registry
    if registry.requirePullSecret and not registry.pullSecretName:
        for field, value in (("username", registry.username), ("password", registry.password)):
            if not value:
                out.append(
                    error(f"spec.global.registry.{field}", "required with requirePullSecret (or pullSecretName)")
                )
    if spec.globalSymbolization.enabled and not spec.globalSymbolization.config.bucketName:
        out.append(error("spec.globalSymbolization.config.bucketName", "required when globalSymbolization is enabled"))
    if spec.metricReporter.enabled is False:
        out.append(error("spec.metricReporter.enabled", "removed by the chart: delete the key (metrics stay on)"))
    ai = spec.aiAssistant
    for field, value in (("defaultProvider", ai.defaultProvider), ("defaultModel", ai.defaultModel)):
        if value:
            out.append(warning(f"spec.aiAssistant.{field}", "no effect: the chart never renders it"))
    return out


def escalation(ctx: Settings) -> list[Result]:
    """privileged (or CAP_SYS_ADMIN) with allowPrivilegeEscalation: false, both asked for: the API server
    refuses the container. Reported where the config sets allowPrivilegeEscalation."""
    out: list[Result] = []
    for component in COMPONENTS:
        own = component.section(ctx.spec).securityContext
        asked = ctx.asked_container_security(component)
        if not escalates(asked) or asked.get("allowPrivilegeEscalation") is not False:
            continue
        where = (
            f"spec.{component.path}.securityContext"
            if own.allowPrivilegeEscalation is False
            else "spec.security.containerSecurityContext"
        )
        result = error(
            f"{where}.allowPrivilegeEscalation",
            "false cannot go with privileged: true or capabilities.add CAP_SYS_ADMIN (the API server refuses "
            "the container): leave it out, and the hardening leaves it out for a privileged container",
        )
        if result not in out:
            out.append(result)
    return out


RULES = (auth, services, autoscaling, gateway, platform, escalation)
