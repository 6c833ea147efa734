"""`graph`: the backend as a Mermaid flowchart, parsed back and checked against the rendered objects."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from configs import cloudsql, s3_with_iam
from helpers import ROOT, cli, config, render

from kustomize_zymtrace.components import COMPONENTS
from kustomize_zymtrace.loading import load
from kustomize_zymtrace.review.graph import mermaid

BASE_CONFIG = ROOT / "base" / "generator" / "zymtrace.yaml"
ID = r"[A-Za-z0-9_]+"
LABEL = r'"[^"]*"'
NODE = re.compile(rf"({ID})(\[{LABEL}\]|\[\({LABEL}\)\]|\[/{LABEL}/\]|\[\[{LABEL}\]\]|\(\[{LABEL}\]\))\Z")
EDGE = re.compile(rf"({ID}) (-->|==>|-\.->)\|({LABEL})\| ({ID})\Z")
ARROWS = {"-->": "talks", "==>": "exposes", "-.->": "policy"}


class Chart(NamedTuple):
    nodes: dict[str, str]  # id -> label
    edges: set[tuple[str, str, str, str]]  # (kind, source, target, label)
    subgraphs: list[str]


def parse(text: str) -> Chart:
    """A strict parse of the Mermaid subset the command writes: every line must be one of its forms,
    every edge must join declared nodes, and subgraphs must close."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR", lines[0]
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str, str, str]] = set()
    subgraphs, depth = [], 0
    for line in (raw.strip() for raw in lines[1:]):
        if node := NODE.match(line):
            assert node.group(1) not in nodes, f"node {node.group(1)} declared twice"
            nodes[node.group(1)] = re.search(LABEL, node.group(2)).group(0).strip('"')  # type: ignore[union-attr]
        elif edge := EDGE.match(line):
            edges.add((ARROWS[edge.group(2)], edge.group(1), edge.group(4), edge.group(3).strip('"')))
        elif subgraph := re.fullmatch(rf"subgraph ({ID})\[{LABEL}\]", line):
            subgraphs.append(subgraph.group(1))
            depth += 1
        elif line == "end":
            depth -= 1
            assert depth >= 0, "end without subgraph"
        elif not re.fullmatch(rf"classDef {ID} .+|class {ID}(,{ID})* {ID}", line):
            raise AssertionError(f"not a Mermaid line this command writes: {line!r}")
    assert depth == 0, "unclosed subgraph"
    for _, source, target, _ in edges:
        assert source in nodes and target in nodes, (source, target)
    return Chart(nodes, edges, subgraphs)


def chart(spec: dict[str, Any] | None = None) -> Chart:
    backend, _ = load(config(spec))
    return parse(mermaid(backend))


def pairs(found: Chart, kind: str) -> set[tuple[str, str]]:
    return {(source, target) for k, source, target, _ in found.edges if k == kind}


def app(obj: dict[str, Any], selector: dict[str, Any]) -> str:
    return str(selector["app"]).removeprefix("zymtrace-").replace("-", "_")


def test_default_config_has_every_component_store_edge_and_policy() -> None:
    result = cli("graph", str(BASE_CONFIG))
    assert result.returncode == 0, result.stderr
    assert result.stdout == cli("graph", str(BASE_CONFIG)).stdout  # deterministic
    found = parse(result.stdout)
    objects = render()
    workloads = {
        o["spec"]["template"]["metadata"]["labels"]["app"].removeprefix("zymtrace-").replace("-", "_")
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
    }
    assert len(workloads) == 11 and workloads <= found.nodes.keys()
    talks = pairs(found, "talks")
    for workload, stores in ((c.key, c.stores) for c in COMPONENTS):
        if workload.replace("-", "_") in workloads:
            for store in stores:
                assert (workload, {"storage": "minio"}.get(store, store)) in talks, (workload, store)
    assert {("gateway", target) for target in ("ui", "web", "ingest", "symdb")} <= talks
    expected_policy = {
        (app(o, peer["podSelector"]["matchLabels"]), app(o, o["spec"]["podSelector"]["matchLabels"]))
        for o in objects
        if o["kind"] == "NetworkPolicy"
        for rule in o["spec"]["ingress"]
        for peer in rule["from"]
    }
    assert len(expected_policy) == 8 and pairs(found, "policy") == expected_policy
    assert ("clients", "gateway", "Service zymtrace-gateway ClusterIP :80, in-cluster") in {
        (s, t, label) for k, s, t, label in found.edges if k == "exposes"
    }
    assert found.subgraphs == ["ns"]


def test_without_network_policies_there_are_no_policy_edges() -> None:
    with_policies, without = chart(), chart({"services": {"activateNetworkPolicies": False}})
    assert pairs(with_policies, "policy") and not pairs(without, "policy")
    assert pairs(without, "talks") == pairs(with_policies, "talks")


def test_external_databases_are_external_nodes_without_credentials() -> None:
    found = chart(
        {
            "clickhouse": {
                "mode": "use_existing",
                # (user:password@ in a host is rejected at load: see test_secret_paths.py)
                "use_existing": {"host": "https://ch.example.com:8443", "user": "zt", "password": "hunter2"},
            },
            "postgres": {
                "mode": "aws_aurora",
                "aws_aurora": {"host": "db.cluster.example.com:5432", "user": "zt", "region": "eu-west-1"},
            },
            "storage": s3_with_iam(),
        }
    )
    assert {"clickhouse", "postgres", "minio", "minio_init"}.isdisjoint(found.nodes)
    assert found.nodes["clickhouse_external"] == "ClickHouse (existing)<br/>https://ch.example.com:8443"
    assert found.nodes["postgres_external"].startswith("Aurora PostgreSQL<br/>db.cluster.example.com")
    assert found.nodes["storage_external"].startswith("Amazon S3 bucket zymtrace-symdb")
    assert all("hunter2" not in label for label in found.nodes.values())
    talks = pairs(found, "talks")
    assert {("web", "clickhouse_external"), ("web", "postgres_external"), ("symdb", "storage_external")} <= talks
    assert ("bucket_check", "storage_external") in talks
    assert not any(target.endswith("_external") for _, target in pairs(found, "policy"))


def test_cloud_sql_proxy_placements() -> None:
    shared = chart({"postgres": cloudsql()})
    assert {("web", "postgres_proxy"), ("postgres_proxy", "cloudsql")} <= pairs(shared, "talks")
    assert ("web", "postgres_proxy") in pairs(shared, "policy")
    sidecar = chart({"postgres": cloudsql(proxy={"placement": "sidecar"})})
    assert "postgres_proxy" not in sidecar.nodes
    assert ("web", "cloudsql", "talks") in {(s, t, k) for k, s, t, _ in sidecar.edges}


def test_exposure_by_ingress_and_node_port() -> None:
    found = chart(
        {
            "ingress": {"enabled": True, "hosts": {"gateway": {"host": "zymtrace.example.com"}}},
            "services": {"gateway": {"service": {"type": "NodePort", "nodePort": 30080}}},
        }
    )
    exposes = {(s, t, label) for k, s, t, label in found.edges if k == "exposes"}
    assert ("clients", "gateway", "NodePort 30080") in exposes
    assert ("ingress_zymtrace_gateway_ingress", "gateway", "/ :80") in exposes
    assert "zymtrace.example.com" in found.nodes["ingress_zymtrace_gateway_ingress"]


def test_readme_shows_the_default_topology(update_golden: bool) -> None:
    """The README's Mermaid block is the command's output (pytest --update-golden rewrites it)."""
    path = ROOT / "README.md"
    readme = path.read_text()
    blocks = re.findall(r"```mermaid\n(.*?)```", readme, re.S)
    assert len(blocks) == 1, "the README has one Mermaid block: the default topology"
    current = cli("graph", str(BASE_CONFIG)).stdout
    if update_golden and blocks[0] != current:
        path.write_text(readme.replace(f"```mermaid\n{blocks[0]}```", f"```mermaid\n{current}```"))
        blocks[0] = current
    assert blocks[0] == current, "README's topology is stale: review, then pytest --update-golden"


def _unescape(label: str) -> str:
    """What Mermaid shows for a label: its entity codes (#60;) as the characters they stand for."""
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)


HOSTILE_TEXT = [
    "/<img/src/onerror=alert(1)>",
    '/"><script>alert(1)</script>',
    "/a|b]c[d{e}f",
    "/x#60;y&amp;",
    "/`md` **b** <br/> line",
]


def test_every_label_is_text_whatever_the_config_holds() -> None:
    """A value from the config reaches a label as entity codes: Mermaid draws HTML labels, so a raw `<`
    would be markup (a script in some viewers), a `"` or `|` would end the label. Read back, the label
    shows the value exactly."""
    paths = [{"path": text, "pathType": "ImplementationSpecific"} for text in HOSTILE_TEXT]
    ingress = {"enabled": True, "hosts": {"gateway": {"host": "zymtrace.example.com", "paths": paths}}}
    backend, _ = load(config({"ingress": ingress}))
    text = mermaid(backend)
    found = parse(text)  # every line is still one of the forms the command writes
    labels = [label for *_, label in found.edges] + list(found.nodes.values())
    for label in labels:
        assert not re.search(r"[<>\"|`&]", label.replace("<br/>", "")), label
    shown = {_unescape(label) for *_, label in found.edges}
    for hostile in HOSTILE_TEXT:
        assert f"{hostile} :80" in shown, hostile
