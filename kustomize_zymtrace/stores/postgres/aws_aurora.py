"""postgres.mode aws_aurora: Amazon Aurora with IAM authentication (IRSA)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results import error
from ..base import External, SecretEntries, Served
from .base import APPS, AWS_IAM, PostgresMode, outside_env

if TYPE_CHECKING:
    from ...components import Component
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.postgres.aws_aurora"


class AwsAurora(PostgresMode):
    def address(self, s: Settings) -> str:
        return s.spec.postgres.aws_aurora.host

    def user(self, s: Settings) -> str:
        return s.spec.postgres.aws_aurora.user

    def config_env(self, s: Settings) -> dict[str, str]:
        aurora = s.spec.postgres.aws_aurora
        return outside_env(self.address(s), self.user(s), aurora.database, aurora.autoCreateDBs, "true")

    def secret(self, s: Settings) -> SecretEntries:
        region = s.spec.postgres.aws_aurora.region
        # No password: each service signs an IAM token; the chart still writes the key, empty.
        fixed = (
            (key, value)
            for app in APPS
            for key, value in (
                (f"{app}__POSTGRES__USE_IAM", AWS_IAM),
                (f"{app}__POSTGRES__AWS_IAM_REGION", region),
                (f"{app}__POSTGRES__PASSWORD", ""),
            )
        )
        return SecretEntries(fixed=tuple(fixed))

    def service_account(self, s: Settings, workload: Component) -> str:
        return s.spec.postgres.aws_aurora.serviceAccount

    def served(self, s: Settings) -> Served:
        node = External("postgres-external", "Aurora PostgreSQL", self.address(s))
        return Served(node.name, "SQL", node)

    def checks(self, s: Settings) -> list[Result]:
        aurora, out = s.spec.postgres.aws_aurora, []
        if not aurora.host:
            out.append(error(f"{WHERE}.host", "required with mode aws_aurora"))
        if not aurora.region:
            out.append(error(f"{WHERE}.region", "required with mode aws_aurora (IAM tokens are signed per region)"))
        return out


MODE = AwsAurora()
