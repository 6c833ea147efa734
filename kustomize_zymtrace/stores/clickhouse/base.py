"""What a ClickHouse mode answers beyond every store's questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...components import service_clients
from ..base import SecretEntries, StoreMode, Written

if TYPE_CHECKING:
    from ...model.credential import Credential
    from ...model.databases import ClickHouseCredentials, ClickHouseExisting
    from ...settings import Settings

# (<SERVICE>[__METRICS]__CLICKHOUSE, database suffix): its clients write profiles and metrics to two databases.
CLIENTS = tuple(
    (f"{c.env_prefix}{part}__CLICKHOUSE", database)
    for c in service_clients("clickhouse")
    for part, database in (("", "profiling"), ("__METRICS", "metrics"))
)
PASSWORDS = ("CLICKHOUSE_PASSWORD", *(f"{prefix}__PASSWORD" for prefix, _ in CLIENTS))


class ClickHouseMode(StoreMode):
    def url(self, s: Settings) -> str:
        """The HTTP interface's URL."""
        raise NotImplementedError

    def config_env(self, s: Settings) -> dict[str, str]:
        """Its entries in the shared ConfigMap."""
        raise NotImplementedError

    def password(self, s: Settings) -> Credential:
        raise NotImplementedError

    def secret(self, s: Settings) -> SecretEntries:
        """The password under every ClickHouse password key."""
        return SecretEntries((Written(PASSWORDS, self.password(s)),))


def shared_env(url: str, account: ClickHouseCredentials | ClickHouseExisting) -> dict[str, str]:
    """The entries every mode writes: the user, the databases and the address of each client."""
    data = {
        "CLICKHOUSE_USER": account.user,
        "CLICKHOUSE_DB": f"{account.database}_profiling",
        "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT": "1",
    }
    for prefix, database in CLIENTS:
        data[f"{prefix}__USERNAME"] = account.user
        data[f"{prefix}__ADDR"] = url
        data[f"{prefix}__DATABASE"] = f"{account.database}_{database}"
    return data
