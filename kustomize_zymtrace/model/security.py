"""spec.security: hardening of every pod and container (not part of the chart's values)."""

from typing import Any, Literal

from .base import Bool, Strict, doc, doc_factory


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
    podSecurityContext: dict[str, Any] = doc_factory(dict, "Merged over every pod's securityContext.")
    containerSecurityContext: dict[str, Any] = doc_factory(dict, "Merged over every container's securityContext.")


class SecurityOverrides(Strict):
    """Per-component securityContext overrides, merged last (a null removes a key)."""

    podSecurityContext: dict[str, Any] = doc_factory(dict, "Extension: merged over this pod's securityContext.")
    securityContext: dict[str, Any] = doc_factory(
        dict, "Extension: merged over this pod's containers' securityContext."
    )
