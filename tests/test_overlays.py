"""base/ and every overlay, built for real with kubectl kustomize and the legacy plugin."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ROOT, containers, env_names, find, find_prefix, kinds, kustomize_build, names, secret_data

OVERLAYS = ROOT / "overlays"


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def plaintext_secret_values(objects: list[dict[str, Any]]) -> dict[str, list[str]]:
    keep = {"PGDATA"}
    return {
        o["metadata"]["name"]: sorted(k for k, v in secret_data(o).items() if k not in keep and v)
        for o in objects
        if o["kind"] == "Secret" and any(v for k, v in secret_data(o).items() if k not in keep)
    }


def test_every_overlay_has_a_readme_and_the_generator_directory_pattern() -> None:
    built = sorted(p.name for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").exists())
    assert built == ["create", "gcp_cloudsql", "gke", "use_existing"]
    for name in built:
        overlay = OVERLAYS / name
        readme = (overlay / "README.md").read_text()
        for section in ("What it changes", "Fill in", "Build"):
            assert f"## {section}" in readme, (name, section)
        assert (overlay / "generator" / "kustomization.yaml").exists()


@pytest.mark.parametrize(
    ("overlay", "count"), [("base", 41), ("create", 41), ("use_existing", 28), ("gcp_cloudsql", 41), ("gke", 36)]
)
def test_builds_with_expected_object_count(overlay: str, count: int) -> None:
    directory = ROOT / "base" if overlay == "base" else OVERLAYS / overlay
    objects = kustomize_build(directory)
    assert len(objects) == count, names(objects)
    # Strategic merges on generated objects must not lose what the generator wrote.
    for deployment in (o for o in objects if o["kind"] == "Deployment" and "proxy" not in o["metadata"]["name"]):
        container = containers(deployment)[0]
        assert container["image"] and container.get("envFrom"), deployment["metadata"]["name"]


def test_create_overlay_keeps_passwords_out_of_git() -> None:
    objects = kustomize_build(OVERLAYS / "create")
    assert plaintext_secret_values(objects) == {}
    for claim in (o for o in objects if o["kind"] == "PersistentVolumeClaim"):
        assert claim["spec"]["storageClassName"] == "ssd"
    assert (
        find(objects, "PersistentVolumeClaim", "zymtrace-clickhouse")["spec"]["resources"]["requests"]["storage"]
        == "100Gi"
    )
    clickhouse = containers(find(objects, "StatefulSet", "zymtrace-clickhouse"))[0]
    assert clickhouse["resources"]["limits"] == {"cpu": "4", "memory": "16Gi"}
    assert "CLICKHOUSE_PASSWORD" in env_names(clickhouse)


def test_use_existing_overlay_runs_only_the_services() -> None:
    objects = kustomize_build(OVERLAYS / "use_existing")
    assert "StatefulSet" not in kinds(objects) and "PersistentVolumeClaim" not in kinds(objects)
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "NetworkPolicy"] == ["zymtrace-ui-network-policy"]
    find_prefix(objects, "Job", "zymtrace-bucket-check-")
    web = containers(find(objects, "Deployment", "zymtrace-web"))[0]
    assert web["resources"]["limits"]["memory"] == "8Gi" and web["resources"]["requests"]["cpu"] == "500m"
    assert plaintext_secret_values(objects) == {}
    config = find(objects, "ConfigMap", "zymtrace-config")["data"]
    assert config["WEB__CLICKHOUSE__ADDR"] == "https://clickhouse.example.internal:8443"
    assert config["WEB__POSTGRES__DATABASE"] == "zymtrace_web"


def test_gcp_cloudsql_overlay_uses_the_shared_proxy() -> None:
    objects = kustomize_build(OVERLAYS / "gcp_cloudsql")
    proxy = find(objects, "Deployment", "zymtrace-postgres-proxy")
    assert pod(proxy)["serviceAccountName"] == "zymtrace-cloudsql-sa"
    find(objects, "HorizontalPodAutoscaler", "zymtrace-postgres-proxy")
    policy = find(objects, "NetworkPolicy", "zymtrace-postgres-network-policy")
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app": "zymtrace-postgres-proxy"}


def test_gke_overlay_is_a_production_setup() -> None:
    objects = kustomize_build(OVERLAYS / "gke")
    for app in ("identity", "symdb", "web"):
        spec = pod(find(objects, "Deployment", f"zymtrace-{app}"))
        assert spec["initContainers"][0]["name"] == "cloud-sql-proxy"
        assert spec["serviceAccountName"] == "zymtrace-cloudsql-sa"
        assert "--private-ip" in spec["initContainers"][0]["command"]
    assert "Deployment/zymtrace-postgres-proxy" not in names(objects)
    clickhouse = pod(find(objects, "StatefulSet", "zymtrace-clickhouse"))
    assert clickhouse["nodeSelector"] == {"cloud.google.com/gke-nodepool": "clickhouse"}
    assert clickhouse["tolerations"][0]["value"] == "clickhouse"
    assert find(objects, "PersistentVolumeClaim", "zymtrace-clickhouse")["spec"]["storageClassName"] == "premium-rwo"
    assert {o["metadata"]["name"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"} == {
        "zymtrace-web",
        "zymtrace-ingest",
    }
    assert "replicas" not in find(objects, "Deployment", "zymtrace-web")["spec"]
    ingress = find(objects, "Ingress", "zymtrace-gateway-ingress")
    assert ingress["spec"]["tls"][0]["secretName"] == "zymtrace-tls"
    config = find(objects, "ConfigMap", "zymtrace-config")["data"]
    assert config["SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT"] == "https://storage.googleapis.com"
    assert containers(find(objects, "Deployment", "zymtrace-ingest"))[0]["resources"]["limits"]["memory"] == "4Gi"
    assert plaintext_secret_values(objects) == {}
