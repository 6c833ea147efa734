"""NetworkPolicies for the databases that run in the cluster, and for the UI.

Rendered from the config alone (the chart asked the live cluster first). The peers a database admits
are exactly the workloads wiring.py connects to it.
"""

from __future__ import annotations

from .context import Context, Obj
from .wiring import Store, clients_of


def render(ctx: Context) -> list[Obj]:
    if not ctx.spec.services.activateNetworkPolicies:
        return []
    spec = ctx.spec
    policies = []
    if ctx.clickhouse_in_cluster:
        ports = [spec.clickhouse.create.service.http.port, spec.clickhouse.create.service.native.port]
        policies.append(database_policy(ctx, "clickhouse", "clickhouse", ports))
    if ctx.postgres_in_cluster:
        policies.append(database_policy(ctx, "postgres", "postgres", [spec.postgres.create.service.port]))
    elif ctx.cloudsql and not ctx.cloudsql_sidecar:
        # A sidecar proxy listens on loopback only: there is nothing in the namespace to protect.
        port = spec.postgres.gcp_cloudsql.proxy.port
        policies.append(database_policy(ctx, "postgres", "postgres-proxy", [port]))
    policies.append(_policy(ctx, "ui", "ui", [("gateway", [spec.services.ui.port])]))
    return policies


def database_policy(ctx: Context, store: Store, target: str, ports: list[int]) -> Obj:
    return _policy(ctx, store, target, [(client, ports) for client in clients_of(store)])


def _policy(ctx: Context, name: str, target: str, peers: list[tuple[str, list[int]]]) -> Obj:
    rules = [
        {
            "from": [{"podSelector": {"matchLabels": ctx.selector(peer)}}],
            "ports": [{"protocol": "TCP", "port": port} for port in ports],
        }
        for peer, ports in peers
    ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": ctx.metadata(f"{name}-network-policy"),
        "spec": {
            "podSelector": {"matchLabels": ctx.selector(target)},
            "policyTypes": ["Ingress"],
            "ingress": rules,
        },
    }
