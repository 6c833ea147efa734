"""Who talks to what. The component registry's stores drive the env wiring, the credential references,
the ServiceAccounts, the Cloud SQL proxy sidecars and the NetworkPolicy peers, so they cannot disagree."""

from __future__ import annotations

from ..components import STORE_SECRET, Store, component
from .context import Context, Obj


def uses(workload: str, store: Store) -> bool:
    return store in component(workload).stores


def env_sources(ctx: Context, workload: str) -> list[tuple[str, str]]:
    """(kind, suffix) of the ConfigMaps and Secrets a workload's containers load with envFrom, in order."""
    declared = component(workload)
    sources = [("ConfigMap", config) for config in declared.configs] + [("Secret", "auth-secrets")]
    sources += [("Secret", STORE_SECRET[store]) for store in declared.stores]
    for secret, switch in declared.features:
        if getattr(ctx.spec, switch).enabled:
            sources.append(("Secret", secret))
    return sources


def env_from(ctx: Context, sources: list[tuple[str, str]]) -> list[Obj]:
    key = {"ConfigMap": "configMapRef", "Secret": "secretRef"}
    return [{key[kind]: {"name": ctx.name(suffix)}} for kind, suffix in sources]


def service_account(ctx: Context, workload: str) -> str:
    """The ServiceAccount a workload runs as, or "" for the namespace default.

    Cloud identity follows the data: Aurora's or Cloud SQL's account for PostgreSQL clients, the
    S3 IRSA account for object-storage clients.
    """
    postgres = ctx.spec.postgres
    if uses(workload, "postgres"):
        if ctx.postgres_mode == "aws_aurora" and postgres.aws_aurora.serviceAccount:
            return postgres.aws_aurora.serviceAccount
        if ctx.cloudsql and (ctx.cloudsql_sidecar or workload == "migrate"):
            return ctx.cloudsql_service_account
    storage = ctx.spec.storage
    if uses(workload, "storage") and not ctx.minio_in_cluster and ctx.storage_type == "s3":
        return storage.use_existing.s3.serviceAccount
    return ""
