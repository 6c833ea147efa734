"""clickhouse.mode use_existing: a ClickHouse server (or cluster) outside this backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results import error, is_url, shown
from ..base import External, Served, flag
from .base import CLIENTS, ClickHouseMode, shared_env

if TYPE_CHECKING:
    from ...model.credential import Credential
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.clickhouse.use_existing"


class UseExisting(ClickHouseMode):
    def url(self, s: Settings) -> str:
        return s.spec.clickhouse.use_existing.host

    def config_env(self, s: Settings) -> dict[str, str]:
        existing = s.spec.clickhouse.use_existing
        data = shared_env(existing.host, existing)
        for prefix in ("INGEST__CLICKHOUSE", "INGEST__METRICS__CLICKHOUSE"):
            data[f"{prefix}__AUTO_CREATE_DBS"] = flag(existing.autoCreateDBs)
        if existing.clusterName:
            data.update({f"{prefix}__CLUSTER_NAME": existing.clusterName for prefix, _ in CLIENTS})
        return data

    def password(self, s: Settings) -> Credential:
        return s.spec.clickhouse.use_existing.password_credential

    def served(self, s: Settings) -> Served:
        node = External("clickhouse-external", "ClickHouse (existing)", self.url(s))
        return Served(node.name, "SQL", node)

    def checks(self, s: Settings) -> list[Result]:
        host = s.spec.clickhouse.use_existing.host
        if not host:
            return [error(f"{WHERE}.host", "required with mode use_existing")]
        if not is_url(host):
            return [error(f"{WHERE}.host", f"must start with http:// or https:// (found {shown(host)})")]
        return []


MODE = UseExisting()
