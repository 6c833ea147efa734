"""Who talks to what. The component registry's stores drive the env wiring, the credential references,
the ServiceAccounts, the Cloud SQL proxy sidecars and the NetworkPolicy peers, so they cannot disagree."""

from __future__ import annotations

from .. import stores
from ..components import STORE_SECRET, Component
from .context import Context, Obj


def env_sources(ctx: Context, workload: Component) -> list[tuple[str, str]]:
    """(kind, suffix) of the ConfigMaps and Secrets a workload's containers load with envFrom, in order."""
    sources = [("ConfigMap", config) for config in workload.configs] + [("Secret", "auth-secrets")]
    sources += [("Secret", STORE_SECRET[store]) for store in workload.stores]
    sources += [("Secret", feature.secret) for feature in workload.features if feature.enabled(ctx.spec)]
    return sources


def env_from(ctx: Context, sources: list[tuple[str, str]]) -> list[Obj]:
    key = {"ConfigMap": "configMapRef", "Secret": "secretRef"}
    return [{key[kind]: {"name": ctx.name(suffix)}} for kind, suffix in sources]


def service_account(ctx: Context, workload: Component) -> str:
    """The ServiceAccount a workload runs as, or "" for the namespace default (its stores' cloud identity)."""
    return stores.service_account(ctx, workload)
