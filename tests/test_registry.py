"""The component registry: one declaration per workload, read by the renderers and the checks; mode
dispatch is exhaustive; the port declarations drive the unique-port check."""

from __future__ import annotations

import ast
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from configs import cloudsql
from helpers import config, containers, render, render_errors

from kustomize_zymtrace.components import BY_KEY, COMPONENTS, IMAGES, SERVICE_BY_KEY, SERVICES, container_images

PACKAGE = Path(__file__).resolve().parent.parent / "kustomize_zymtrace"
CLOUDSQL = cloudsql()

# Object storage outside the cluster, so that its type is read.
EXISTING_GCS = {
    "mode": "use_existing",
    "use_existing": {
        "type": "gcs",
        "gcs": {"endpoint": "https://g.example", "accessKey": "id", "secretKeySecretName": "gcs"},
    },
}
DISPATCHED = {"postgres": CLOUDSQL, "storage": EXISTING_GCS}


# ------------------------------------------------------------------ the table itself


def test_every_rendered_workload_and_container_is_declared() -> None:
    """Every workload the renderers produce, in every mode, is a registry component, and every container
    in it has a declared image family (hardening would fail otherwise)."""
    families = container_images()
    specs: list[dict[str, Any]] = [
        {},
        {"postgres": {**CLOUDSQL}},
        {"postgres": {**CLOUDSQL, "gcp_cloudsql": {**CLOUDSQL["gcp_cloudsql"], "proxy": {"placement": "sidecar"}}}},
        {"storage": EXISTING_GCS},
    ]
    seen: set[str] = set()
    for spec in specs:
        for obj in render(spec):
            if obj["kind"] not in ("Deployment", "StatefulSet", "Job"):
                continue
            app = obj["spec"]["template"]["metadata"]["labels"]["app"].removeprefix("zymtrace-")
            assert app in BY_KEY, app
            seen.add(app)
            for container in containers(obj) + containers(obj, init=True):
                assert container["name"].removeprefix("zymtrace-") in families, container["name"]
    assert seen == set(BY_KEY), set(BY_KEY) - seen


def test_registry_declarations_are_consistent() -> None:
    """Every name a declaration uses is declared: ports by their component, components by the registry."""
    assert len(BY_KEY) == len(COMPONENTS)
    assert set(container_images().values()) == set(IMAGES)
    for component in COMPONENTS:
        names = [port.name for port in component.ports]
        assert len(names) == len(set(names)), component.key
    for service in SERVICES:
        declared = [port.name for port in service.ports]
        for name in (service.metrics, service.metrics_sink, *service.entry):
            assert not name or name in declared, (service.key, name)
        if service.probe is not None:
            assert service.probe.port in declared, service.key
        for endpoint in service.endpoints:
            assert endpoint.port in [p.name for p in SERVICE_BY_KEY[endpoint.target].ports], endpoint
        for route in service.routes:
            assert SERVICE_BY_KEY[route.target].has_port("http"), route
        for callee in service.calls:
            assert SERVICE_BY_KEY[callee].endpoints, (service.key, callee)


def _at(node: Any, path: str) -> Any:
    for part in path.split("."):
        node = getattr(node, part)
    return node


def test_declared_paths_name_the_fields_the_accessors_read() -> None:
    """Messages name fields by path; each path reads the value its typed accessor returns (distinct
    values in the config, so a path pointing at another field fails)."""
    from kustomize_zymtrace.loading import load

    numbers = iter(range(20001, 20100))
    spec: dict[str, Any] = {}
    for component in COMPONENTS:
        for port in component.ports:
            node = spec
            *parents, leaf = port.path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = next(numbers)
    spec["postgres"] = {**spec["postgres"], **CLOUDSQL, "gcp_cloudsql": {**CLOUDSQL["gcp_cloudsql"]}}
    spec["postgres"]["gcp_cloudsql"]["proxy"] = {
        "port": spec["postgres"]["gcp_cloudsql"].get("proxy", {}).get("port", 20100)
    }
    spec["services"]["gateway"]["service"] = {"portName": "grpc"}
    backend, _ = load(config(spec))
    checked = 0
    for component in COMPONENTS:
        assert _at(backend.spec, component.path) is component.section(backend.spec), component.key
        for port in component.ports:
            assert _at(backend.spec, port.path) == port.number(backend.spec), port.path
            if port.service_name is not None:
                assert _at(backend.spec, port.name_path) == port.service_name(backend.spec) == "grpc"
            checked += 1
    assert checked == sum(len(c.ports) for c in COMPONENTS) > 10


def test_checks_never_import_the_renderers() -> None:
    for source in (PACKAGE / "checks").glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert "render" not in (node.module or ""), f"{source.name} imports {node.module}"
    # And at run time: loading (which runs every check) leaves the renderers unimported.
    code = (
        "import sys; from kustomize_zymtrace.loading import load; "
        "load({'apiVersion': 'zymtrace.io/v1alpha1', 'kind': 'ZymtraceBackend', "
        "'metadata': {'name': 'z', 'namespace': 'z'}, 'spec': {}}); "
        "print(sorted(m for m in sys.modules if m.startswith('kustomize_zymtrace.render')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------ exhaustive mode dispatch

# (path below spec, the Settings property that dispatches on it)
MODES = (
    ("postgres.gcp_cloudsql.proxy.placement", "cloudsql_sidecar"),
    ("clickhouse.mode", "clickhouse_store"),
    ("postgres.mode", "postgres_store"),
    ("storage.mode", "storage_store"),
    ("storage.use_existing.type", "storage_store"),
    ("auth.type", "auth_type"),
    ("security.profile", "restricted"),
)


class _Dispatch:
    """The Settings properties and the store strategy lookups, side by side: each dispatches on a mode."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.spec = settings.spec

    def __getattr__(self, name: str) -> Any:
        from kustomize_zymtrace import stores
        from kustomize_zymtrace.stores.postgres import gcp_cloudsql

        lookups = {
            "clickhouse_store": stores.clickhouse,
            "postgres_store": stores.postgres,
            "storage_store": stores.storage,
            "cloudsql_sidecar": gcp_cloudsql.sidecar,
        }
        if name in lookups:
            return lookups[name](self.settings)
        return getattr(self.settings, name)


def _settings(spec: dict[str, Any] | None = None) -> Any:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.settings import Settings

    backend, _ = load(config(spec))
    return _Dispatch(Settings(backend))


def _literal_values(path: str) -> tuple[str, ...]:
    from kustomize_zymtrace.model.backend import Spec
    from kustomize_zymtrace.model.defaults import field_model, model_fields

    model: Any = Spec
    *parents, leaf = path.split(".")
    for part in parents:
        model = field_model(model_fields(model)[part].annotation)
    return typing.get_args(model_fields(model)[leaf].annotation)


def _set(settings: Any, path: str, value: str) -> None:
    *parents, leaf = path.split(".")
    node = settings.spec
    for part in parents:
        node = getattr(node, part)
    object.__setattr__(node, leaf, value)  # past validation: what a missed case in the code would see


@pytest.mark.parametrize(("path", "prop"), MODES)
def test_every_mode_value_is_handled(path: str, prop: str) -> None:
    """Table completeness: each value the model allows passes through its dispatch."""
    values = _literal_values(path)
    assert len(values) >= 2, path
    for value in values:
        settings = _settings({"postgres": CLOUDSQL})
        _set(settings, path, value)
        getattr(settings, prop)  # no AssertionError


@pytest.mark.parametrize(("path", "prop"), MODES)
def test_an_unknown_mode_fails_loudly(path: str, prop: str) -> None:
    settings = _settings(DISPATCHED)
    _set(settings, path, "no_such_mode")
    with pytest.raises(AssertionError, match="no_such_mode"):
        getattr(settings, prop)


def test_an_unknown_mode_stops_the_render() -> None:
    """The renderers read modes through the dispatching properties: an unhandled mode is never rendered
    as another one (the old code fell through to use_existing)."""
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render as render_objects

    backend, _ = load(config({}))
    object.__setattr__(backend.spec.postgres, "mode", "no_such_mode")
    with pytest.raises(AssertionError, match="no_such_mode"):
        render_objects(backend)


# ------------------------------------------------------------------ unique ports per pod and Service

# Configs the old code accepted, whose objects the API server rejects (duplicate Service or container
# ports) or whose pods cannot start (two processes on one port): (spec, field path named, the other field).
PORT_CLASHES = {
    "ingest trusted = main": (
        {"services": {"ingest": {"portTrusted": 8375}}},
        "spec.services.ingest.portTrusted",
        "spec.services.ingest.port",
    ),
    "clickhouse http = native": (
        {"clickhouse": {"create": {"service": {"native": {"port": 8123}}}}},
        "spec.clickhouse.create.service.native.port",
        "spec.clickhouse.create.service.http.port",
    ),
    "gateway admin = 80": (
        {"services": {"gateway": {"adminPort": 80}}},
        "spec.services.gateway.adminPort",
        "spec.services.gateway.port",
    ),
    "gateway mtls = 80": (
        {"services": {"gateway": {"mtls": {"port": 80}}}},
        "spec.services.gateway.mtls.port",
        "spec.services.gateway.port",
    ),
    "minio console = api": (
        {"storage": {"create": {"service": {"console": {"port": 9000}}}}},
        "spec.storage.create.service.console.port",
        "spec.storage.create.service.api.port",
    ),
    "sidecar proxy = identity port": (
        {
            "postgres": {
                **CLOUDSQL,
                "gcp_cloudsql": {**CLOUDSQL["gcp_cloudsql"], "proxy": {"placement": "sidecar", "port": 7829}},
            }
        },
        "spec.postgres.gcp_cloudsql.proxy.port",
        "spec.services.identity.port",
    ),
    "gateway port name = admin": (
        {"services": {"gateway": {"service": {"portName": "admin"}}}},
        "spec.services.gateway.service.portName",
        "spec.services.gateway.adminPort",
    ),
}


@pytest.mark.parametrize("case", PORT_CLASHES)
def test_port_clashes_are_rejected_naming_both_fields(case: str) -> None:
    spec, path, other = PORT_CLASHES[case]
    errors = [r for r in render_errors(spec) if r.severity == "error"]
    assert [r.path for r in errors] == [path], errors
    assert other in errors[0].message


def test_port_clash_on_the_command_line_is_exit_1_and_writes_nothing(tmp_path: Path) -> None:
    import yaml
    from helpers import cli

    source = tmp_path / "zymtrace.yaml"
    source.write_text(yaml.safe_dump(config({"services": {"gateway": {"adminPort": 80}}})))
    out = tmp_path / "out"
    result = cli("render", str(source), "-o", str(out))
    assert result.returncode == 1, result.stderr
    assert "spec.services.gateway.adminPort" in result.stderr and "spec.services.gateway.port" in result.stderr
    assert not out.exists()


def test_distinct_ports_pass() -> None:
    """The check is not a blanket refusal: moved ports render, with the numbers the fields give."""
    objects = render(
        {
            "services": {"ingest": {"portTrusted": 18376}},
            "clickhouse": {"create": {"service": {"native": {"port": 19000}}}},
        }
    )
    ingest = next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "zymtrace-ingest")
    assert [p["port"] for p in ingest["spec"]["ports"]] == [8375, 18376, 8377]


@pytest.mark.parametrize("case", PORT_CLASHES)
def test_port_clashes_the_old_code_passed_on_are_what_the_api_server_rejects(case: str, apiserver: Any) -> None:
    """The judge: the same config rendered without the cross-field checks (what the old code emitted)
    is refused by a real API server, or, where the server cannot see it (two processes of one pod on one
    port), would crash-loop; the render now stops it first, naming the field."""
    from kustomize_zymtrace.loading import validate_document
    from kustomize_zymtrace.render import render as render_objects

    spec, path, _ = PORT_CLASHES[case]
    assert path in {r.path for r in render_errors(spec)}  # stopped before anything reaches the server
    namespace = "ports-" + "".join(ch if ch.isalnum() else "-" for ch in case.lower())[:50].strip("-")
    apiserver.namespace(namespace)
    unchecked = render_objects(validate_document(config(spec, namespace=namespace)))
    results = apiserver.apply_all(unchecked, dry_run=True)
    verdict = [f"{r.ref}: {r.message}" for r in results if not r.ok]
    verdict += [f"{r.ref}: warning: {w}" for r in results for w in r.warnings]
    if case == "sidecar proxy = identity port":
        # Valid objects to the server; at run time the proxy and the app both bind 7829 in one pod.
        proxy = next(o for o in unchecked if o["kind"] == "Deployment" and o["metadata"]["name"] == "zymtrace-identity")
        sidecar = proxy["spec"]["template"]["spec"]["initContainers"][0]
        assert "--port=7829" in sidecar["command"]
    else:
        assert any("Duplicate value" in line or "duplicate" in line.lower() for line in verdict), verdict
