"""NetworkPolicies for the databases that run in the cluster, and for the UI.

Rendered from the config alone (the chart asked the live cluster first). The peers a database admits
are exactly the workloads wiring.py connects to it.
"""

from __future__ import annotations

from ..components import PROXY, STORE_DATABASE, Component, Store, clients_of, component
from .context import Context, Obj


def render(ctx: Context) -> list[Obj]:
    if not ctx.spec.services.activateNetworkPolicies:
        return []
    policies = []
    if ctx.clickhouse_in_cluster:
        policies.append(database_policy(ctx, "clickhouse", STORE_DATABASE["clickhouse"]))
    if ctx.postgres_in_cluster:
        policies.append(database_policy(ctx, "postgres", STORE_DATABASE["postgres"]))
    elif ctx.cloudsql and not ctx.cloudsql_sidecar:
        # A sidecar proxy listens on loopback only: there is nothing in the namespace to protect.
        policies.append(database_policy(ctx, "postgres", PROXY))
    ui = component("ui")
    policies.append(_policy(ctx, "ui", "ui", [("gateway", _ports(ctx, ui))]))
    return policies


def _ports(ctx: Context, target: Component) -> list[int]:
    return [ctx.port_number(target, port) for port in target.ports]


def database_policy(ctx: Context, store: Store, target: Component) -> Obj:
    ports = _ports(ctx, target)
    return _policy(ctx, store, target.key, [(client.key, ports) for client in clients_of(store)])


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
