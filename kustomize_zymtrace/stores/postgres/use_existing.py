"""postgres.mode use_existing: a PostgreSQL server outside the cluster, by password or AWS IAM."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results import error, warning
from ..base import External, SecretEntries, Served, flag
from .base import APPS, PostgresMode, outside_env, password

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

    def secret(self, s: Settings) -> SecretEntries:
        existing = s.spec.postgres.use_existing
        if not existing.useIAM:
            return SecretEntries((password(existing.password_credential, keep_empty=True),))
        fixed: list[tuple[str, str]] = []
        for app in APPS:
            fixed.append((f"{app}__POSTGRES__USE_IAM", existing.useIAM))
            if existing.awsIamRegion:
                fixed.append((f"{app}__POSTGRES__AWS_IAM_REGION", existing.awsIamRegion))
        return SecretEntries(fixed=tuple(fixed))

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
