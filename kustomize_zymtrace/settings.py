"""Resolved settings: what the renderers and the cross-field checks both need, derived once from the
validated model (names, labels, images, modes, effective auth and autoscaling, port numbers).

The checks read this layer, never the renderers, so a derived value has one definition for both.
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if sys.version_info >= (3, 11):
    from typing import assert_never as assert_never
else:  # pragma: no cover
    from typing_extensions import assert_never as assert_never

from .components import BY_KEY, Component, Port

if TYPE_CHECKING:
    from .model import ZymtraceBackend
    from .model.backend import Spec

Obj = dict[str, Any]
AuthType = Literal["none", "basic", "local", "oidc"]
PostgresMode = Literal["create", "use_existing", "aws_aurora", "gcp_cloudsql"]
StorageType = Literal["s3", "minio", "gcs"]
HPA_KEYS = (
    "minReplicas",
    "maxReplicas",
    "targetCPUUtilizationPercentage",
    "targetMemoryUtilizationPercentage",
    "behavior",
)


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
    def app_image(self, service: str) -> str:
        """zymtrace image of services.<service>: registry, public repo rewrite and tag precedence (chart 3.0.3)."""
        g = self.spec.global_
        svc = getattr(self.spec.services, service)
        repository = svc.image.repository
        if not g.registry.requirePullSecret:
            repository = "zymtrace-pub-" + repository.removeprefix("zymtrace-")
        registry = g.appImageRegistry or g.imageRegistry
        tag = svc.image.tag or self.spec.services.common.imageTag or g.appVersion
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
    # Every mode is read through one exhaustive match: a value the model allowed but nobody handles
    # fails here (assert_never, and mypy flags the missing case), never falls through to another mode.
    @property
    def clickhouse_in_cluster(self) -> bool:
        mode = self.spec.clickhouse.mode
        match mode:
            case "create":
                return True
            case "use_existing":
                return False
            case _:
                assert_never(mode)

    @property
    def postgres_mode(self) -> PostgresMode:
        mode = self.spec.postgres.mode
        match mode:
            case "create" | "use_existing" | "aws_aurora" | "gcp_cloudsql":
                return mode
            case _:
                assert_never(mode)

    @property
    def postgres_in_cluster(self) -> bool:
        return self.postgres_mode == "create"

    def in_cluster(self, database: Component) -> bool:
        """Whether a database component runs in the cluster (its section's mode is create)."""
        return {
            "clickhouse": self.clickhouse_in_cluster,
            "postgres": self.postgres_in_cluster,
            "minio": self.minio_in_cluster,
        }[database.key]

    @property
    def minio_in_cluster(self) -> bool:
        mode = self.spec.storage.mode
        match mode:
            case "create":
                return True
            case "use_existing":
                return False
            case _:
                assert_never(mode)

    @property
    def storage_type(self) -> StorageType:
        """The kind of existing object storage (meaningful with storage.mode use_existing)."""
        kind = self.spec.storage.use_existing.type
        match kind:
            case "s3" | "minio" | "gcs":
                return kind
            case _:
                assert_never(kind)

    @property
    def cloudsql(self) -> bool:
        return self.postgres_mode == "gcp_cloudsql"

    @property
    def cloudsql_sidecar(self) -> bool:
        placement = self.spec.postgres.gcp_cloudsql.proxy.placement
        match placement:
            case "sidecar":
                return self.cloudsql
            case "deployment":
                return False
            case _:
                assert_never(placement)

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

    @property
    def cloudsql_service_account(self) -> str:
        sql = self.spec.postgres.gcp_cloudsql
        return sql.proxy.serviceAccount or sql.serviceAccount

    @cached_property
    def postgres_address(self) -> str:
        """host:port the services use for PostgreSQL in the current mode (chart 7.1)."""
        pg = self.spec.postgres
        mode = self.postgres_mode
        match mode:
            case "create":
                return f"{self.name('postgres')}:{pg.create.service.port}"
            case "gcp_cloudsql":
                # A sidecar proxy listens on the pod's loopback only; the shared proxy behind <prefix>-postgres.
                host = "127.0.0.1" if self.cloudsql_sidecar else self.name("postgres")
                return f"{host}:{pg.gcp_cloudsql.proxy.port}"
            case "aws_aurora":
                return pg.aws_aurora.host
            case "use_existing":
                return pg.use_existing.host
            case _:
                assert_never(mode)

    @cached_property
    def postgres_user(self) -> str:
        pg = self.spec.postgres
        mode = self.postgres_mode
        match mode:
            case "create":
                return pg.create.config.user
            case "use_existing":
                return pg.use_existing.user
            case "aws_aurora":
                return pg.aws_aurora.user
            case "gcp_cloudsql":
                return pg.gcp_cloudsql.user
            case _:
                assert_never(mode)

    @cached_property
    def clickhouse_url(self) -> str:
        ch = self.spec.clickhouse
        if self.clickhouse_in_cluster:
            return f"http://{self.name('clickhouse')}:{ch.create.service.http.port}"
        return ch.use_existing.host

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

    def hpa_enabled(self, service: str) -> bool:
        """Chart precedence: a per-service hpa block decides alone (a missing enabled means false)."""
        svc = getattr(self.spec.services, service)
        if svc.hpa is not None:
            return bool(svc.hpa.enabled)
        return bool(self.spec.services.common.hpa.enabled)

    def effective_hpa(self, service: str) -> dict[str, Any]:
        """Key by key: the service's own value when given, else services.common.hpa's (chart section 5)."""
        common = self.spec.services.common.hpa
        own = getattr(self.spec.services, service).hpa
        merged = {}
        for key in HPA_KEYS:
            value = getattr(own, key) if own is not None else None
            merged[key] = value if value is not None else getattr(common, key)
        return merged

    # ------------------------------------------------------------ components
    def at(self, path: str) -> Any:
        """The config section at a dotted path below spec (a component's section)."""
        node: Any = self.spec
        for part in path.split("."):
            node = getattr(node, part)
        return node

    def section(self, component: Component | str) -> Any:
        return self.at((BY_KEY[component] if isinstance(component, str) else component).section)

    def asked_container_security(self, component: Component | str) -> dict[str, Any]:
        """The containers' securityContext the config sets for a component (spec.security's, then the
        component's own), before the hardening defaults go under it."""
        from .values import layered, plain

        own = getattr(self.section(component), "securityContext", None)
        return layered(plain(self.spec.security.containerSecurityContext), plain(own) if own is not None else {})

    def port_number(self, component: Component, port: Port) -> int:
        return int(self.at(f"{component.section}.{port.field}"))

    def service_port_name(self, component: Component, port: Port) -> str:
        return str(self.at(f"{component.section}.{port.name_field}")) if port.name_field else port.name

    def on_service(self, component: Component, port: Port) -> bool:
        return port.service and (not port.when or bool(self.at(f"{component.section}.{port.when}")))

    def proxy_sidecar_in(self, component: Component) -> bool:
        """A Cloud SQL proxy sidecar runs in this component's pods (it listens on the pod's network too)."""
        return self.cloudsql_sidecar and "postgres" in component.stores
