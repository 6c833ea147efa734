"""Hypothesis strategies for configs: `valid_spec` (plausible, mostly accepted configs) and `schema_spec`
(any value the published JSON Schema allows, anywhere in the model, with awkward strings and numbers)."""

from __future__ import annotations

import contextlib
import functools
import json
import string
from typing import Any

from configs import cloudsql, s3_with_iam
from hypothesis import strategies as st

label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12).map(lambda s: f"z{s}")
env_name = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)
env_value = st.one_of(st.text(string.printable, max_size=20), st.integers(-5, 10**6), st.booleans())
tolerations = st.lists(
    st.fixed_dictionaries(
        {
            "key": label,
            "operator": st.just("Equal"),
            "value": label,
            "effect": st.sampled_from(["NoSchedule", "NoExecute"]),
        }
    ),
    max_size=2,
)


@st.composite
def hpa(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.integers(1, 4))
    return {
        "enabled": draw(st.booleans()),
        "minReplicas": low,
        "maxReplicas": draw(st.integers(low, 12)),
        "targetCPUUtilizationPercentage": draw(st.integers(1, 100)),
    }


@st.composite
def service(draw: st.DrawFn, port: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "replicas": draw(st.integers(1, 3)),
        "env": draw(st.dictionaries(env_name, env_value, max_size=3)),
        # Requests no larger than limits: the API server refuses the rest (and so does the generator).
        "resources": {
            "requests": {"cpu": draw(st.sampled_from(["100m", "250m", "1", 2])), "memory": "128Mi"},
            "limits": {"cpu": "2", "memory": draw(st.sampled_from(["128Mi", "512Mi", "1Gi", "1.5Gi"]))},
        },
        "tolerations": draw(tolerations),
        "nodeSelector": draw(st.dictionaries(label, label, max_size=2)),
        "podAnnotations": draw(st.dictionaries(label, st.text(max_size=10), max_size=2)),
    }
    if draw(st.booleans()):
        values["hpa"] = draw(hpa())
    if draw(st.booleans()):
        values["service"] = {"type": "NodePort", "nodePort": port}
    return values


@st.composite
def valid_spec(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {"global": {"namePrefix": draw(label), "dataRetentionDays": draw(st.integers(0, 400))}}
    spec["postgres"] = draw(
        st.sampled_from(
            [
                {"mode": "create", "create": {"storage": {"type": "empty_dir"}}},
                {"mode": "use_existing", "use_existing": {"host": "pg:5432", "user": "u", "passwordSecretName": "pg"}},
                {"mode": "aws_aurora", "aws_aurora": {"host": "a.rds", "user": "u", "region": "us-west-2"}},
                cloudsql(),
                cloudsql(proxy={"placement": "sidecar"}),
            ]
        )
    )
    spec["clickhouse"] = draw(
        st.sampled_from(
            [
                {"mode": "create", "create": {"storage": {"size": "50Gi", "className": "fast"}}},
                {"mode": "use_existing", "use_existing": {"host": "https://ch:8443", "user": "u", "password": "p"}},
            ]
        )
    )
    spec["storage"] = draw(
        st.sampled_from(
            [
                {"mode": "create"},
                s3_with_iam(),
                {
                    "mode": "use_existing",
                    "use_existing": {"type": "gcs", "gcs": {"accessKeySecretName": "h", "secretKeySecretName": "h"}},
                },
            ]
        )
    )
    ports = iter(range(30000, 30010))
    spec["services"] = {name: draw(service(next(ports))) for name in ("gateway", "web", "ingest", "ui")}
    spec["services"]["activateNetworkPolicies"] = draw(st.booleans())
    spec["services"]["healthProbes"] = {"liveness": draw(st.booleans()), "readiness": draw(st.booleans())}
    spec["services"]["common"] = {"hpa": draw(hpa())}
    if draw(st.booleans()):
        spec["ingress"] = {"enabled": True, "hosts": {"gateway": {"host": "zt.example.com"}}}
    spec["auth"] = draw(
        st.sampled_from(
            [
                {"type": "none"},
                {"type": "basic", "basic": {"username": "u", "passwordSecretName": "b"}},
                {"type": "local", "validation": {"issuers": ["https://zt.example.com"]}},
            ]
        )
    )
    spec["security"] = {"profile": draw(st.sampled_from(["baseline", "restricted"]))}
    spec["gitops"] = {"argocd": {"syncWaves": draw(st.booleans())}}
    spec["metricReporter"] = {"podMonitor": {"enabled": draw(st.booleans())}}
    return spec


# ------------------------------------------------------------------ from the JSON Schema

# Strings that are valid somewhere and invalid elsewhere: names, quantities, ports, hosts, paths.
AWKWARD_STRINGS = st.sampled_from(
    [
        "",
        "a",
        "zymtrace",
        "Zymtrace",
        "-a",
        "a-",
        "1abc",
        "a.b",
        "a_b",
        "a b",
        "a/b",
        "../x",
        "/abs",
        "x" * 64,
        "x" * 254,
        "0",
        "-1",
        "1e3",
        "0o17",
        "0x1F",
        "on",
        "null",
        "1.5Gi",
        "100m",
        "10Ki",
        "1Gi",
        "0.5",
        "8080",
        "99999",
        "example.com",
        "https://h.example.com:8443/p",
        "user:pw@host",
        "h:5432",
        "p:r:i",
        "30s",
        "1h",
        "Exists",
        "NoExecute",
        "é",
        "a\nb",
        "$(VAR)",
        "${VAR}",
    ]
)
AWKWARD_INTS = st.sampled_from([0, 1, -1, 2, 80, 443, 1023, 30000, 32767, 65535, 65536, 2**31 - 1, 2**31, 2**63])


def _strategy(node: dict[str, Any], defs: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "$ref" in node:
        return _strategy(defs[node["$ref"].rsplit("/", 1)[1]], defs, depth)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return st.one_of(*(_strategy(option, defs, depth) for option in node[key]))
    if "allOf" in node:
        return _strategy(node["allOf"][0], defs, depth)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if isinstance(kind, list):
        return st.one_of(*(_strategy({**node, "type": one}, defs, depth) for one in kind))
    if kind == "object" or "properties" in node:
        return _object(node, defs, depth)
    if kind == "array":
        items = node.get("items", {})
        return st.lists(_strategy(items, defs, depth + 1), max_size=2) if depth < 8 else st.just([])
    if kind == "string":
        return _string(node)
    if kind == "integer":
        return _integer(node)
    if kind == "number":
        return st.one_of(_integer(node), st.floats(allow_nan=False, allow_infinity=False, width=32))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    # Free-form (no type): the scalars and small maps a YAML user can write.
    return st.one_of(
        AWKWARD_STRINGS, AWKWARD_INTS, st.booleans(), st.dictionaries(AWKWARD_STRINGS, AWKWARD_STRINGS, max_size=2)
    )


def _object(node: dict[str, Any], defs: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    properties = node.get("properties", {})
    if properties and depth < 8:
        return st.fixed_dictionaries(
            {}, optional={key: _strategy(value, defs, depth + 1) for key, value in sorted(properties.items())}
        )
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and depth < 8:
        return st.dictionaries(AWKWARD_STRINGS, _strategy(extra, defs, depth + 1), max_size=2)
    return st.just({})


def _string(node: dict[str, Any]) -> st.SearchStrategy[str]:
    options: list[st.SearchStrategy[str]] = [AWKWARD_STRINGS]
    if "pattern" in node:
        # A pattern Python's re cannot compile leaves the awkward strings only.
        with contextlib.suppress(Exception):
            options.append(st.from_regex(node["pattern"], fullmatch=True))
    low, high = node.get("minLength", 0), node.get("maxLength")
    return st.one_of(*options).filter(lambda s: len(s) >= low and (high is None or len(s) <= high))


def _integer(node: dict[str, Any]) -> st.SearchStrategy[int]:
    low, high = node.get("minimum"), node.get("maximum")
    ranged = st.integers(low, high)
    edges = AWKWARD_INTS.filter(lambda n: (low is None or n >= low) and (high is None or n <= high))
    return st.one_of(ranged, edges)


@functools.cache
def _spec_schema() -> tuple[str, str]:
    from kustomize_zymtrace.schema import json_schema

    schema = json_schema()
    return json.dumps(schema["properties"]["spec"]), json.dumps(schema.get("$defs", {}))


def schema_spec() -> st.SearchStrategy[dict[str, Any]]:
    """A random part of the spec: any subset of sections, any values the JSON Schema allows."""
    spec, defs = (json.loads(text) for text in _spec_schema())
    return _strategy(spec, defs, 0)


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
