"""Secure pod defaults (issue 6): the baseline and restricted profiles, their overrides, and checkov's
Kubernetes checks over the default render, the restricted profile and every overlay."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, containers, find, find_prefix, kustomize_build, render, run

ALLOWLIST = ROOT / "checkov-allowlist.yaml"
CHECKOV_VENV = ROOT / ".venv-checkov"


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


# ------------------------------------------------------------------ checkov


def _checkov() -> str:
    """checkov lives in its own virtualenv (its pins clash with the test tools); created on first use
    from tests/requirements-checkov.txt. Missing means skip locally, fail in CI."""
    binary = os.environ.get("CHECKOV") or str(CHECKOV_VENV / "bin" / "checkov")
    if Path(binary).exists():
        return binary
    if CHECKOV_VENV.is_symlink():
        CHECKOV_VENV.unlink()  # a dangling link left by an earlier setup
    try:
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True, capture_output=True)
        pip = [
            str(CHECKOV_VENV / "bin" / "pip"),
            "install",
            "-q",
            "-r",
            str(ROOT / "tests" / "requirements-checkov.txt"),
        ]
        subprocess.run(pip, check=True, capture_output=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"checkov could not be installed: {exc}")
        pytest.skip(f"checkov not available: {exc}")
    return binary


def _findings(checkov: str, directory: Path) -> list[tuple[str, str, str]]:
    # --skip-download: no call to the vendor's platform; the checks run from the installed package.
    result = run(
        [checkov, "-d", str(directory), "--framework", "kubernetes", "--skip-download", "-o", "json", "--quiet"],
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    scanned = sum(r.get("summary", {}).get("resource_count", 0) for r in reports)
    assert scanned > 100, "checkov scanned almost nothing"
    return [
        (f["check_id"], f["resource"], Path(f["file_path"]).stem)
        for report in reports
        for f in report.get("results", {}).get("failed_checks", [])
    ]


def test_checkov_finds_nothing_beyond_the_allowlist(tmp_path: Path) -> None:
    checkov = _checkov()
    renders = tmp_path / "renders"
    renders.mkdir()
    sets = {
        "default": render(),
        "restricted": render({"security": {"profile": "restricted"}}),
        **{
            name: kustomize_build(ROOT / "overlays" / name)
            for name in ("create", "use_existing", "gcp_cloudsql", "gke")
        },
    }
    for name, objects in sets.items():
        (renders / f"{name}.yaml").write_text(yaml.safe_dump_all(objects))
    allowed = yaml.safe_load(ALLOWLIST.read_text())
    assert all(entry.get("reason") for entry in allowed), "every allow-list entry needs its reason"
    used: set[int] = set()
    unlisted = []
    for check, resource, source in _findings(checkov, renders):
        matches = [
            n
            for n, entry in enumerate(allowed)
            if entry["check"] == check and any(fnmatch.fnmatch(resource, p) for p in entry["resources"])
        ]
        used.update(matches)
        if not matches:
            unlisted.append(f"{check} {resource} ({source})")
    assert not unlisted, "checkov findings not in checkov-allowlist.yaml:\n" + "\n".join(sorted(set(unlisted)))
    stale = [entry["check"] for n, entry in enumerate(allowed) if n not in used]
    assert not stale, f"allow-list entries that match nothing any more: {stale}"
