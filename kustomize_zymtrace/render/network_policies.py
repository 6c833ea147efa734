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
from typing import TYPE_CHECKING

from .. import stores
from ..components import (
    BUCKET_CHECK,
    JOBS,
    MINIO_INIT,
    SERVICES,
    Component,
    Service,
    callers_of,
    clients_of,
    routers_of,
)
from ..values import plain
from .context import Context, Obj

if TYPE_CHECKING:
    from ..components import Store
    from ..model.kube import NetworkPolicyPeer

# What the store NetworkPolicies are named after: the store, whichever workload serves it.
POLICED_STORES: tuple[Store, ...] = ("clickhouse", "postgres")


def render(ctx: Context) -> list[Obj]:
    if not ctx.spec.services.activateNetworkPolicies:
        return []
    policies = []
    for store in POLICED_STORES:
        server = stores.of(ctx, store).server(ctx)
        if server is not None:
            policies.append(database_policy(ctx, store, server))
    if not ctx.spec.security.networkPolicies.isolate:
        for service in (s for s in SERVICES if s.chart_policy):
            rules = [_from_components(ctx, [r.key for r in routers_of(service.key)], _ports(ctx, service))]
            policies.append(_policy(ctx, service.key, rules))
        return policies
    policies += [_policy(ctx, service.key, service_rules(ctx, service)) for service in SERVICES]
    minio = stores.storage(ctx).server(ctx)
    if minio is not None:
        # Its clients that run beside it (bucket-check runs only against storage outside the cluster), and
        # the Job that makes its bucket.
        clients = [c.key for c in clients_of("storage") if c is not BUCKET_CHECK] + [MINIO_INIT.key]
        policies.append(_policy(ctx, minio.key, [_from_components(ctx, clients, _ports(ctx, minio, "api"))]))
    jobs = {"matchExpressions": [{"key": "app", "operator": "In", "values": [ctx.name(job.key) for job in JOBS]}]}
    policies.append(_policy(ctx, "jobs", [], selector=jobs))
    return policies


def database_policy(ctx: Context, store: Store, target: Component) -> Obj:
    ports = _ports(ctx, target)
    rules = [_from_components(ctx, [client.key], ports) for client in clients_of(store)]
    return _policy(ctx, store, rules, selector={"matchLabels": ctx.selector(target.key)})


def _callers(ctx: Context, service: Service) -> list[Obj | None]:
    """One rule per service whose callers are pointed at this one (its endpoints' targets), on those ports."""
    rules: list[Obj | None] = []
    for callee in SERVICES:
        ports = [e.port for e in callee.endpoints if e.target == service.key]
        if ports:
            callers = [caller.key for caller in callers_of(callee.key)]
            rules.append(_from_components(ctx, callers, _ports(ctx, service, *ports)))
    return rules


def service_rules(ctx: Context, service: Service) -> list[Obj | None]:
    """Who reaches a service, on which ports: whoever the backend's configuration points at it, the
    clients a NodePort or LoadBalancer Service brings, and the configured outside peers."""
    settings = ctx.spec.security.networkPolicies
    rules: list[Obj | None] = []
    if service.entry:
        entry = [p.number(ctx.spec) for p in service.ports if p.name in service.entry and p.on_service(ctx.spec)]
        rules.append(_open_to(settings.gatewayFrom, entry))
        if settings.gatewayFrom is not None:
            rules += _callers(ctx, service)  # else the rule above already admits every source
    for router in routers_of(service.key):
        rules.append(_from_components(ctx, [router.key], _ports(ctx, service, "http", "http-trusted")))
    if service.metrics_sink:
        # Every service with metrics pushes them to this listener (METRIC_REPORTER__ENDPOINT).
        reporters = [reporter.key for reporter in SERVICES if reporter.metrics]
        rules.append(_from_components(ctx, reporters, _ports(ctx, service, service.metrics_sink)))
    if not service.entry:
        rules += _callers(ctx, service)
        if service.app(ctx.spec).service.type != "ClusterIP":
            # The entry point's own exposure is what gatewayFrom says; another exposed Service is open to all.
            rules.append(_open_to(None, [p.number(ctx.spec) for p in service.ports if p.on_service(ctx.spec)]))
    if service.metrics and ctx.spec.metricReporter.podMonitor.enabled:
        rules.append(_open_to(settings.metricsFrom, _ports(ctx, service, service.metrics)))
    return [rule for rule in rules if rule is not None]


def _ports(ctx: Context, target: Component, *names: str) -> list[int]:
    """The numbers of a component's ports (those named, else all of them)."""
    return [port.number(ctx.spec) for port in target.ports if not names or port.name in names]


def _tcp(ports: list[int]) -> list[Obj]:
    return [{"protocol": "TCP", "port": port} for port in dict.fromkeys(ports)]


def _from_components(ctx: Context, peers: list[str], ports: list[int]) -> Obj | None:
    """From these components of this instance (same namespace, same name prefix)."""
    if not peers or not ports:
        return None
    return {"from": [{"podSelector": {"matchLabels": ctx.selector(peer)}} for peer in peers], "ports": _tcp(ports)}


def _open_to(peers: Sequence[NetworkPolicyPeer] | None, ports: list[int]) -> Obj | None:
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
