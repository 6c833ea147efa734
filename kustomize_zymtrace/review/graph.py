"""The backend as a Mermaid flowchart: components, what each talks to, what is exposed, NetworkPolicy edges.

Components, exposure and policies are read from the rendered objects; who talks to what comes from one
function, `connections`, which reads the project's wiring table.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from .. import stores
from ..components import COMPONENTS, SERVICES, Store, callers_of
from ..render import Context, prepare, render_with_workloads
from ..render.context import Obj

if TYPE_CHECKING:
    from ..model import ZymtraceBackend
    from ..render.workloads import Workload

STORES: tuple[Store, ...] = ("clickhouse", "postgres", "storage")


class Node(NamedTuple):
    id: str
    label: str  # Mermaid text: see label()
    shape: str  # service | database | job | external | entry


class Edge(NamedTuple):
    source: str  # node ids
    target: str
    label: str  # Mermaid text: see label()
    style: str  # talks | exposes | policy


def node_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


# Characters shown as they are; every other one is written as Mermaid's entity code (#60; for <), which
# Mermaid turns into an HTML entity: a value from the config (an Ingress path, a host, a bucket) is text
# in the drawing, never markup, whatever it holds.
_PLAIN = re.compile(r"[A-Za-z0-9 .,:/_()*+=-]")


def label(*lines: str) -> str:
    """A label of one or more lines, each escaped, joined by Mermaid's line break."""
    return "<br/>".join("".join(c if _PLAIN.match(c) else f"#{ord(c)};" for c in line) for line in lines)


def _address(value: str) -> str:
    """An address as shown: never the user:password@ an URL may carry."""
    return re.sub(r"//[^/@\s]*@", "//", value)


def connections(ctx: Context) -> tuple[list[tuple[str, str, str]], dict[str, Node]]:
    """Who talks to what: (client, server, label) by component name, and the external services involved.

    The one place this module knows the backend's wiring, all of it from the declarations: the routes and
    callers from the component registry, the store clients from it too, who serves each store (and what
    lies outside the cluster) from the store's mode.
    """
    talks: list[tuple[str, str, str]] = [
        (router.key, target, "routes")
        for router in SERVICES
        for target in dict.fromkeys(route.target for route in router.routes)
    ]
    talks += [(client.key, "identity", "auth") for client in callers_of("identity")]
    served = {store: stores.of(ctx, store).served(ctx) for store in STORES}
    for component in COMPONENTS:
        talks += [(component.key, served[store].by, served[store].label) for store in component.stores]
    talks += stores.storage(ctx).talks(ctx) + stores.postgres(ctx).talks(ctx)
    external = {
        node.name: Node(node_id(node.name), label(node.title, _address(node.address)), "external")
        for node in (s.external for s in served.values())
        if node is not None
    }
    return talks, external


def _components(workloads: list[Workload]) -> dict[str, Node]:
    """A node per rendered workload, named by its declared component."""
    shapes = {"Deployment": "service", "StatefulSet": "database", "Job": "job"}
    found = {}
    for workload in workloads:
        name, kind = workload.component.key, workload.obj["kind"]
        found[name] = Node(node_id(name), label(name, kind), shapes[kind])
    return found


def _by_selector(ctx: Context, selector: dict[str, str] | None) -> str | None:
    app = (selector or {}).get("app")
    return str(app).removeprefix(f"{ctx.prefix}-") if app else None


def _exposure(ctx: Context, rendered: list[Obj], components: dict[str, Node]) -> tuple[list[Node], list[Edge]]:
    nodes, edges = [Node("clients", label("clients"), "entry")], []
    services = {o["metadata"]["name"]: o for o in rendered if o["kind"] == "Service"}
    for name, service in sorted(services.items()):
        target = _by_selector(ctx, service["spec"].get("selector"))
        kind = service["spec"].get("type", "ClusterIP")
        if target not in components or (kind == "ClusterIP" and target != "gateway"):
            continue
        ports = service["spec"]["ports"]
        if kind == "NodePort":
            how = "NodePort " + ", ".join(str(p.get("nodePort", "auto")) for p in ports[:1])
        elif kind == "LoadBalancer":
            how = "LoadBalancer :" + ", ".join(str(p["port"]) for p in ports[:1])
        else:
            how = f"Service {name} ClusterIP :{ports[0]['port']}, in-cluster"
        edges.append(Edge("clients", components[target].id, label(how), "exposes"))
    for ingress in (o for o in rendered if o["kind"] == "Ingress"):
        ingress_id = node_id("ingress-" + ingress["metadata"]["name"])
        hosts = [rule.get("host", "*") for rule in ingress["spec"]["rules"]]
        kind = ingress["spec"].get("ingressClassName", "Ingress")
        title = f"Ingress {ingress['metadata']['name']}"
        nodes.append(Node(ingress_id, label(title, f"{', '.join(hosts)} ({kind})"), "entry"))
        edges.append(Edge("clients", ingress_id, "HTTPS" if ingress["spec"].get("tls") else "HTTP", "exposes"))
        for rule in ingress["spec"]["rules"]:
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                target = _by_selector(ctx, services.get(backend["name"], {}).get("spec", {}).get("selector"))
                if target in components:
                    route = label(f"{path['path']} :{backend['port']['number']}")
                    edge = Edge(ingress_id, components[target].id, route, "exposes")
                    if edge not in edges:
                        edges.append(edge)
    return nodes, edges


def _policy_edges(ctx: Context, rendered: list[Obj], components: dict[str, Node]) -> list[Edge]:
    """The peers each NetworkPolicy admits: a component of this backend, or (from "clients") every source
    or the outside peers the config names. A policy without rules admits nothing and draws no edge."""
    edges = []
    for policy in (o for o in rendered if o["kind"] == "NetworkPolicy"):
        target = _by_selector(ctx, policy["spec"]["podSelector"].get("matchLabels"))
        if target not in components:
            continue
        for rule in policy["spec"].get("ingress", []):
            ports = ", ".join(str(p["port"]) for p in rule.get("ports", [])) or "any port"
            if "from" not in rule:
                edges.append(Edge("clients", components[target].id, label(f"allowed {ports} from anywhere"), "policy"))
            for peer in rule.get("from", []):
                own = _own_workload(ctx, peer)
                if own is None:
                    allowed = label(f"allowed {ports} from {_peer_text(peer)}")
                    edges.append(Edge("clients", components[target].id, allowed, "policy"))
                elif own in components:  # a workload this config does not render admits nothing
                    edges.append(Edge(components[own].id, components[target].id, label(f"allowed {ports}"), "policy"))
    return edges


def _own_workload(ctx: Context, peer: Obj) -> str | None:
    """The component a peer selects when it is a workload of this backend (`app: <prefix>-<name>` in its
    own namespace), else None: a peer outside the backend."""
    selector = peer.get("podSelector") or {}
    labels = selector.get("matchLabels") or {}
    app = str(labels.get("app", ""))
    if set(peer) != {"podSelector"} or set(selector) != {"matchLabels"} or set(labels) != {"app"}:
        return None
    return app.removeprefix(f"{ctx.prefix}-") if app.startswith(f"{ctx.prefix}-") else None


def _peer_text(peer: Obj) -> str:
    """An outside peer in words: its address block, or its namespace and pod selectors."""
    if "ipBlock" in peer:
        return str(peer["ipBlock"]["cidr"])
    parts = []
    for key, what in (("namespaceSelector", "namespaces"), ("podSelector", "pods")):
        if key in peer:
            parts.append(f"{what} {_selector_text(peer[key])}")
    return " ".join(parts)


def _selector_text(selector: Obj) -> str:
    terms = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for term in selector.get("matchExpressions") or []:
        terms.append(f"{term['key']} {term['operator']} {','.join(term.get('values', []))}".strip())
    return ", ".join(terms) or "(all)"


SHAPES = {
    "service": '["{}"]',
    "database": '[("{}")]',
    "job": '[/"{}"/]',
    "external": '[["{}"]]',
    "entry": '(["{}"])',
}
ARROWS = {"talks": "-->", "exposes": "==>", "policy": "-.->"}


def mermaid(backend: ZymtraceBackend) -> str:
    ctx, _ = prepare(backend)
    rendered, workloads = render_with_workloads(ctx)
    components = _components(workloads)
    talks, external = connections(ctx)
    nodes = {**components, **external}
    entry, exposure = _exposure(ctx, rendered, components)
    edges = [
        Edge(nodes[client].id, nodes[server].id, label(what), "talks")
        for client, server, what in talks
        if client in nodes and server in nodes
    ]
    edges += exposure + _policy_edges(ctx, rendered, components)
    lines = ["flowchart LR"]
    lines += [f"  {n.id}{SHAPES[n.shape].format(n.label)}" for n in entry]
    lines.append(f'  subgraph ns["{label(f"namespace {ctx.namespace}")}"]')
    lines += [f"    {n.id}{SHAPES[n.shape].format(n.label)}" for _, n in sorted(components.items())]
    lines.append("  end")
    lines += [f"  {n.id}{SHAPES[n.shape].format(n.label)}" for n in external.values()]
    lines += [f'  {e.source} {ARROWS[e.style]}|"{e.label}"| {e.target}' for e in edges]
    lines += [
        "  classDef external stroke-dasharray: 4 2",
        "  classDef job fill:#f5f5f5",
    ]
    for shape in ("external", "job"):
        ids = sorted(n.id for n in [*components.values(), *external.values()] if n.shape == shape)
        if ids:
            lines.append(f"  class {','.join(ids)} {shape}")
    return "\n".join(lines) + "\n"
