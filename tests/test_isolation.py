"""Tenant isolation, judged by an independent NetworkPolicy analyzer: cyclonus (pinned, hack/install-tools)
simulates every connection between the pods of two tenants and two outside namespaces, on every port the
backend uses, under the NetworkPolicies we render. Its truth table is parsed from its output and compared
with the edges `kustomize-zymtrace graph` draws as allowed.

Two tenants share a cluster either in one namespace (different `global.namePrefix`) or in two namespaces
(the same prefix). With the chart's three policies, every pod no policy selects is open to the whole
cluster, the other tenant included: the table shows exactly those paths beyond the graph's. With
`security.networkPolicies.isolate` the table is the graph's edges and nothing else; the only paths between
tenants lead to the gateway's listeners (the backend's entry point), and with `gatewayFrom` none at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from helpers import ROOT, cli, config, first_in_short_run, record, render, render_errors, run, tool

from kustomize_zymtrace import emitter

OUTSIDERS = {"ingress-nginx": "controller", "elsewhere": "client"}  # namespace -> a pod that is no tenant's
INGRESS_ONLY = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]
LAYOUTS = {
    "same-namespace": [("shared", "acme"), ("shared", "globex")],
    "two-namespaces": [("tenant-a", "zymtrace"), ("tenant-b", "zymtrace")],
}
# The pods no chart policy selects (the chart's README: no policy for MinIO, the gateway or the services).
CHART_OPEN = {"gateway", "identity", "ingest", "symdb", "web", "minio", "migrate", "minio-init"}
EDGE = re.compile(r'^\s+(\S+) -\.->\|"allowed ([^"]+)"\| (\S+)$')


class Pod(NamedTuple):
    namespace: str
    name: str  # the workload's app label: <prefix>-<component>

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


class Tenant(NamedTuple):
    namespace: str
    prefix: str
    pods: dict[str, Pod]  # component -> its pod
    ports: set[int]  # every container port its workloads declare
    policies: list[dict[str, Any]]
    graph: str


Path_ = tuple[str, str, int]  # (from pod key, to pod key, port)


def tenant(tmp_path: Path, namespace: str, prefix: str, security: dict[str, Any]) -> Tenant:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render as render_objects

    spec = {"global": {"namePrefix": prefix}, "security": security}
    # Not recorded for the schema check: the last test has the API server judge these policies.
    objects = render_objects(load(config(spec, namespace=namespace))[0])
    pods, ports = {}, set()
    for workload in (o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "Job")):
        app = workload["spec"]["template"]["metadata"]["labels"]["app"]
        pods[app.removeprefix(f"{prefix}-")] = Pod(namespace, app)
        ports |= {
            p["containerPort"] for c in workload["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])
        }
    path = tmp_path / f"{namespace}-{prefix}.yaml"
    path.write_text(yaml.safe_dump(config(spec, namespace=namespace)))
    drawn = cli("graph", str(path))
    assert drawn.returncode == 0, drawn.stderr
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    return Tenant(namespace, prefix, pods, ports, policies, drawn.stdout)


def every_pod(tenants: list[Tenant]) -> list[Pod]:
    return [pod for t in tenants for pod in t.pods.values()] + [Pod(ns, name) for ns, name in OUTSIDERS.items()]


def namespace_labels(pods: Iterable[Pod]) -> dict[str, dict[str, str]]:
    return {pod.namespace: {"kubernetes.io/metadata.name": pod.namespace} for pod in pods}


def ports_of(tenants: list[Tenant]) -> list[int]:
    """Every port the backend's containers declare or a policy names."""
    named = {p["port"] for t in tenants for pol in t.policies for r in pol["spec"]["ingress"] for p in r["ports"]}
    return sorted(named.union(*(t.ports for t in tenants)))


# ---------------------------------------------------------------------------------------- the analyzer


def analyze(tenants: list[Tenant], tmp_path: Path) -> set[Path_]:
    """cyclonus's simulated probe: the (from, to, port) connections its combined truth tables allow."""
    policies = tmp_path / "policies"
    policies.mkdir()
    for n, policy in enumerate(p for t in tenants for p in t.policies):
        (policies / f"{n:03d}.yaml").write_text(emitter.dump(policy))
    pods, ports = every_pod(tenants), ports_of(tenants)
    # Every pod listens on every port: the table judges the policies alone, not which process listens.
    # A workload's pod template carries exactly its app label; the outsiders get one of their own.
    containers = [{"Name": f"c{p}", "Port": p, "Protocol": "TCP", "PortName": f"p{p}"} for p in ports]
    model = {
        "Resources": {
            "Namespaces": namespace_labels(pods),
            "Pods": [
                {"Namespace": p.namespace, "Name": p.name, "Labels": {"app": p.name}, "Containers": containers}
                for p in pods
            ],
        },
        "Probes": [{"Port": port, "Protocol": "TCP"} for port in ports],
    }
    probe = tmp_path / "probe.json"
    probe.write_text(json.dumps(model))
    result = run(
        [tool("cyclonus"), "analyze", "--mode", "probe", "--policy-path", str(policies), "--probe-path", str(probe)]
    )
    assert result.returncode == 0, result.stderr
    tables = combined_tables(result.stdout)
    # One table per probe (the model's), then one for the live cluster, which this run does not read.
    assert len(tables) >= len(ports), result.stdout[-2000:]
    allowed = set()
    for port, table in zip(ports, tables[: len(ports)], strict=True):
        assert {row for row, _ in table} == {p.key for p in pods}, f"port {port}: rows {sorted(table)}"
        allowed |= {(source, target, port) for source, target in table if table[(source, target)]}
    return allowed


def combined_tables(output: str) -> list[dict[tuple[str, str], bool]]:
    """Each "Combined:" truth table: rows are sources, columns targets ('.' allowed, 'X' blocked).

    tablewriter upper-cases the header, so the columns are named by the rows, in the same order (the
    table is square: every pod is a source and a target), and checked against the header."""
    tables = []
    for block in output.split("Combined:\n")[1:]:
        # The table ends at the first blank line (the next probe's Ingress and Egress tables follow).
        lines = [line for line in block.split("\n\n", 1)[0].splitlines() if line.startswith("|")]
        if len(lines) < 2:
            tables.append({})
            continue
        header = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
        rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]
        sources = [row[0] for row in rows]
        assert header == [s.upper() for s in sources], (header, sources)
        table = {}
        for row in rows:
            assert len(row) == len(sources) + 1 and set(row[1:]) <= {".", "X"}, row
            for target, cell in zip(sources, row[1:], strict=True):
                table[(row[0], target)] = cell == "."
        tables.append(table)
    return tables


# ---------------------------------------------------------------------------------------- the graph


def node_components(t: Tenant) -> dict[str, str]:
    return {re.sub(r"[^A-Za-z0-9_]", "_", component): component for component in t.pods}


def drawn(tenants: list[Tenant]) -> set[Path_]:
    """The connections the graph's policy edges allow, pod by pod and port by port."""
    pods = every_pod(tenants)
    allowed = set()
    for t in tenants:
        nodes = node_components(t)
        edges = [EDGE.match(line) for line in t.graph.splitlines() if " -.->|" in line]
        assert edges and all(edges), t.graph
        for edge in edges:
            assert edge is not None
            source, label, target = edge.groups()
            numbers, _, whom = label.partition(" from ")
            ports = [int(p) for p in numbers.split(", ")]
            sources = sources_of(t, nodes.get(source), whom, pods)
            allowed |= {(s, t.pods[nodes[target]].key, port) for s in sources for port in ports}
    return allowed


def sources_of(t: Tenant, component: str | None, whom: str, pods: list[Pod]) -> list[str]:
    """An edge's source: a component of the same tenant, or (from "clients") every pod the words cover."""
    if component is not None:
        return [t.pods[component].key]
    return [pod.key for pod in pods if admits(whom, pod)]


def admits(whom: str, pod: Pod) -> bool:
    """Whether the graph's words for an outside peer ("anywhere", "namespaces k=v") cover a pod."""
    if whom == "anywhere":
        return True
    match = re.fullmatch(r"namespaces kubernetes\.io/metadata\.name=(\S+)", whom)
    assert match, f"a peer this test cannot read: {whom}"
    return pod.namespace == match.group(1)


def open_to_all(tenants: list[Tenant]) -> set[Path_]:
    """Every connection into a pod that no policy selects (the chart's gaps, and the outside pods), from
    every pod, on every port."""
    pods, ports = every_pod(tenants), ports_of(tenants)
    unselected = [pod for t in tenants for c, pod in t.pods.items() if not selected(t, c)]
    unselected += [Pod(ns, name) for ns, name in OUTSIDERS.items()]  # no tenant's policy selects them
    return {(s.key, pod.key, port) for s in pods for pod in unselected for port in ports}


def selected(t: Tenant, component: str) -> bool:
    app = f"{t.prefix}-{component}"
    for policy in t.policies:
        chosen = policy["spec"]["podSelector"]
        if chosen.get("matchLabels", {}).get("app") == app:
            return True
        if any(app in term.get("values", []) for term in chosen.get("matchExpressions", [])):
            return True
    return False


def into_tenants(paths: set[Path_], tenants: list[Tenant]) -> set[Path_]:
    """The connections into the tenants' pods (the outside pods are no policy's business here)."""
    ours = {pod.key for t in tenants for pod in t.pods.values()}
    return {p for p in paths if p[1] in ours}


def cross_tenant(paths: set[Path_], tenants: list[Tenant]) -> set[Path_]:
    owner = {pod.key: n for n, t in enumerate(tenants) for pod in t.pods.values()}
    return {p for p in paths if p[0] in owner and p[1] in owner and owner[p[0]] != owner[p[1]]}


def targets(paths: set[Path_], tenants: list[Tenant]) -> set[str]:
    components = {pod.key: c for t in tenants for c, pod in t.pods.items()}
    return {components[target] for _, target, _ in paths}


def documented(policies: str) -> tuple[int, int, int]:
    """docs/security.md's truth-table summary for these policies: (allowed into the tenants' pods, drawn
    by graph, between the tenants)."""
    section = (ROOT / "docs" / "security.md").read_text().split("### Two tenants", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines() if line[:2] == "| "]
    (row,) = [row for row in rows if row[0].split(" (")[0] == policies]

    def number(cell: str) -> int:
        found = re.search(r"[0-9][0-9,]*", cell)
        return int(found.group().replace(",", "")) if found else 0

    return number(row[1]), number(row[2]), number(row[3])


def summary(tenants: list[Tenant], allowed: set[Path_], graph: set[Path_]) -> tuple[int, int, int]:
    assert len(every_pod(tenants)) == 24 and len(ports_of(tenants)) == 17  # as docs/security.md says
    return len(into_tenants(allowed, tenants)), len(graph), len(cross_tenant(allowed, tenants))


# ---------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_chart_policies_leave_the_services_minio_and_the_jobs_open_to_the_other_tenant(
    layout: str, tmp_path: Path
) -> None:
    tenants = [tenant(tmp_path, ns, prefix, {}) for ns, prefix in LAYOUTS[layout]]
    allowed, graph = analyze(tenants, tmp_path), drawn(tenants)
    assert graph and graph <= allowed  # everything the graph draws is allowed
    beyond = allowed - graph
    assert beyond == open_to_all(tenants) - graph
    assert {c for t in tenants for c in t.pods if not selected(t, c)} == CHART_OPEN
    leaks = cross_tenant(allowed, tenants)
    assert targets(leaks, tenants) == CHART_OPEN  # each reaches the other's MinIO, services and Jobs
    assert not {"clickhouse", "postgres", "ui"} & targets(leaks, tenants)  # the chart's three hold
    assert summary(tenants, allowed, graph) == documented("the chart's")


@pytest.mark.parametrize("layout", first_in_short_run(sorted(LAYOUTS)))
def test_isolated_tenants_reach_each_other_only_at_the_gateway(layout: str, tmp_path: Path) -> None:
    tenants = [tenant(tmp_path, ns, prefix, {"networkPolicies": {"isolate": True}}) for ns, prefix in LAYOUTS[layout]]
    allowed, graph = into_tenants(analyze(tenants, tmp_path), tenants), drawn(tenants)
    assert allowed == graph  # the analyzer allows exactly what the graph draws
    leaks = cross_tenant(allowed, tenants)
    assert targets(leaks, tenants) == {"gateway"}
    assert {port for _, _, port in leaks} == {80, 9900}  # the listeners, never the admin port
    for t in tenants:  # a tenant's own pods: the databases admit only their clients
        assert (t.pods["web"].key, t.pods["clickhouse"].key, 8123) in allowed
        assert (t.pods["ui"].key, t.pods["clickhouse"].key, 8123) not in allowed
        assert not {p for p in allowed if p[1] == t.pods["migrate"].key}  # the Jobs admit nothing
    assert summary(tenants, allowed, graph) == documented("`isolate`")


@pytest.mark.parametrize("layout", first_in_short_run(sorted(LAYOUTS), keep=0))
def test_isolated_tenants_with_gateway_clients_named_share_no_path(layout: str, tmp_path: Path) -> None:
    security = {"networkPolicies": {"isolate": True, "gatewayFrom": INGRESS_ONLY}}
    tenants = [tenant(tmp_path, ns, prefix, security) for ns, prefix in LAYOUTS[layout]]
    allowed, graph = into_tenants(analyze(tenants, tmp_path), tenants), drawn(tenants)
    assert allowed == graph
    assert not cross_tenant(allowed, tenants)
    controller = Pod("ingress-nginx", OUTSIDERS["ingress-nginx"]).key
    elsewhere = Pod("elsewhere", OUTSIDERS["elsewhere"]).key
    for t in tenants:
        gateway = t.pods["gateway"].key
        assert {(controller, gateway, 80), (t.pods["ingest"].key, gateway, 80)} <= allowed
        assert (elsewhere, gateway, 80) not in allowed
        assert {p[0] for p in allowed if p[1] == gateway} == {controller, t.pods["ingest"].key, t.pods["web"].key}
    assert summary(tenants, allowed, graph) == documented("`isolate` with `gatewayFrom`")


def test_isolated_policies_are_accepted_by_the_api_server(apiserver: Any) -> None:
    security = {
        "networkPolicies": {"isolate": True, "gatewayFrom": [*INGRESS_ONLY, {"ipBlock": {"cidr": "10.0.0.0/8"}}]}
    }
    apiserver.namespace("isolated")
    policies = [o for o in record(render({"security": security}, namespace="isolated")) if o["kind"] == "NetworkPolicy"]
    assert len(policies) == 10
    for result in apiserver.apply_all(policies):
        assert result.ok, f"{result.ref}: {result.message}"


def test_peers_are_checked_as_the_api_server_would() -> None:
    peers = [{"ipBlock": {"cidr": "10.0.0.1/8"}}, {}, {"ipBlock": {"cidr": "10.0.0.0/8"}, "namespaceSelector": {}}]
    found = {r.path: r.message for r in render_errors({"security": {"networkPolicies": {"gatewayFrom": peers}}})}
    where = "spec.security.networkPolicies.gatewayFrom"
    assert found[f"{where}[0].ipBlock.cidr"].startswith("must be a CIDR network address")
    assert found[f"{where}[1]"] == "give podSelector, namespaceSelector or ipBlock"
    assert found[f"{where}[2]"] == "ipBlock cannot be combined with podSelector or namespaceSelector"


@pytest.mark.parametrize(
    ("spec", "path", "message"),
    [
        (
            {"security": {"networkPolicies": {"gatewayFrom": INGRESS_ONLY}}},
            "gatewayFrom",
            "no effect without isolate: true",
        ),
        (
            {"security": {"networkPolicies": {"isolate": True, "metricsFrom": INGRESS_ONLY}}},
            "metricsFrom",
            "no effect without metricReporter.podMonitor.enabled",
        ),
        (
            {"services": {"activateNetworkPolicies": False}, "security": {"networkPolicies": {"isolate": True}}},
            "isolate",
            "no effect while services.activateNetworkPolicies is false",
        ),
    ],
)
def test_isolation_settings_without_effect_are_warned(spec: dict[str, Any], path: str, message: str) -> None:
    from kustomize_zymtrace.loading import load

    _, findings = load(config(spec))
    assert [f.message for f in findings if f.path == f"spec.security.networkPolicies.{path}"] == [message]


def test_exposed_services_and_scraped_metrics_stay_reachable_under_isolation() -> None:
    """What the config itself opens to outside clients: a NodePort service on its ports, the metrics
    ports for Prometheus (from anywhere, or from metricsFrom)."""
    spec = {
        "security": {"networkPolicies": {"isolate": True}},
        "services": {
            "ui": {"service": {"type": "NodePort"}},
            "gateway": {"mtls": {"enabled": True, "existingSecret": "zymtrace-mtls"}},
        },
        "metricReporter": {"podMonitor": {"enabled": True}},
    }
    policies = {o["metadata"]["name"]: o["spec"] for o in render(spec) if o["kind"] == "NetworkPolicy"}
    open_ports = {
        name.removeprefix("zymtrace-").removesuffix("-network-policy"): sorted(
            p["port"] for rule in policy["ingress"] if "from" not in rule for p in rule["ports"]
        )
        for name, policy in policies.items()
    }
    assert open_ports == {
        "clickhouse": [],
        "postgres": [],
        "minio": [],
        "jobs": [],
        "gateway": [80, 9090, 9900],  # the listeners, mTLS included; never the admin port
        "ui": [80],  # the NodePort
        "identity": [7831],
        "ingest": [8377],
        "symdb": [6109],
        "web": [9933],  # the metrics ports
    }
    spec["security"]["networkPolicies"]["metricsFrom"] = INGRESS_ONLY
    web = next(o for o in render(spec) if o["metadata"]["name"] == "zymtrace-web-network-policy")
    assert {"from": INGRESS_ONLY, "ports": [{"protocol": "TCP", "port": 9933}]} in web["spec"]["ingress"]
    assert all("from" in rule for rule in web["spec"]["ingress"])


def test_the_documented_isolation_snippet_renders() -> None:
    section = (ROOT / "docs" / "security.md").read_text().split("## Network isolation", 1)[1].split("\n## ", 1)[0]
    (snippet,) = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    policies = {o["metadata"]["name"]: o for o in render(yaml.safe_load(snippet)) if o["kind"] == "NetworkPolicy"}
    assert len(policies) == 10
    peers = [p for rule in policies["zymtrace-gateway-network-policy"]["spec"]["ingress"] for p in rule["from"]]
    assert {"ipBlock": {"cidr": "10.0.0.0/8"}} in peers and INGRESS_ONLY[0] in peers


def test_graph_draws_own_workloads_as_themselves_and_nothing_for_workloads_not_rendered(tmp_path: Path) -> None:
    """A peer selecting `app: <prefix>-<name>` alone is a workload of this backend: drawn from it, or not at
    all when the config renders no such workload (the chart's policies still admit the migrate Job when
    migrations are skipped). Any other peer is drawn from the clients, in words."""
    spec = {
        "global": {"skipDBMigrations": True},
        "security": {
            "networkPolicies": {"isolate": True, "gatewayFrom": [{"podSelector": {"matchLabels": {"app": "x"}}}]}
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config(spec)))
    drawn_graph = cli("graph", str(path))
    assert drawn_graph.returncode == 0, drawn_graph.stderr
    edges = [line.strip() for line in drawn_graph.stdout.splitlines() if " -.->|" in line]
    assert not [edge for edge in edges if "migrate" in edge]
    assert 'clients -.->|"allowed 80, 9900 from pods app=x"| gateway' in edges
    assert 'web -.->|"allowed 80, 9900"| gateway' in edges
