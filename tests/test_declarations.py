"""The declarations are what the output follows: each store mode's strategy and each component's declared
properties agree with the rendered objects in every mode, so a mode or a component is changed in one place."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import config, containers, find, find_prefix, render, secret_data

from kustomize_zymtrace import stores
from kustomize_zymtrace.components import POSTGRES_TIMINGS, SERVICE_BY_KEY, SERVICES, callers_of, routers_of
from kustomize_zymtrace.loading import load
from kustomize_zymtrace.settings import Settings
from kustomize_zymtrace.stores.clickhouse.base import PASSWORDS as CH_PASSWORDS
from kustomize_zymtrace.stores.postgres.base import PASSWORDS as PG_PASSWORDS

CLOUDSQL = {"instance": "my-project:us-central1:zymtrace-pg", "user": "zt-db@my-project.iam", "serviceAccount": "sql"}
POSTGRES_MODES: dict[str, dict[str, Any]] = {
    "create": {},
    "use_existing": {
        "mode": "use_existing",
        "use_existing": {"host": "pg.example:5432", "user": "zt", "password": "p"},
    },
    "aws_aurora": {
        "mode": "aws_aurora",
        "aws_aurora": {"host": "aurora.example:5432", "user": "zt", "region": "eu-west-1", "serviceAccount": "aurora"},
    },
    "gcp_cloudsql": {"mode": "gcp_cloudsql", "gcp_cloudsql": CLOUDSQL},
    "gcp_cloudsql sidecar": {"mode": "gcp_cloudsql", "gcp_cloudsql": {**CLOUDSQL, "proxy": {"placement": "sidecar"}}},
}
STORAGE_MODES: dict[str, dict[str, Any]] = {
    "create": {},
    "minio": {
        "mode": "use_existing",
        "use_existing": {"type": "minio", "minio": {"endpoint": "https://m.example", "user": "u", "password": "p"}},
    },
    "s3": {
        "mode": "use_existing",
        "use_existing": {"type": "s3", "s3": {"region": "eu-west-1", "useIAM": "aws", "serviceAccount": "irsa"}},
    },
    "gcs": {
        "mode": "use_existing",
        "use_existing": {"type": "gcs", "gcs": {"accessKey": "a", "secretKey": "s"}},
    },
}


def _settings(spec: dict[str, Any]) -> Settings:
    backend, _ = load(config(spec))
    return Settings(backend)


def _config(objects: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = find(objects, "ConfigMap", "zymtrace-config")["data"]
    return data


def _pod(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    workload = find_prefix(objects, kind, name) if kind == "Job" else find(objects, kind, name)
    pod: dict[str, Any] = workload["spec"]["template"]["spec"]
    return pod


@pytest.mark.parametrize("mode", POSTGRES_MODES)
def test_each_postgres_mode_renders_what_its_strategy_answers(mode: str) -> None:
    spec = {"postgres": POSTGRES_MODES[mode]}
    settings, objects = _settings(spec), render(spec)
    store = stores.postgres(settings)
    data = _config(objects)
    for service in ("IDENTITY", "SYMDB", "WEB"):
        assert data[f"{service}__POSTGRES__ADDR"] == store.address(settings)
        assert data[f"{service}__POSTGRES__USERNAME"] == store.user(settings)
    assert {k: v for k, v in data.items() if "POSTGRES" in k} == store.config_env(settings)
    # The migrate Job waits for exactly what the strategies say, after any proxy sidecar.
    waits = [w.name for w in (stores.clickhouse(settings).wait(settings), store.wait(settings)) if w is not None]
    init = [c["name"] for c in containers(find_prefix(objects, "Job", "zymtrace-migrate"), init=True)]
    assert [name for name in init if name.startswith("wait-for-")] == waits
    # Cloud identity: the strategy's account on each PostgreSQL client (or none).
    identity = _pod(objects, "Deployment", "zymtrace-identity")
    assert identity.get("serviceAccountName", "") == stores.service_account(settings, SERVICE_BY_KEY["identity"])
    assert ("cloud-sql-proxy" in init) == store.sidecar_in(settings, SERVICE_BY_KEY["identity"])
    # Its network peer: the NetworkPolicy named after the store selects the serving workload.
    policies = {o["metadata"]["name"]: o for o in objects if o["kind"] == "NetworkPolicy"}
    server = store.server(settings)
    if server is None:
        assert "zymtrace-postgres-network-policy" not in policies
    else:
        selected = policies["zymtrace-postgres-network-policy"]["spec"]["podSelector"]["matchLabels"]
        assert selected == {"app": f"zymtrace-{server.key}"}
    assert any(o["kind"] == "Deployment" and o["metadata"]["name"] == "zymtrace-postgres-proxy" for o in objects) == (
        store.proxy_deployment(settings)
    )
    # Its Secret: the declared fixed entries, and the password under every password key (or none).
    _assert_secret_follows(objects, "zymtrace-postgres-secrets", store.secret(settings), PG_PASSWORDS)


@pytest.mark.parametrize(
    "spec",
    [{}, {"clickhouse": {"mode": "use_existing", "use_existing": {"host": "http://ch:8123", "password": "q"}}}],
    ids=["create", "use_existing"],
)
def test_each_clickhouse_mode_fills_its_secret_as_declared(spec: dict[str, Any]) -> None:
    settings, objects = _settings(spec), render(spec)
    entries = stores.clickhouse(settings).secret(settings)
    assert entries.written and all(written.credential.value for written in entries.written)
    _assert_secret_follows(objects, "zymtrace-clickhouse-secrets", entries, CH_PASSWORDS)


def _assert_secret_follows(
    objects: list[dict[str, Any]], name: str, entries: Any, passwords: tuple[str, ...] | None = None
) -> None:
    """The Secret holds the declared fixed entries and each credential written inline under its keys, and
    nothing else; a store's password goes under every password key of the store."""
    held = secret_data(find(objects, "Secret", name))
    for key, value in entries.fixed:
        assert held.pop(key) == value, key
    if passwords is not None:
        assert all(written.keys == passwords for written in entries.written)
    inline = [w for w in entries.written if not w.credential.secret_name and (w.credential.value or w.keep_empty)]
    assert held == {key: w.credential.value for w in inline for key in w.keys}


@pytest.mark.parametrize("mode", STORAGE_MODES)
def test_each_storage_mode_renders_what_its_strategy_answers(mode: str) -> None:
    spec = {"storage": STORAGE_MODES[mode]}
    settings, objects = _settings(spec), render(spec)
    store = stores.storage(settings)
    data = _config(objects)
    assert {k: v for k, v in data.items() if k.startswith("SYMDB__SYMBOL_BUCKET__")} == store.config_env(settings)
    jobs = sorted(o["metadata"]["labels"]["app"] for o in objects if o["kind"] == "Job")
    assert jobs == sorted(["zymtrace-migrate", "zymtrace-minio-init" if store.in_cluster else "zymtrace-bucket-check"])
    symdb = _pod(objects, "Deployment", "zymtrace-symdb")
    assert symdb.get("serviceAccountName", "") == stores.service_account(settings, SERVICE_BY_KEY["symdb"])
    if not store.in_cluster:
        script = containers(find_prefix(objects, "Job", "zymtrace-bucket-check"))[0]["command"][-1]
        assert f"({mode})" in script
        for arg in store.check_args(settings):  # type: ignore[attr-defined]
            assert arg in script
    _assert_secret_follows(objects, "zymtrace-storage-secrets", store.secret(settings))


def test_postgres_probe_timings_are_the_declared_ones() -> None:
    server = containers(find(render({}), "StatefulSet", "zymtrace-postgres"))[0]
    live, ready = POSTGRES_TIMINGS
    assert {k: v for k, v in server["livenessProbe"].items() if k != "exec"} == live
    assert {k: v for k, v in server["readinessProbe"].items() if k != "exec"} == ready
    assert server["livenessProbe"]["exec"]["command"] == ["pg_isready", "-U", "postgres"]


def test_declared_endpoints_are_both_configured_and_admitted() -> None:
    """Each endpoint a service declares is written into its callers' config, and, with isolation, the
    target's NetworkPolicy admits exactly those callers on that port: the two cannot disagree."""
    spec = {"security": {"networkPolicies": {"isolate": True, "gatewayFrom": []}}}
    objects = render(spec)
    data = _config(objects)
    policies = {o["metadata"]["name"]: o for o in objects if o["kind"] == "NetworkPolicy"}
    checked = 0
    for service in SERVICES:
        for endpoint in service.endpoints:
            target = SERVICE_BY_KEY[endpoint.target]
            port = target.port_number(_settings(spec).spec, endpoint.port)
            callers = [f"zymtrace-{c.key}" for c in callers_of(service.key)]
            for caller in callers_of(service.key):
                assert data[f"{caller.env_prefix}__{endpoint.env}"].endswith(f"zymtrace-{target.key}:{port}")
            rules = policies[f"zymtrace-{target.key}-network-policy"]["spec"]["ingress"]
            admitted = [
                [peer["podSelector"]["matchLabels"]["app"] for peer in rule.get("from", [])]
                for rule in rules
                if {"protocol": "TCP", "port": port} in rule["ports"]
            ]
            assert callers in admitted, (endpoint, admitted)
            checked += 1
        for router in routers_of(service.key):
            rules = policies[f"zymtrace-{service.key}-network-policy"]["spec"]["ingress"]
            assert any(
                rule.get("from") == [{"podSelector": {"matchLabels": {"app": f"zymtrace-{router.key}"}}}]
                for rule in rules
            )
    assert checked >= 5
