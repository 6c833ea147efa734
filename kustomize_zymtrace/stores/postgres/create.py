"""postgres.mode create: the in-cluster PostgreSQL StatefulSet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...components import POSTGRES
from ..base import InCluster, SecretEntries, Wait
from .base import PGDATA, PostgresMode, client_env, password

if TYPE_CHECKING:
    from ...settings import Settings


class Create(InCluster, PostgresMode):
    def address(self, s: Settings) -> str:
        return self.at(s, "psql")

    def user(self, s: Settings) -> str:
        return s.spec.postgres.create.config.user

    def config_env(self, s: Settings) -> dict[str, str]:
        return {"POSTGRES_USER": self.user(s), **client_env(self.address(s), self.user(s))}

    def secret(self, s: Settings) -> SecretEntries:
        return SecretEntries((password(s.spec.postgres.create.config.password_credential),), (("PGDATA", PGDATA),))

    def wait(self, s: Settings) -> Wait | None:
        probe = (
            f'PGPASSWORD="${{POSTGRES_PASSWORD}}" psql -h {s.name(self.database.key)} '
            f'-p {self.database.port_number(s.spec, "psql")} -U "${{POSTGRES_USER}}" -d postgres -c "SELECT 1"'
        )
        return Wait("wait-for-postgres", self.image(s), "PostgreSQL", probe)


MODE = Create(POSTGRES, "SQL")
