"""Who talks to what. One table drives the env wiring, the credential references, the ServiceAccounts,
the Cloud SQL proxy sidecars and the NetworkPolicy peers, so they cannot disagree."""

from __future__ import annotations

from typing import Literal

from .context import Context, Obj

Store = Literal["clickhouse", "postgres", "storage"]

# The backing stores each workload reads and writes (chart inventory 1.2 and 3.0.6).
WORKLOAD_STORES: dict[str, tuple[Store, ...]] = {
    "gateway": (),
    "identity": ("postgres",),
    "ingest": ("clickhouse",),
    "symdb": ("postgres", "storage"),
    "web": ("clickhouse", "postgres"),
    "ui": (),
    "migrate": ("clickhouse", "postgres", "storage"),
    "bucket-check": ("storage",),
}

# The Secret that carries each store's credentials to its clients.
STORE_SECRET: dict[Store, str] = {
    "clickhouse": "clickhouse-secrets",
    "postgres": "postgres-secrets",
    "storage": "storage-secrets",
}

# Secrets a workload loads only while a feature is on: (workload, secret suffix, switch).
FEATURE_SECRETS: tuple[tuple[str, str, str], ...] = (
    ("symdb", "global-symbolization-secrets", "globalSymbolization"),
    ("web", "ai-assistant-secrets", "aiAssistant"),
)


def clients_of(store: Store) -> tuple[str, ...]:
    """Workloads wired to a store, in table order: also the peers its NetworkPolicy admits."""
    return tuple(workload for workload, stores in WORKLOAD_STORES.items() if store in stores)


def uses(workload: str, store: Store) -> bool:
    return store in WORKLOAD_STORES.get(workload, ())


def env_sources(ctx: Context, workload: str) -> list[tuple[str, str]]:
    """(kind, suffix) of the ConfigMaps and Secrets a workload's containers load with envFrom, in order."""
    if workload == "gateway":
        sources = [("ConfigMap", "gateway-config"), ("ConfigMap", "config"), ("Secret", "auth-secrets")]
    else:
        sources = [("ConfigMap", "config"), ("ConfigMap", "auth-config"), ("Secret", "auth-secrets")]
    sources += [("Secret", STORE_SECRET[store]) for store in WORKLOAD_STORES[workload]]
    for owner, secret, switch in FEATURE_SECRETS:
        if owner == workload and getattr(ctx.spec, switch).enabled:
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
        if postgres.mode == "aws_aurora" and postgres.aws_aurora.serviceAccount:
            return postgres.aws_aurora.serviceAccount
        if ctx.cloudsql and (ctx.cloudsql_sidecar or workload == "migrate"):
            return ctx.cloudsql_service_account
    storage = ctx.spec.storage
    if uses(workload, "storage") and storage.mode == "use_existing" and storage.use_existing.type == "s3":
        return storage.use_existing.s3.serviceAccount
    return ""
