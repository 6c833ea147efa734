"""postgres.mode gcp_cloudsql: Google Cloud SQL through the Cloud SQL Auth Proxy, as a shared Deployment
behind <prefix>-postgres or as a native sidecar in every client's pod."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ...components import PROXY, Job, Proxy
from ...results import error, shown, warning
from ...settings import assert_never
from ..base import External, SecretEntries, Served, Wait
from .base import APPS, PostgresMode, instance_shape, outside_env

if TYPE_CHECKING:
    from ...components import Component
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.postgres.gcp_cloudsql"


def sidecar(s: Settings) -> bool:
    placement = s.spec.postgres.gcp_cloudsql.proxy.placement
    match placement:
        case "sidecar":
            return True
        case "deployment":
            return False
        case _:
            assert_never(placement)


def service_account(s: Settings) -> str:
    """The proxy's account (Workload Identity): its own, else the mode's."""
    sql = s.spec.postgres.gcp_cloudsql
    return sql.proxy.serviceAccount or sql.serviceAccount


class GcpCloudSql(PostgresMode):
    uses_proxy = True

    def address(self, s: Settings) -> str:
        # A sidecar proxy listens on the pod's loopback only; the shared proxy behind <prefix>-postgres.
        host = "127.0.0.1" if sidecar(s) else s.name("postgres")
        return f"{host}:{PROXY.port_number(s.spec, 'psql')}"

    def user(self, s: Settings) -> str:
        return s.spec.postgres.gcp_cloudsql.user

    def config_env(self, s: Settings) -> dict[str, str]:
        sql = s.spec.postgres.gcp_cloudsql
        return outside_env(self.address(s), self.user(s), sql.database, sql.autoCreateDBs, None, user_env=False)

    def secret(self, s: Settings) -> SecretEntries:
        # IAM database authentication through the proxy: the password keys stay, empty.
        return SecretEntries(fixed=tuple((f"{app}__POSTGRES__PASSWORD", "") for app in APPS))

    def service_account(self, s: Settings, workload: Component) -> str:
        # The proxy's account: the proxy itself, its sidecar's hosts, and the migrate Job in either
        # placement (the chart's choice).
        return service_account(s) if sidecar(s) or isinstance(workload, (Job, Proxy)) else ""

    def wait(self, s: Settings) -> Wait | None:
        host, port = self.address(s).rsplit(":", 1)
        probe = f'psql -h {host} -p {port} -U {shlex.quote(self.user(s))} -d postgres -c "SELECT 1"'
        return Wait("wait-for-gcp-cloudsql", self.image(s), "the Cloud SQL proxy", probe)

    def proxy_deployment(self, s: Settings) -> bool:
        return not sidecar(s)

    def sidecar_in(self, s: Settings, workload: Component) -> bool:
        return sidecar(s) and "postgres" in workload.stores

    def server(self, s: Settings) -> Component | None:
        # A sidecar proxy listens on loopback only: there is nothing in the namespace to protect.
        return None if sidecar(s) else PROXY

    def served(self, s: Settings) -> Served:
        node = External("cloudsql", "Cloud SQL for PostgreSQL", s.spec.postgres.gcp_cloudsql.instance)
        if sidecar(s):
            return Served("cloudsql", "SQL via sidecar proxy", node)
        return Served(PROXY.key, "SQL", node)

    def talks(self, s: Settings) -> list[tuple[str, str, str]]:
        return [] if sidecar(s) else [(PROXY.key, "cloudsql", "Cloud SQL connector")]

    def checks(self, s: Settings) -> list[Result]:
        sql, out = s.spec.postgres.gcp_cloudsql, []
        if not sql.instance:
            out.append(error(f"{WHERE}.instance", "required with mode gcp_cloudsql (PROJECT:REGION:INSTANCE)"))
        else:
            out += instance_shape(s)
        if not sql.user:
            out.append(error(f"{WHERE}.user", "required with mode gcp_cloudsql (the IAM database user)"))
        proxy_sa, sa = sql.proxy.serviceAccount, sql.serviceAccount
        if proxy_sa and sa and proxy_sa != sa:
            out.append(warning(f"{WHERE}.proxy.serviceAccount", f"wins over {WHERE}.serviceAccount ({shown(sa)})"))
        if sql.workloadIdentity.enabled and not (proxy_sa or sa):
            out.append(
                warning(f"{WHERE}.serviceAccount", "empty: the proxy runs as the namespace's default ServiceAccount")
            )
        if sql.proxy.placement == "sidecar" and sql.hpa.enabled:
            out.append(warning(f"{WHERE}.hpa.enabled", "ignored with proxy.placement sidecar (no proxy Deployment)"))
        return out


MODE = GcpCloudSql()
