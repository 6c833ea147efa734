"""Secure pod defaults: the baseline and restricted profiles and their overrides. (checkov's scan of
what we ship is its own CI step: hack/checkov-scan.)"""

from __future__ import annotations

from typing import Any

from helpers import containers, find, find_prefix, render


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def workloads(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "Job")]


def test_baseline_hardens_every_pod_without_breaking_images() -> None:
    objects = render()
    for workload in workloads(objects):
        spec = pod(workload)
        assert spec["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
        assert spec["automountServiceAccountToken"] is False
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
    dropped = {
        o["metadata"]["name"]: containers(o)[0]["securityContext"]["capabilities"]["drop"] for o in workloads(objects)
    }
    # The Rust services and the Jobs' clients need no capability; images whose entrypoints start as root
    # (databases chown their data, nginx and Envoy bind port 80) keep theirs but NET_RAW.
    assert dropped["zymtrace-web"] == dropped["zymtrace-identity"] == ["ALL"]
    assert dropped["zymtrace-gateway"] == dropped["zymtrace-postgres"] == dropped["zymtrace-ui"] == ["NET_RAW"]
    assert find_prefix(objects, "Job", "zymtrace-minio-init-")["spec"]["template"]["spec"]["containers"][0][
        "securityContext"
    ]["capabilities"]["drop"] == ["ALL"]


def test_restricted_profile() -> None:
    objects = render({"security": {"profile": "restricted"}})
    for workload in workloads(objects):
        spec = pod(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        for container in spec.get("initContainers", []) + spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["capabilities"] == {"drop": ["ALL"]}
            assert context["runAsUser"] > 0
    postgres = pod(find(objects, "StatefulSet", "zymtrace-postgres"))
    assert postgres["securityContext"]["fsGroup"] == 999
    mounts = {m["mountPath"] for m in postgres["containers"][0]["volumeMounts"]}
    assert {"/var/lib/postgresql/data", "/var/run/postgresql", "/tmp"} <= mounts
    gateway = pod(find(objects, "Deployment", "zymtrace-gateway"))
    assert gateway["securityContext"]["sysctls"] == [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    migrate = pod(find_prefix(objects, "Job", "zymtrace-migrate-"))
    users = {c["name"]: c["securityContext"]["runAsUser"] for c in migrate["initContainers"] + migrate["containers"]}
    assert users == {"wait-for-clickhouse": 101, "wait-for-postgres": 999, "migrate": 65532}


def test_overrides_global_then_component() -> None:
    objects = render(
        {
            "security": {"automountServiceAccountToken": True, "containerSecurityContext": {"runAsUser": 4242}},
            "services": {
                "web": {
                    "securityContext": {"runAsUser": 5000, "capabilities": {"drop": []}},
                    "podSecurityContext": {"fsGroup": 7},
                }
            },
        }
    )
    web = pod(find(objects, "Deployment", "zymtrace-web"))
    assert web["automountServiceAccountToken"] is True
    assert web["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}, "fsGroup": 7}
    # A list replaces the profile's list, as in a values file: drop nothing.
    expected = {"allowPrivilegeEscalation": False, "runAsUser": 5000, "capabilities": {"drop": []}}
    assert web["containers"][0]["securityContext"] == expected
    ingest = containers(find(objects, "Deployment", "zymtrace-ingest"))[0]
    assert ingest["securityContext"]["runAsUser"] == 4242
