"""NetworkPolicies: the chart's, for the in-cluster databases and the UI, and with
`security.networkPolicies.isolate` one for every pod of the backend.

Rendered from the config alone (the chart asked the live cluster first). The peers a database admits
are exactly the workloads wiring.py connects to it; a service admits the callers the backend's own
configuration points at it (the gateway's routes, components.py's `calls`, the metric reporters' push
to ingest).

Every peer is a podSelector on an `app: <prefix>-<name>` label without a namespaceSelector: it matches
pods of this instance only, in its own namespace, so two instances in one namespace (different
`global.namePrefix`) or in two namespaces never admit each other. The chart leaves every pod its
policies do not select open to the whole cluster (MinIO, the gateway, the backend services, the Jobs);
`isolate` closes them, except the gateway's listeners, the backend's entry point (`gatewayFrom`
narrows them) and, with PodMonitors, the metrics ports (`metricsFrom`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..components import PROXY, SERVICES, STORE_DATABASE, Component, Store, callers_of, clients_of, component
from ..values import plain
from .context import Context, Obj

# The Jobs open no port: their pods admit nothing.
JOBS = ("migrate", "minio-init", "bucket-check")
# The services the gateway routes to, on their main and trusted listeners.
ROUTED = ("ui", "web", "ingest", "symdb")


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
    if not ctx.spec.security.networkPolicies.isolate:
        ui = component("ui")
        return [*policies, _policy(ctx, "ui", [_from_components(ctx, ["gateway"], _ports(ctx, ui))])]
    policies += [_policy(ctx, service.key, service_rules(ctx, service)) for service in SERVICES]
    if ctx.minio_in_cluster:
        minio = STORE_DATABASE["storage"]
        # bucket-check runs only against object storage outside the cluster (jobs.py).
        clients = [client.key for client in clients_of("storage") if client.key != "bucket-check"] + ["minio-init"]
        policies.append(_policy(ctx, "minio", [_from_components(ctx, clients, _ports(ctx, minio, "service.api.port"))]))
    jobs = {"matchExpressions": [{"key": "app", "operator": "In", "values": [ctx.name(job) for job in JOBS]}]}
    policies.append(_policy(ctx, "jobs", [], selector=jobs))
    return policies


def database_policy(ctx: Context, store: Store, target: Component) -> Obj:
    ports = _ports(ctx, target)
    rules = [_from_components(ctx, [client.key], ports) for client in clients_of(store)]
    return _policy(ctx, store, rules, selector={"matchLabels": ctx.selector(target.key)})


def service_rules(ctx: Context, service: Component) -> list[Obj]:
    """Who reaches a service, on which ports: whoever the backend's configuration points at it, the
    clients a NodePort or LoadBalancer Service brings, and the configured outside peers."""
    key, settings = service.key, ctx.spec.security.networkPolicies
    listeners = _ports(ctx, service, "port", "portTrusted")
    rules: list[Obj | None] = []
    if key == "gateway":
        mtls = _ports(ctx, service, "mtls.port") if ctx.spec.services.gateway.mtls.enabled else []
        rules.append(_open_to(settings.gatewayFrom, listeners + mtls))
        if settings.gatewayFrom is not None:
            # symdb's callers reach it through the gateway's listeners.
            rules.append(_from_components(ctx, [caller.key for caller in callers_of("symdb")], listeners))
    if key in ROUTED:
        rules.append(_from_components(ctx, ["gateway"], listeners))
    if key == "ingest":
        # Every service with metrics pushes them to ingest's trusted listener (METRIC_REPORTER__ENDPOINT).
        reporters = [reporter.key for reporter in SERVICES if reporter.metrics]
        rules.append(_from_components(ctx, reporters, _ports(ctx, service, "portTrusted")))
    if key == "symdb":
        rules.append(_from_components(ctx, [c.key for c in callers_of("symdb")], _ports(ctx, service, "portHealth")))
    if key == "identity":
        callers = [caller.key for caller in callers_of("identity")]
        rules.append(_from_components(ctx, callers, _ports(ctx, service, "port", "portHealth")))
    if key != "gateway" and ctx.section(service).service.type != "ClusterIP":
        # The gateway's own exposure is what gatewayFrom says; another exposed Service is open to all.
        rules.append(_open_to(None, [ctx.port_number(service, p) for p in service.ports if ctx.on_service(service, p)]))
    if service.metrics and ctx.spec.metricReporter.podMonitor.enabled:
        metrics = [ctx.port_number(service, port) for port in service.ports if port.name == service.metrics]
        rules.append(_open_to(settings.metricsFrom, metrics))
    return [rule for rule in rules if rule is not None]


def _ports(ctx: Context, target: Component, *fields: str) -> list[int]:
    """The numbers of a component's ports (those bound to `fields`, else all of them)."""
    return [ctx.port_number(target, port) for port in target.ports if not fields or port.field in fields]


def _tcp(ports: list[int]) -> list[Obj]:
    return [{"protocol": "TCP", "port": port} for port in dict.fromkeys(ports)]


def _from_components(ctx: Context, peers: list[str], ports: list[int]) -> Obj | None:
    """From these components of this instance (same namespace, same name prefix)."""
    if not peers or not ports:
        return None
    return {"from": [{"podSelector": {"matchLabels": ctx.selector(peer)}} for peer in peers], "ports": _tcp(ports)}


def _open_to(peers: list[Any] | None, ports: list[int]) -> Obj | None:
    """From the configured peers outside the backend; None: from every source (a rule without `from`)."""
    if not ports or peers == []:
        return None
    if peers is None:
        return {"ports": _tcp(ports)}
    return {"from": [plain(peer) for peer in peers], "ports": _tcp(ports)}


def _policy(ctx: Context, name: str, rules: Sequence[Obj | None], *, selector: Obj | None = None) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": ctx.metadata(f"{name}-network-policy"),
        "spec": {
            "podSelector": selector or {"matchLabels": ctx.selector(name)},
            "policyTypes": ["Ingress"],
            "ingress": [rule for rule in rules if rule is not None],
        },
    }
