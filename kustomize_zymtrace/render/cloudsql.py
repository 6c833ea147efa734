"""The Cloud SQL Auth Proxy: the chart's shared Deployment behind <prefix>-postgres, or a native sidecar
in every pod that uses PostgreSQL (no unauthenticated database endpoint in the namespace)."""

from __future__ import annotations

from .. import stores
from ..components import PROXY, PROXY_CONTAINER, Component
from .context import Context, Obj
from .pods import resources, scheduling
from .workloads import Rendered, workload


def render(ctx: Context) -> list[Rendered]:
    store = stores.postgres(ctx)
    if not store.proxy_deployment(ctx):
        return []
    sql = ctx.spec.postgres.gcp_cloudsql
    service: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": ctx.metadata("postgres"),
        "spec": {
            "clusterIP": "None",
            "ports": [{"name": "psql", "port": PROXY.port_number(ctx.spec, "psql"), "targetPort": "psql"}],
            "selector": ctx.selector(PROXY.key),
        },
    }
    pod: Obj = scheduling(PROXY.placement(ctx.spec))
    account = store.service_account(ctx, PROXY)
    if account:
        pod["serviceAccountName"] = account
    pod["containers"] = [proxy_container(ctx, sidecar=False)]
    spec: Obj = {} if sql.hpa.enabled else {"replicas": sql.replicas}
    spec["selector"] = {"matchLabels": ctx.selector(PROXY.key)}
    # No random rollout annotation: the checksum the render pass adds rolls the proxy when its inputs change.
    spec["template"] = {"metadata": {"labels": ctx.selector(PROXY.key)}, "spec": pod}
    deployment: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": ctx.metadata(PROXY.key, app=PROXY.key),
        "spec": spec,
    }
    return [service, workload(ctx, PROXY, deployment)]


def proxy_container(ctx: Context, *, sidecar: bool) -> Obj:
    sql = ctx.spec.postgres.gcp_cloudsql
    port = sql.proxy.port
    command = ["/cloud-sql-proxy", f"--address={'127.0.0.1' if sidecar else '0.0.0.0'}", f"--port={port}"]
    if sql.workloadIdentity.enabled:
        command.append("--auto-iam-authn")
    if sql.privateIP:
        command.append("--private-ip")
    command.append(sql.instance)
    container: Obj = {
        "name": PROXY_CONTAINER,
        "image": f"{sql.proxy.image.repository}:{sql.proxy.image.tag}",
        "imagePullPolicy": ctx.pull_policy,
        "command": command,
    }
    container.update(resources(sql.proxy.resources))
    if sidecar:
        # A native sidecar (Kubernetes 1.29+): starts before the app, and the app waits for the startup probe.
        container["restartPolicy"] = "Always"
        container["startupProbe"] = {"tcpSocket": {"port": port}, "periodSeconds": 1, "failureThreshold": 120}
        container["livenessProbe"] = {"tcpSocket": {"port": port}, "periodSeconds": 10}
        return container
    container["ports"] = [{"name": "psql", "containerPort": port}]
    container["livenessProbe"] = {"tcpSocket": {"port": port}, "initialDelaySeconds": 30, "periodSeconds": 10}
    container["readinessProbe"] = {"tcpSocket": {"port": port}, "initialDelaySeconds": 15, "periodSeconds": 5}
    return container


def proxy_sidecars(ctx: Context, workload: Component) -> list[Obj]:
    """The init-container list entry that gives a PostgreSQL client its own proxy, in sidecar placement."""
    if stores.postgres(ctx).sidecar_in(ctx, workload):
        return [proxy_container(ctx, sidecar=True)]
    return []
