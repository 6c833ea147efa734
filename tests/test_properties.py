"""Property-based tests (hypothesis): random valid configs always render strict-valid objects, random
invalid ones always fail with error results and no objects, random input never crashes the function."""

from __future__ import annotations

import io
import os
from typing import Any

import yaml
from helpers import RENDERED, config, render
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import label, valid_spec

from kustomize_zymtrace.krm import process
from kustomize_zymtrace.loading import load
from kustomize_zymtrace.results import ConfigError

# PROPERTY_EXAMPLES=400 for a longer hunt than CI's.
SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(valid_spec(), label)
def test_random_valid_configs_render_strict_valid_objects(spec: dict[str, Any], namespace: str) -> None:
    from helpers import strict_validate

    RENDERED.clear()
    objects = render(spec, namespace=namespace)
    assert len(objects) >= 20
    assert {o["metadata"]["namespace"] for o in objects} == {namespace}
    strict_validate(objects)  # here as well as in the fixture: hypothesis shrinks on the first failure
    RENDERED.clear()


# A place and a value no valid config accepts there.
BREAKAGES = [
    (("postgres",), "mode", "cockroach"),
    (("services", "web"), "replicas", -1),
    (("services", "web"), "replicaz", 2),
    (("storage", "buckets"), "symbols", "UPPER"),
    (("global",), "namePrefix", "Not A Label"),
    (("clickhouse", "create", "resources", "limits"), "cpu", "lots"),
    (("services", "ingest", "service"), "nodePort", 99),
    (("auth",), "type", 3),
    (("services", "common", "hpa"), "targetCPUUtilizationPercentage", 0),
    (("ingress",), "tls", "yes"),
]


@SETTINGS
@given(valid_spec(), st.lists(st.sampled_from(BREAKAGES), min_size=1, max_size=3, unique=True))
def test_random_invalid_configs_fail_with_results_and_no_objects(spec: dict[str, Any], breakages: list) -> None:
    for path, key, value in breakages:
        node = spec
        for part in path:
            node = node.setdefault(part, {})
        node[key] = value
    document = config(spec)
    try:
        load(document)
    except ConfigError as exc:
        assert exc.results and all(r.severity == "error" or r.path for r in exc.results)
    else:
        raise AssertionError("an invalid config was accepted")
    out = io.StringIO()
    outcome = process(
        yaml.safe_dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "functionConfig": document}),
        out,
    )
    listed = yaml.safe_load(out.getvalue())
    assert outcome.exit_code == 1
    assert listed["items"] == [] and [r for r in listed["results"] if r["severity"] == "error"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@SETTINGS
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"apiVersion": st.just("config.kubernetes.io/v1"), "kind": st.just("ResourceList")},
            optional={"items": json_values, "functionConfig": json_values},
        ),
        st.fixed_dictionaries(
            {
                "apiVersion": st.just("config.kubernetes.io/v1"),
                "kind": st.just("ResourceList"),
                "functionConfig": st.fixed_dictionaries(
                    {"apiVersion": st.just("zymtrace.io/v1alpha1"), "kind": st.just("ZymtraceBackend")},
                    optional={"metadata": json_values, "spec": json_values},
                ),
            }
        ),
    )
)
def test_random_resource_lists_never_crash(value: Any) -> None:
    out = io.StringIO()
    outcome = process(yaml.safe_dump(value), out)
    assert outcome.exit_code in (0, 1)
    listed = yaml.safe_load(out.getvalue())
    assert listed["kind"] == "ResourceList"
    if outcome.exit_code == 1:
        assert any(r["severity"] == "error" for r in listed["results"])
    RENDERED.extend(
        i for i in listed["items"] if "zymtrace.io/generated-by" in (i.get("metadata") or {}).get("annotations", {})
    )


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data: bytes) -> None:
    out = io.StringIO()
    outcome = process(data, out)
    assert outcome.exit_code in (0, 1)
    assert yaml.safe_load(out.getvalue())["kind"] == "ResourceList"


_trees = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcd"), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    defaults=st.dictionaries(st.sampled_from("abcd"), _trees, max_size=4),
    overrides=st.dictionaries(st.sampled_from("abcd"), _trees, max_size=4),
)
def test_merge_values_is_deepmerges_rule(defaults: dict[str, Any], overrides: dict[str, Any]) -> None:
    """merge_values is the written-out form of a deepmerge Merger (maps merge, the rest is replaced), and
    leaves both inputs as they were."""
    import copy

    from deepmerge import Merger

    from kustomize_zymtrace.values import merge_values

    before = copy.deepcopy((defaults, overrides))
    expected = Merger([(dict, ["merge"])], ["override"], ["override"]).merge(copy.deepcopy(defaults), overrides)
    assert merge_values(defaults, overrides) == expected
    assert (defaults, overrides) == before
