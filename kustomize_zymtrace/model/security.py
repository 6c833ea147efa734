"""spec.security: hardening of every pod and container (not part of the chart's values)."""

from typing import Literal

from .base import Bool, Strict, doc, doc_factory
from .kube import PodSecurityContext, SecurityContext


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


class SecurityOverrides(Strict):
    """Per-component securityContext overrides, merged last (a null removes a key)."""

    podSecurityContext: PodSecurityContext = doc_factory(
        PodSecurityContext, "Extension: merged over this pod's securityContext."
    )
    securityContext: SecurityContext = doc_factory(
        SecurityContext, "Extension: merged over this pod's containers' securityContext."
    )
