"""A backend's life on the API server: an install, then the day-2 changes a platform team makes, each
applied the way Flux, Argo CD (server-side and its default client-side apply) and kubectl apply it,
pruned the way each prunes. After every step the cluster holds exactly the render (no field another
manager owns that we do not render, no Secret key, env var, label or annotation we do not render), no
volume claim is lost, and what `diff` predicted is what changed on the server.

The whole sequence for every tool runs in CI's slow step; the README's run keeps a short one.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from apiserver import ApiServer
from helpers import render
from history import APPLIERS, Obj, apply_as, claims_lost, leftovers, prune_as

from kustomize_zymtrace.cluster.takeover import LAST_APPLIED
from kustomize_zymtrace.review.consequences import protections
from kustomize_zymtrace.review.diff import ObjectDiff, comparable, diff_objects, field_paths
from kustomize_zymtrace.review.inputs import Key, key_of

CLICKHOUSE_EXTERNAL = {
    "mode": "use_existing",
    "use_existing": {"host": "https://ch.example.internal:8443", "user": "zt", "passwordSecretName": "ch"},
}
# Each step changes the config of the step before it.
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("install", {}),
    ("app version", {"global": {"appVersion": "26.9.0"}}),
    (
        "storage to S3",
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {"type": "s3", "s3": {"region": "eu-west-1", "accessKey": "AK", "secretKey": "SK"}},
            }
        },
    ),
    ("autoscaling on", {"services": {"common": {"hpa": {"enabled": True}}}}),
    ("credential to a Secret", {"postgres": {"create": {"config": {"passwordSecretName": "pg"}}}}),
    ("Secret renamed", {"postgres": {"create": {"config": {"passwordSecretName": "pg-v2"}}}}),
    ("ClickHouse removed", {"clickhouse": CLICKHOUSE_EXTERNAL}),
    ("ClickHouse added back", {"clickhouse": {"mode": "create"}}),
]
SHORT = ["install", "storage to S3", "credential to a Secret", "ClickHouse removed", "ClickHouse added back"]
# What each pruner keeps (the protection names of review.consequences); kubectl server-side apply does not
# prune: the guide's manual way deletes what diff lists as removed, except the volume claims.
KEEPS = {"flux": "Flux", "argocd": "Argo CD", "argocd-client-side": "Argo CD"}
BOOKKEEPING = ("resourceVersion", "managedFields", "generation", "uid", "creationTimestamp", "deletionTimestamp")


def merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "mode" not in value:
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def snapshot(apiserver: ApiServer, objects: list[Obj]) -> dict[Key, Obj]:
    """What the server holds of these objects, as comparable as a render: no bookkeeping, no status."""
    held = {}
    for obj in objects:
        live = apiserver.get(obj)
        if live is None or live["metadata"].get("deletionTimestamp"):
            continue
        live.pop("status", None)
        for name in BOOKKEEPING:
            live["metadata"].pop(name, None)
        (live["metadata"].get("annotations") or {}).pop(LAST_APPLIED, None)
        if live["metadata"].get("annotations") == {}:
            live["metadata"].pop("annotations")
        held[key_of(obj)] = comparable(live)
    return held


def pruned_by(applier: str, removed: list[Obj]) -> set[Key]:
    """What the applier's pruning deletes of what diff lists as removed."""
    if applier not in KEEPS:
        return {key_of(o) for o in removed if o["kind"] != "PersistentVolumeClaim"}
    return {key_of(o) for o in removed if KEEPS[applier] not in protections(o)}


def assert_prediction(predicted: ObjectDiff, applier: str, before: dict[Key, Obj], after: dict[Key, Obj]) -> None:
    """diff's created, removed and changed objects and fields are what changed on the server. A field
    diff names that the server shows unchanged must be one the render dropped and the server filled in
    again with the value it had (a Deployment's replicas under an autoscaler)."""
    # Created on the server: what diff creates, but a claim kept from an earlier step is there already.
    assert {key_of(o) for o in predicted.created} - set(before) == {k for k in after if k not in before}
    gone = {k for k in before if k not in after}
    assert gone == pruned_by(applier, predicted.removed)
    changed_on_server = {k: set(field_paths(before[k], after[k])) for k in before.keys() & after.keys()}
    changed_on_server = {k: paths for k, paths in changed_on_server.items() if paths}
    for change in predicted.changed:
        server = changed_on_server.pop(change.key, set())
        assert server <= set(change.paths), (change.key, sorted(server - set(change.paths)))
        for path in set(change.paths) - server:
            assert path.split("[")[0].split(".")[-1] == "replicas", (change.key, path)
    assert not changed_on_server, changed_on_server


def run_lifecycle(apiserver: ApiServer, tmp_path: Path, applier: str, steps: list[str]) -> dict[str, dict[str, int]]:
    namespace = f"life-{applier}-{len(steps)}"
    apiserver.namespace(namespace)
    spec: dict[str, Any] = {}
    previous: list[Obj] = []
    claims: dict[str, str] = {}  # name -> uid: a claim must survive every step as the same object
    measured = {}
    for name, change in STEPS:
        spec = merged(spec, change)
        if name not in steps:
            continue
        new = render(spec, namespace=namespace)
        predicted = diff_objects({key_of(o): o for o in previous}, {key_of(o): o for o in new})
        watched = {key_of(o): o for o in previous + new}
        before = snapshot(apiserver, list(watched.values()))
        apply_as(apiserver, applier, new, tmp_path)
        if applier in KEEPS:
            prune_as(apiserver, applier, previous, new)
        else:
            for obj in predicted.removed:
                if obj["kind"] != "PersistentVolumeClaim":
                    apiserver.delete(obj)
        after = snapshot(apiserver, list(watched.values()))
        if previous:
            assert_prediction(predicted, applier, before, after)
        left = leftovers(apiserver, new, applier)
        assert left.empty, (name, left)
        for claim in (o for o in previous + new if o["kind"] == "PersistentVolumeClaim"):
            live = apiserver.get(claim)
            assert live is not None and not claims_lost(apiserver, [claim]), (name, claim["metadata"]["name"])
            assert claims.setdefault(claim["metadata"]["name"], live["metadata"]["uid"]) == live["metadata"]["uid"]
        measured[name] = {**left.counts(), "claims lost": 0}
        previous = new
    return measured


def test_the_short_lifecycle_under_flux(apiserver: ApiServer, tmp_path: Path) -> None:
    measured = run_lifecycle(apiserver, tmp_path, "flux", SHORT)
    assert list(measured) == SHORT


@pytest.mark.slow
@pytest.mark.parametrize("applier", APPLIERS)
def test_the_whole_lifecycle(apiserver: ApiServer, tmp_path: Path, applier: str) -> None:
    measured = run_lifecycle(apiserver, tmp_path, applier, [name for name, _ in STEPS])
    assert len(measured) == len(STEPS)


def test_the_steps_change_what_they_say() -> None:
    """The sequence is what it claims: S3 drops MinIO's objects, the ClickHouse steps drop and bring back
    its StatefulSet, the credential steps change the Secret references (the test would prove nothing
    if a step rendered the same objects)."""
    spec: dict[str, Any] = {}
    rendered: dict[str, list[Obj]] = {}
    for name, change in STEPS:
        spec = merged(spec, change)
        rendered[name] = render(spec)
    kinds = {name: {f"{o['kind']}/{o['metadata']['name']}" for o in objects} for name, objects in rendered.items()}
    assert (
        "StatefulSet/zymtrace-minio" in kinds["app version"]
        and "StatefulSet/zymtrace-minio" not in kinds["storage to S3"]
    )
    assert "StatefulSet/zymtrace-clickhouse" not in kinds["ClickHouse removed"]
    assert "StatefulSet/zymtrace-clickhouse" in kinds["ClickHouse added back"]
    assert "HorizontalPodAutoscaler/zymtrace-web" in kinds["autoscaling on"]
    web = {
        name: str(
            next(o for o in rendered[name] if o["metadata"]["name"] == "zymtrace-web" and o["kind"] == "Deployment")
        )
        for name in ("credential to a Secret", "Secret renamed")
    }
    assert "'pg'" in web["credential to a Secret"] and "'pg-v2'" in web["Secret renamed"]
