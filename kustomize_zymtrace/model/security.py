"""spec.security: hardening of every pod and container (not part of the chart's values)."""

from typing import Literal

from .base import Bool, Strict, doc, doc_factory
from .kube import NetworkPolicyPeer, PodSecurityContext, SecurityContext


class NetworkPolicies(Strict):
    isolate: Bool = doc(
        False,
        "Beyond the chart's policies for the databases and the UI: a NetworkPolicy for every pod, admitting "
        "only the workloads wired to it, so another tenant's pods reach nothing but the gateway "
        "(needs services.activateNetworkPolicies; see docs/security.md).",
    )
    gatewayFrom: list[NetworkPolicyPeer] | None = doc(
        None,
        "With isolate: who may reach the gateway's listeners (e.g. the ingress controller's namespace); null: "
        "any source. The backend's own callers are always admitted.",
    )
    metricsFrom: list[NetworkPolicyPeer] | None = doc(
        None,
        "With isolate and PodMonitors on: who may scrape the metrics ports (Prometheus's namespace); null: any source.",
    )


class Security(Strict):
    profile: Literal["baseline", "restricted"] = doc(
        "baseline",
        "baseline: hardening no known image breaks on (seccomp RuntimeDefault, no privilege escalation, "
        "capabilities dropped where the process needs none, no service-account token). restricted: the Pod "
        "Security Standards restricted profile (non-root users, read-only root filesystems with writable "
        "scratch volumes); see docs/security.md for what each image needs.",
    )
    automountServiceAccountToken: Bool = doc(
        False, "Mount a service-account token into the pods (none of them calls the Kubernetes API)."
    )
    podSecurityContext: PodSecurityContext = doc_factory(
        PodSecurityContext, "Merged over every pod's securityContext (core/v1 PodSecurityContext)."
    )
    containerSecurityContext: SecurityContext = doc_factory(
        SecurityContext, "Merged over every container's securityContext (core/v1 SecurityContext)."
    )
    networkPolicies: NetworkPolicies = doc_factory(
        NetworkPolicies, "Tenant isolation by NetworkPolicies (the chart's three policies by default)."
    )


class SecurityOverrides(Strict):
    """Per-component securityContext overrides, merged last (a null removes a key)."""

    podSecurityContext: PodSecurityContext = doc_factory(
        PodSecurityContext, "Extension: merged over this pod's securityContext."
    )
    securityContext: SecurityContext = doc_factory(
        SecurityContext, "Extension: merged over this pod's containers' securityContext."
    )
