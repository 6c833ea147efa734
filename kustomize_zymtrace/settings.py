"""Resolved settings: what the renderers and the cross-field checks both need, derived once from the
validated model (names, labels, images, modes, effective auth and autoscaling, port numbers).

The checks read this layer, never the renderers, so a derived value has one definition for both.
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

if sys.version_info >= (3, 11):
    from typing import assert_never as assert_never
else:  # pragma: no cover
    from typing_extensions import assert_never as assert_never

if TYPE_CHECKING:
    from .components import Component, Service
    from .model import ZymtraceBackend
    from .model.backend import Spec
    from .model.base import Image
    from .model.kube import HpaBehavior

Obj = dict[str, Any]
AuthType = Literal["none", "basic", "local", "oidc"]
T = TypeVar("T")


class Hpa(NamedTuple):
    """A service's effective autoscaling settings (its own block over services.common.hpa)."""

    minReplicas: int
    maxReplicas: int
    targetCPUUtilizationPercentage: int | None
    targetMemoryUtilizationPercentage: int | None
    behavior: HpaBehavior | None


def resource_name(prefix: str, suffix: str) -> str:
    """The chart's naming rule: prefix-suffix, cut to 63 characters, no trailing dash."""
    return f"{prefix}-{suffix}"[:63].rstrip("-")


class Settings:
    """Read-only view of one validated config; derived values are computed once."""

    def __init__(self, backend: ZymtraceBackend) -> None:
        self.backend = backend

    # ------------------------------------------------------------ identity
    @property
    def spec(self) -> Spec:
        return self.backend.spec

    @property
    def namespace(self) -> str:
        return self.backend.metadata.namespace

    @property
    def instance(self) -> str:
        return self.backend.metadata.name

    @property
    def prefix(self) -> str:
        return self.spec.global_.namePrefix

    def name(self, suffix: str) -> str:
        return resource_name(self.prefix, suffix)

    def dns(self, suffix: str) -> str:
        """Fully qualified in-cluster address of the Service named prefix-suffix."""
        return f"{self.name(suffix)}.{self.namespace}.svc.{self.spec.global_.clusterDomain}"

    # ------------------------------------------------------------ metadata
    @cached_property
    def common_labels(self) -> dict[str, str]:
        return {
            "component": "backend",
            "provider": "zystem",
            "managed-by": "kustomize-zymtrace",
            "chart-version": self.spec.global_.chartVersion,
        }

    def metadata(
        self,
        suffix: str,
        *,
        app: str | None = None,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        name: str | None = None,
    ) -> Obj:
        """metadata with the common labels; `app` adds the app: prefix-<app> label the chart puts on workloads."""
        merged = dict(self.common_labels)
        if app:
            merged["app"] = self.name(app)
        if labels:
            merged.update(labels)
        meta: Obj = {"name": name or self.name(suffix), "namespace": self.namespace, "labels": merged}
        if annotations:
            meta["annotations"] = dict(sorted(annotations.items()))
        return meta

    def selector(self, app: str) -> dict[str, str]:
        return {"app": self.name(app)}

    # ------------------------------------------------------------ images
    def app_image(self, image: Image) -> str:
        """A zymtrace image (a service's or a Job's): registry, public repo rewrite and tag precedence (chart 3.0.3)."""
        g = self.spec.global_
        repository = image.repository
        if not g.registry.requirePullSecret:
            repository = "zymtrace-pub-" + repository.removeprefix("zymtrace-")
        registry = g.appImageRegistry or g.imageRegistry
        tag = image.tag or self.spec.services.common.imageTag or g.appVersion
        return f"{registry}/{repository}:{tag}" if registry else f"{repository}:{tag}"

    def db_image(self, repository: str, tag: str) -> str:
        registry = self.spec.global_.dbImageRegistry or self.spec.global_.imageRegistry
        return f"{registry}/{repository}:{tag}" if registry else f"{repository}:{tag}"

    @property
    def pull_policy(self) -> str:
        return self.spec.global_.imagePullPolicy

    @cached_property
    def pull_secret(self) -> str | None:
        registry = self.spec.global_.registry
        if registry.pullSecretName:
            return registry.pullSecretName
        return self.name("registry-cred") if registry.requirePullSecret else None

    # ------------------------------------------------------------ modes
    # Each mode field is read through one exhaustive match: a value the model allowed but nobody handles
    # fails here (assert_never, and mypy flags the missing case), never falls through to another mode.
    # Store modes are not read here: what a store mode means is its strategy's (stores/).
    @property
    def restricted(self) -> bool:
        profile = self.spec.security.profile
        match profile:
            case "restricted":
                return True
            case "baseline":
                return False
            case _:
                assert_never(profile)

    @cached_property
    def auth_type(self) -> AuthType:
        """The chart's effective type: the deprecated auth.basic.enabled forces basic."""
        auth = self.spec.auth
        kind = auth.type
        match kind:
            case "none" | "basic" | "local" | "oidc":
                return "basic" if auth.basic.enabled else kind
            case _:
                assert_never(kind)

    @property
    def token_auth(self) -> bool:
        return self.auth_type in ("local", "oidc")

    @cached_property
    def detected_issuer(self) -> str:
        """<proto>://<gateway host>: the default token issuer and OIDC redirect base (chart 3.3)."""
        host = self.spec.ingress.hosts.gateway.host
        if not host:
            return ""
        return f"{'https' if self.spec.ingress.tls else 'http'}://{host}"

    def hpa_enabled(self, service: Service) -> bool:
        """Chart precedence: a per-service hpa block decides alone (a missing enabled means false)."""
        own = service.app(self.spec).hpa
        if own is not None:
            return bool(own.enabled)
        return bool(self.spec.services.common.hpa.enabled)

    def effective_hpa(self, service: Service) -> Hpa:
        """Key by key: the service's own value when given, else services.common.hpa's (chart section 5)."""
        common = self.spec.services.common.hpa
        own = service.app(self.spec).hpa

        def pick(mine: T | None, shared: T) -> T:
            return mine if mine is not None else shared

        return Hpa(
            minReplicas=pick(own.minReplicas if own else None, common.minReplicas),
            maxReplicas=pick(own.maxReplicas if own else None, common.maxReplicas),
            targetCPUUtilizationPercentage=pick(
                own.targetCPUUtilizationPercentage if own else None, common.targetCPUUtilizationPercentage
            ),
            targetMemoryUtilizationPercentage=pick(
                own.targetMemoryUtilizationPercentage if own else None, common.targetMemoryUtilizationPercentage
            ),
            behavior=pick(own.behavior if own else None, common.behavior),
        )

    # ------------------------------------------------------------ components
    def asked_container_security(self, component: Component) -> dict[str, Any]:
        """The containers' securityContext the config sets for a component (spec.security's, then the
        component's own), before the hardening defaults go under it."""
        from .values import layered, plain

        own = component.section(self.spec).securityContext
        return layered(plain(self.spec.security.containerSecurityContext), plain(own))
