"""postgres.mode use_existing: a PostgreSQL server outside the cluster, by password or AWS IAM."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results import error, warning
from ..base import External, Served, flag
from .base import PostgresMode, outside_env

if TYPE_CHECKING:
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.postgres.use_existing"


class UseExisting(PostgresMode):
    def address(self, s: Settings) -> str:
        return s.spec.postgres.use_existing.host

    def user(self, s: Settings) -> str:
        return s.spec.postgres.use_existing.user

    def config_env(self, s: Settings) -> dict[str, str]:
        existing = s.spec.postgres.use_existing
        return outside_env(
            self.address(s), self.user(s), existing.database, existing.autoCreateDBs, flag(existing.secure)
        )

    def served(self, s: Settings) -> Served:
        return Served(
            "postgres-external", "SQL", External("postgres-external", "PostgreSQL (existing)", self.address(s))
        )

    def checks(self, s: Settings) -> list[Result]:
        existing, out = s.spec.postgres.use_existing, []
        if not existing.host:
            out.append(error(f"{WHERE}.host", "required with mode use_existing"))
        if existing.useIAM and not existing.awsIamRegion:
            out.append(error(f"{WHERE}.awsIamRegion", "required with useIAM: aws"))
        if not existing.useIAM and not existing.password_credential.given:
            out.append(warning(f"{WHERE}.password", "no password and no passwordSecretName: connecting without one"))
        return out


MODE = UseExisting()
