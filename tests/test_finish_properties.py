"""The finishing pass over arbitrary streams (hypothesis): rendered instances, changed the way kustomize
changes them (images, namespace, labels, annotations, patches of ConfigMaps, Secrets and Jobs,
replicas, generators with and without kustomize's hash suffix, removed objects), mixed in any order
with objects of someone else's in any shape.

Properties: the pass never fails other than with a ConfigError, and never with one for these streams
(every transformation drawn here is one it follows); objects without the generator's mark come back
exactly as they came; a second pass changes nothing (also after kustomize added the hash suffixes
between the two); and what it emits is accepted by the real API server (server-side apply, dry run).
PROPERTY_EXAMPLES raises the count: .ci/run hunts with 300 after the README's short run.
"""

from __future__ import annotations

import copy
import functools
import os
import string
from typing import Any

import yaml
from apiserver import ApiServer
from configs import s3_with_iam
from helpers import config
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from kustomize_zymtrace import yamlio
from kustomize_zymtrace.finish import GENERATED_KINDS, finish

MARK = "zymtrace.io/generated-by"
SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# Instances with their own names (two instances drawn together never generate the same object).
SPECS: dict[str, tuple[dict[str, Any], str]] = {
    "zymtrace": ({}, "zymtrace"),
    "team": ({"global": {"namePrefix": "team"}, "services": {"web": {"hpa": {"enabled": True}}}}, "team-a"),
    "ext": (
        {
            "global": {"namePrefix": "ext"},
            "clickhouse": {
                "mode": "use_existing",
                "use_existing": {"host": "http://clickhouse.db.svc:8123", "user": "u"},
            },
            "storage": s3_with_iam(),
        },
        "zymtrace",
    ),
}
KUSTOMIZE_SUFFIX = "-5t2bgh8mk9"  # the form of kustomize's generator hash suffix

name = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10).map(lambda s: f"x{s}")
namespace_name = st.sampled_from(["zymtrace", "observability", "team-a", "tenant-1"])
Stream = list[Any]


@functools.cache
def _rendered(key: str) -> str:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render

    spec, namespace = SPECS[key]
    backend, _ = load(config(spec, name=key, namespace=namespace))
    return yamlio.dump_all(render(backend))


@functools.cache
def _parsed(key: str) -> Stream:
    return yamlio.load_all(_rendered(key), "render")


def _ours(item: Any) -> bool:
    meta = item.get("metadata") if isinstance(item, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    marked = isinstance(annotations, dict) and MARK in annotations
    return marked and (item.get("apiVersion"), item.get("kind")) in GENERATED_KINDS


# ---------------------------------------------------------------- transformations (as kustomize does them)


def _of(objects: Stream, *kinds: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] in kinds]


def _pods(objects: Stream) -> list[dict[str, Any]]:
    return _of(objects, "Deployment", "StatefulSet", "Job")


@st.composite
def transformation(draw: st.DrawFn, objects: Stream) -> str:
    """Change the objects of one instance in place, as one kustomize feature would; returns what it did."""
    kind = draw(
        st.sampled_from(
            [
                "images",
                "namespace",
                "labels",
                "annotations",
                "configmap",
                "secret",
                "job",
                "replicas",
                "generator",
                "delete",
            ]
        )
    )
    if kind == "images":
        workload = draw(st.sampled_from(_pods(objects)))
        container = workload["spec"]["template"]["spec"]["containers"][0]
        container["image"] = container["image"].rsplit(":", 1)[0] + ":" + draw(st.sampled_from(["27.0.0", "latest"]))
    elif kind == "namespace":
        target = draw(namespace_name)
        for obj in objects:
            obj["metadata"]["namespace"] = target
    elif kind == "labels":  # labels: without includeSelectors (with includeTemplates, or not)
        key, value = draw(name), draw(name)
        templates = draw(st.booleans())
        for obj in objects:
            obj["metadata"].setdefault("labels", {})[f"example.com/{key}"] = value
            if templates and obj["kind"] in ("Deployment", "StatefulSet", "Job"):
                obj["spec"]["template"].setdefault("metadata", {}).setdefault("labels", {})[f"example.com/{key}"] = (
                    value
                )
    elif kind == "annotations":  # commonAnnotations: objects and pod templates
        key, value = draw(name), draw(st.text(max_size=8))
        for obj in objects:
            obj["metadata"].setdefault("annotations", {})[f"example.com/{key}"] = value
            if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
                obj["spec"]["template"].setdefault("metadata", {}).setdefault("annotations", {})[
                    f"example.com/{key}"
                ] = value
    elif kind == "configmap":
        target = draw(st.sampled_from(_of(objects, "ConfigMap")))
        target.setdefault("data", {})[draw(st.sampled_from(["EXTRA", "LOG_LEVEL"]))] = draw(st.text(max_size=12))
    elif kind == "secret":
        target = draw(st.sampled_from(_of(objects, "Secret")))
        target.setdefault("stringData", {})[draw(st.sampled_from(["TOKEN", "POSTGRES_PASSWORD"]))] = draw(
            st.text(string.printable, min_size=1, max_size=12)
        )
    elif kind == "job":
        job = draw(st.sampled_from(_of(objects, "Job")))
        job["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = draw(st.integers(1, 600))
    elif kind == "replicas":
        scaled = {o["spec"]["scaleTargetRef"]["name"] for o in _of(objects, "HorizontalPodAutoscaler")}
        free = [o for o in _of(objects, "Deployment") if o["metadata"]["name"] not in scaled]
        draw(st.sampled_from(free))["spec"]["replicas"] = draw(st.integers(0, 5))
    elif kind == "generator":  # configMapGenerator or secretGenerator in the workloads' namespace, read by one
        reader = draw(st.sampled_from(_of(objects, "Deployment")))
        secret = draw(st.booleans())
        generated = {
            "apiVersion": "v1",
            "kind": "Secret" if secret else "ConfigMap",
            "metadata": {"name": f"gen-{draw(name)}", "namespace": reader["metadata"]["namespace"]},
            "data" if not secret else "stringData": {"VALUE": draw(st.text(string.printable, min_size=1, max_size=8))},
        }
        objects.append(generated)
        reference = {"secretRef" if secret else "configMapRef": {"name": generated["metadata"]["name"]}}
        reader["spec"]["template"]["spec"]["containers"][0].setdefault("envFrom", []).append(reference)
    else:  # $patch: delete of something nothing else depends on
        removable = _of(objects, "PodDisruptionBudget", "NetworkPolicy", "HorizontalPodAutoscaler")
        if removable:
            objects.remove(draw(st.sampled_from(removable)))
    return kind


# ---------------------------------------------------------------- someone else's objects, any shape

anything = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def foreign(draw: st.DrawFn) -> dict[str, Any]:
    """An object of someone else's: well-formed, or with any value where a field should be. Its names
    never collide with ours (a collision is a refusal, tested in the adversarial catalogue)."""
    api, kind = draw(
        st.sampled_from(
            [
                ("v1", "ConfigMap"),
                ("v1", "Secret"),
                ("v1", "Service"),
                ("apps/v1", "Deployment"),
                ("batch/v1", "Job"),
                ("autoscaling/v2", "HorizontalPodAutoscaler"),
                ("example.com/v1", "Widget"),
            ]
        )
    )
    meta: dict[str, Any] = {"name": f"theirs-{draw(name)}", "namespace": draw(namespace_name)}
    if draw(st.booleans()):
        meta["annotations"] = draw(st.sampled_from([{"note": "x"}, [], "x", None, {"zymtrace.io/template-hash": "m"}]))
    obj: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": meta}
    for field in draw(st.lists(st.sampled_from(["spec", "data", "stringData", "status"]), max_size=2, unique=True)):
        obj[field] = draw(anything)
    if draw(st.integers(0, 9)) == 0:
        obj["metadata"] = draw(anything)  # metadata itself malformed
    return obj


@st.composite
def stream(draw: st.DrawFn) -> tuple[Stream, list[str]]:
    keys = draw(st.lists(st.sampled_from(sorted(SPECS)), min_size=1, max_size=2, unique=True))
    objects: Stream = []
    done: list[str] = []
    for key in keys:
        instance = copy.deepcopy(_parsed(key))
        for _ in range(draw(st.integers(0, 4))):
            done.append(f"{key}: {draw(transformation(instance))}")
        objects += instance
    objects += draw(st.lists(foreign(), max_size=5))
    return draw(st.permutations(objects)), done


def _suffixed(objects: Stream) -> None:
    """What kustomize does after its transformers ran: generator objects get a hash suffix, and the
    references in the same namespace follow."""
    renames: dict[tuple[str, str, str], str] = {}
    for obj in objects:
        meta = obj.get("metadata") if isinstance(obj, dict) else None
        if isinstance(meta, dict) and str(meta.get("name")).startswith("gen-"):
            new = meta["name"] + KUSTOMIZE_SUFFIX
            renames[obj["kind"], meta["namespace"], meta["name"]] = new
            meta["name"] = new
    for obj in objects:
        if _ours(obj) and obj["kind"] == "Deployment":
            for container in obj["spec"]["template"]["spec"]["containers"]:
                for source in container.get("envFrom") or []:
                    for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                        ref = source.get(key)
                        target = (kind, obj["metadata"]["namespace"], ref["name"]) if ref else None
                        if target in renames:
                            ref["name"] = renames[target]


@SETTINGS
@given(drawn=stream())
def test_the_finishing_pass_over_any_stream(apiserver: ApiServer, drawn: tuple[Stream, list[str]]) -> None:
    objects, done = drawn
    note(f"transformations: {done}")
    before = copy.deepcopy(objects)
    finished, _ = finish(objects)  # no ConfigError: each drawn change is one the pass follows
    assert len(finished) == len(before)
    for index, (old, new) in enumerate(zip(before, finished, strict=True)):
        if not _ours(old):
            assert yaml.dump(new, Dumper=yaml.CSafeDumper) == yaml.dump(old, Dumper=yaml.CSafeDumper), (
                f"document {index + 1}, not ours, was changed"
            )

    again = copy.deepcopy(finished)
    _suffixed(again)
    expected = copy.deepcopy(again)
    twice, notes = finish(again)
    assert twice == expected, "a second pass changed the output"
    assert not notes

    ours = [o for o in finished if _ours(o)]
    # A sample, judged by the API server (with strict field validation): every Job and ConfigMap the pass
    # may rename or rewrite, and a spread of the rest.
    sample = ours[:: max(1, len(ours) // 8)] + [o for o in ours if o["kind"] in ("Job", "ConfigMap")]
    for namespace in sorted({o["metadata"]["namespace"] for o in sample}):
        apiserver.namespace(namespace)
    rejected = [f"{r.ref}: {r.message}" for r in apiserver.apply_all(sample, dry_run=True) if not r.ok]
    assert not rejected, "the API server rejects what the pass emitted:\n" + "\n".join(rejected)
