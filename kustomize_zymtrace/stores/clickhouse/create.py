"""clickhouse.mode create: the in-cluster ClickHouse StatefulSet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...components import CLICKHOUSE
from ..base import InCluster, Wait
from .base import ClickHouseMode, shared_env

if TYPE_CHECKING:
    from ...model.credential import Credential
    from ...settings import Settings


class Create(InCluster, ClickHouseMode):
    def url(self, s: Settings) -> str:
        return self.at(s, "http", "http")

    def config_env(self, s: Settings) -> dict[str, str]:
        return shared_env(self.url(s), s.spec.clickhouse.create.config)

    def password(self, s: Settings) -> Credential:
        return s.spec.clickhouse.create.config.password_credential

    def wait(self, s: Settings) -> Wait | None:
        image = s.spec.clickhouse.create.image
        native = self.database.port_number(s.spec, "native")
        probe = (
            f"clickhouse-client --host={s.name(self.database.key)} --port={native} "
            '--user="${CLICKHOUSE_USER}" --password="${CLICKHOUSE_PASSWORD}" --query="SELECT 1"'
        )
        return Wait("wait-for-clickhouse", s.db_image(image.repository, image.tag), "ClickHouse", probe)


MODE = Create(CLICKHOUSE, "SQL")
