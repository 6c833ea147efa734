"""The real Kubernetes API server judges what we render (tests/apiserver.py; hack/install-tools builds it).

Server-side apply with strict field validation: every golden case, base and every overlay, the
restricted profile in a namespace that enforces it, re-applies that must change nothing, and upgrades
over an install that must not hit an immutable field.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiserver import ApiServer, Applied
from configs import s3_with_iam
from helpers import ROOT, config, first_in_short_run, kustomize_build, record

from kustomize_zymtrace.loading import load
from kustomize_zymtrace.render import render

CASES = sorted(p.parent for p in (ROOT / "tests" / "cases").glob("*/config.yaml"))
OVERLAYS = ["base", "overlays/create", "overlays/use_existing", "overlays/gcp_cloudsql", "overlays/gke"]
RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
}


def dns_label(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:63]


def render_config(document: dict[str, Any], namespace: str) -> list[dict[str, Any]]:
    document = copy.deepcopy(document)
    document.setdefault("metadata", {})["namespace"] = namespace
    backend, _ = load(document)
    return record(render(backend))


def in_namespace(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """Built objects moved to a namespace of the test's own, so builds do not overwrite each other; the
    API server validates each object on its own, whatever its namespace."""
    moved = copy.deepcopy(objects)
    for obj in moved:
        obj["metadata"]["namespace"] = namespace
    return moved


def apply_all(apiserver: ApiServer, objects: list[dict[str, Any]], **kw: Any) -> list[Applied]:
    results = apiserver.apply_all(objects, **kw)
    rejected = [f"{r.ref}: {r.message}" for r in results if not r.ok]
    assert not rejected, "the API server rejected:\n" + "\n".join(rejected)
    return results


def stored(apiserver: ApiServer, objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the server holds, without the bookkeeping every write touches (the API server bumps a
    PersistentVolumeClaim's resourceVersion on any update, even one that changes nothing).
    metadata.generation stays in: it counts spec changes."""
    held = {}
    for obj in objects:
        live = apiserver.get(obj)
        assert live is not None, f"{obj['kind']}/{obj['metadata']['name']} is not stored"
        live["metadata"].pop("resourceVersion")
        for entry in live["metadata"].get("managedFields", []):
            entry.pop("time", None)
        held[f"{obj['kind']}/{obj['metadata']['name']}"] = live
    return held


def install_and_reapply(apiserver: ApiServer, objects: list[dict[str, Any]]) -> None:
    apply_all(apiserver, objects)
    first = stored(apiserver, objects)
    apply_all(apiserver, objects)
    again = stored(apiserver, objects)
    changed = sorted(ref for ref in first if first[ref] != again[ref])
    assert not changed, f"a second apply of the same objects changed {changed}"


def test_the_api_server_is_a_stricter_judge_than_the_schema(apiserver: ApiServer) -> None:
    """What schema validation passes and the API server refuses: the reason this fixture exists."""
    apiserver.namespace("judge")
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "clash", "namespace": "judge"},
        "spec": {"ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}], "selector": {"app": "x"}},
    }
    # Server-side apply cannot even build its merge patch from a list with two entries of one key.
    clash = apiserver.apply(service, dry_run=True)
    assert not clash.ok and "duplicate entries for key [port=80" in clash.message
    digit = copy.deepcopy(service)
    digit["metadata"]["name"] = "1clash"
    digit["spec"]["ports"] = [{"name": "a", "port": 80}]
    refused = apiserver.apply(digit, dry_run=True)
    assert refused.status == 422 and "DNS-1035 label" in refused.message


@pytest.mark.slow  # every golden case: .ci/run's slow step (base and the overlays run below every time)
@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_golden_case_is_accepted_and_reapply_changes_nothing(apiserver: ApiServer, case: Path) -> None:
    namespace = dns_label(f"case-{case.name}")
    apiserver.namespace(namespace)
    objects = render_config(yaml.safe_load((case / "config.yaml").read_text()), namespace)
    assert len(objects) >= 20
    install_and_reapply(apiserver, objects)


@pytest.mark.parametrize("directory", first_in_short_run(["base", "overlays/gke", *OVERLAYS[1:4]], keep=2))
def test_overlay_is_accepted_and_reapply_changes_nothing(apiserver: ApiServer, directory: str) -> None:
    namespace = dns_label(f"build-{directory}")
    apiserver.namespace(namespace)
    objects = in_namespace(kustomize_build(ROOT / directory), namespace)
    install_and_reapply(apiserver, objects)


def test_restricted_profile_is_admitted_with_no_warning(apiserver: ApiServer) -> None:
    apiserver.namespace("restricted", RESTRICTED)
    document = yaml.safe_load((ROOT / "tests" / "cases" / "security-restricted" / "config.yaml").read_text())
    results = apply_all(apiserver, render_config(document, "restricted"))
    warnings = [f"{r.ref}: {w}" for r in results for w in r.warnings]
    assert warnings == []
    assert sum(1 for r in results if r.obj["kind"] in ("Deployment", "StatefulSet", "Job")) >= 9


def test_baseline_profile_is_warned_about_in_a_restricted_namespace(apiserver: ApiServer) -> None:
    """The same check, shown to see: the default (baseline) pods are refused by an enforcing namespace."""
    apiserver.namespace("restricted-baseline", RESTRICTED)
    objects = render_config(config(), "restricted-baseline")
    results = apiserver.apply_all(objects, dry_run=True)
    warned = {r.ref for r in results if any("restricted" in w for w in r.warnings)}
    assert "Deployment/zymtrace-gateway" in warned


UPGRADES = {
    "app-version": {"global": {"appVersion": "99.1.0"}},
    "autoscaling-on": {"services": {"common": {"hpa": {"enabled": True}}}},
    "auth-mode": {"auth": {"type": "basic", "basic": {"username": "admin", "passwordSecretName": "zt-basic"}}},
    "storage-s3": {"storage": s3_with_iam()},
}


@pytest.mark.slow
@pytest.mark.parametrize("upgrade", sorted(UPGRADES))
def test_upgrade_over_an_install_applies_cleanly(apiserver: ApiServer, upgrade: str) -> None:
    """No "field is immutable": changed Jobs are new objects, selectors and claim templates stay."""
    namespace = dns_label(f"upgrade-{upgrade}")
    apiserver.namespace(namespace)
    apply_all(apiserver, render_config(config(), namespace))
    upgraded = render_config(config(UPGRADES[upgrade]), namespace)
    apply_all(apiserver, upgraded)
    jobs = {o["metadata"]["name"] for o in upgraded if o["kind"] == "Job"}
    assert all(apiserver.get(o) for o in upgraded if o["kind"] == "Job"), jobs
