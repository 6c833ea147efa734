"""What every renderer needs to know, derived once from the validated model: names, labels, images, modes."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import ZymtraceBackend
    from ..model.backend import Spec
    from .credentials import SecretMaterial

Obj = dict[str, Any]

# Annotation that marks objects this generator made, so a KRM re-render replaces exactly those.
GENERATED_BY = "zymtrace.io/generated-by"


def resource_name(prefix: str, suffix: str) -> str:
    """The chart's naming rule: prefix-suffix, cut to 63 characters, no trailing dash."""
    return f"{prefix}-{suffix}"[:63].rstrip("-")


class Context:
    """Read-only view of one validated config for the renderers; derived values are computed once."""

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

    @cached_property
    def secrets(self) -> dict[str, SecretMaterial]:
        """Contents of every generated Opaque Secret (computed once, read by Secrets and env wiring)."""
        from .credentials import secret_material

        return secret_material(self)

    # ------------------------------------------------------------ modes
    @property
    def clickhouse_in_cluster(self) -> bool:
        return self.spec.clickhouse.mode == "create"

    @property
    def postgres_in_cluster(self) -> bool:
        return self.spec.postgres.mode == "create"

    @property
    def minio_in_cluster(self) -> bool:
        return self.spec.storage.mode == "create"

    @property
    def cloudsql(self) -> bool:
        return self.spec.postgres.mode == "gcp_cloudsql"

    @property
    def cloudsql_sidecar(self) -> bool:
        return self.cloudsql and self.spec.postgres.gcp_cloudsql.proxy.placement == "sidecar"

    @property
    def cloudsql_service_account(self) -> str:
        sql = self.spec.postgres.gcp_cloudsql
        return sql.proxy.serviceAccount or sql.serviceAccount

    @cached_property
    def postgres_address(self) -> str:
        """host:port the services use for PostgreSQL in the current mode (chart 7.1)."""
        pg = self.spec.postgres
        if pg.mode == "create":
            return f"{self.name('postgres')}:{pg.create.service.port}"
        if pg.mode == "gcp_cloudsql":
            # A sidecar proxy listens on the pod's loopback only; the shared proxy behind <prefix>-postgres.
            host = "127.0.0.1" if self.cloudsql_sidecar else self.name("postgres")
            return f"{host}:{pg.gcp_cloudsql.proxy.port}"
        return pg.aws_aurora.host if pg.mode == "aws_aurora" else pg.use_existing.host

    @cached_property
    def postgres_user(self) -> str:
        pg = self.spec.postgres
        return {
            "create": pg.create.config.user,
            "use_existing": pg.use_existing.user,
            "aws_aurora": pg.aws_aurora.user,
            "gcp_cloudsql": pg.gcp_cloudsql.user,
        }[pg.mode]

    @cached_property
    def clickhouse_url(self) -> str:
        ch = self.spec.clickhouse
        if self.clickhouse_in_cluster:
            return f"http://{self.name('clickhouse')}:{ch.create.service.http.port}"
        return ch.use_existing.host

    @cached_property
    def auth_type(self) -> str:
        """The chart's effective type: the deprecated auth.basic.enabled forces basic."""
        auth = self.spec.auth
        return "basic" if auth.basic.enabled else auth.type

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
        return self.spec.services.common.hpa.enabled
