"""One strategy per store mode: what PostgreSQL, ClickHouse and object storage mean in each mode, in one
module per mode (address, user, config env, cloud identity, wait container, network peer, graph node,
checks). Renderers, checks and the graph look the strategy up from the mode and never match on it.

Adding a mode is its model section plus one module here, registered in its store's lookup (an
exhaustive match: mypy names a mode the lookup misses). What a mode puts into its store's Secret is
declared by the mode (`secret`) and written by render/credentials.py with every other credential.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..settings import assert_never
from .clickhouse import clickhouse
from .postgres import postgres
from .storage import storage

if TYPE_CHECKING:
    from ..components import Component, Database, Store
    from ..settings import Settings
    from .base import StoreMode

__all__ = ["clickhouse", "in_cluster", "of", "postgres", "service_account", "storage"]


def of(s: Settings, store: Store) -> StoreMode:
    """The strategy serving a store in this config."""
    match store:
        case "clickhouse":
            return clickhouse(s)
        case "postgres":
            return postgres(s)
        case "storage":
            return storage(s)
        case _:
            assert_never(store)


def in_cluster(s: Settings, database: Database) -> bool:
    """Whether a database component runs in the cluster (its store's mode is create)."""
    return of(s, database.store).in_cluster


def service_account(s: Settings, workload: Component) -> str:
    """The ServiceAccount a workload runs as, or "" for the namespace default: the cloud identity of the
    first of its stores whose mode asks for one (Aurora's, Cloud SQL's, the S3 IRSA account)."""
    for store in workload.stores:
        account = of(s, store).service_account(s, workload)
        if account:
            return account
    return ""
