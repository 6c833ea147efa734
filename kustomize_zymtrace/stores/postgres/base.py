"""What a PostgreSQL mode answers beyond every store's questions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...components import service_clients
from ...model.scalars import CLOUDSQL_INSTANCE as CLOUDSQL_PATTERN
from ...results import error, shown
from ..base import StoreMode, Written, flag

if TYPE_CHECKING:
    from ...components import Component
    from ...model.credential import Credential
    from ...results import Result
    from ...settings import Settings

CLOUDSQL_INSTANCE = re.compile(f"^{CLOUDSQL_PATTERN}$")
# The services with their own <SERVICE>__POSTGRES__... settings.
APPS = tuple(c.env_prefix for c in service_clients("postgres"))
PASSWORDS = ("POSTGRES_PASSWORD", *(f"{app}__POSTGRES__PASSWORD" for app in APPS))
# Fixed values modes write into the Secret: public, never sealed for the checksum (render_pass reads them).
PGDATA = "/var/lib/postgresql/data/pgdata"
AWS_IAM = "aws"


class PostgresMode(StoreMode):
    uses_proxy = False  # the Cloud SQL Auth Proxy runs (in either placement)

    def address(self, s: Settings) -> str:
        """host:port the services use."""
        raise NotImplementedError

    def user(self, s: Settings) -> str:
        raise NotImplementedError

    def config_env(self, s: Settings) -> dict[str, str]:
        """Its entries in the shared ConfigMap."""
        raise NotImplementedError

    def proxy_deployment(self, s: Settings) -> bool:
        """The shared Cloud SQL proxy Deployment (and its Service and HPA) is rendered."""
        return False

    def sidecar_in(self, s: Settings, workload: Component) -> bool:
        """A proxy sidecar runs in this workload's pods (it listens on the pod's network too)."""
        return False

    def image(self, s: Settings) -> str:
        """The PostgreSQL image (the server's, and the client tools' of the migrate Job's wait)."""
        create = s.spec.postgres.create
        return s.db_image(create.image.repository, create.image.tag)


def password(credential: Credential, *, keep_empty: bool = False) -> Written:
    """The password under every PostgreSQL password key of the Secret."""
    return Written(PASSWORDS, credential, keep_empty)


def client_env(address: str, user: str) -> dict[str, str]:
    """Per service: where the server is and who to connect as."""
    data: dict[str, str] = {}
    for app in APPS:
        data[f"{app}__POSTGRES__USERNAME"] = user
        data[f"{app}__POSTGRES__ADDR"] = address
    return data


def outside_env(
    address: str, user: str, database: str, auto_create: bool, secure: str | None, *, user_env: bool = True
) -> dict[str, str]:
    """The entries of a server outside the cluster: per service its address, user and database."""
    data: dict[str, str] = {"POSTGRES_USER": user} if user_env else {}
    data.update(client_env(address, user))
    for app in APPS:
        data[f"{app}__POSTGRES__DATABASE"] = f"{database}_{app.lower()}"
        data[f"{app}__POSTGRES__AUTO_CREATE_DBS"] = flag(auto_create)
        if secure is not None:
            data[f"{app}__POSTGRES__SECURE"] = secure
    return data


def instance_shape(s: Settings) -> list[Result]:
    """PROJECT:REGION:INSTANCE. Checked in every mode: the JSON Schema (and so the editor) rejects a bad
    instance even where the mode leaves it unused, so the render says so too."""
    instance = s.spec.postgres.gcp_cloudsql.instance
    if not instance or CLOUDSQL_INSTANCE.match(instance):
        return []
    return [error("spec.postgres.gcp_cloudsql.instance", f"must be PROJECT:REGION:INSTANCE (found {shown(instance)})")]
