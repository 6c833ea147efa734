"""Whatever the generator accepts, the API server accepts (hypothesis; the real kube-apiserver judges).

Configs are a plausible base (`valid_spec`) overlaid with a random part of the whole model drawn from
the published JSON Schema with awkward strings and numbers. Rejected configs are fine (that is the
validation working); an accepted config whose objects the API server refuses is a validation gap.
PROPERTY_EXAMPLES raises the count: .ci/run hunts with 300 after the README's short run.
"""

from __future__ import annotations

import os
from typing import Any

from apiserver import ApiServer
from helpers import config
from hypothesis import HealthCheck, given, note, settings
from strategies import deep_merge, schema_spec, valid_spec

from kustomize_zymtrace.loading import load
from kustomize_zymtrace.render import render
from kustomize_zymtrace.results import ConfigError

NAMESPACE = "property"
SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def rejected_by_api_server(apiserver: ApiServer, spec: dict[str, Any]) -> list[str] | None:
    """None when the generator refuses the config; else what the API server refused (dry run)."""
    try:
        backend, _ = load(config(spec, namespace=NAMESPACE))
        objects = render(backend)
    except ConfigError:
        return None
    results = apiserver.apply_all(objects, dry_run=True)
    return [f"{r.ref}: {r.message}" for r in results if not r.ok]


@SETTINGS
@given(base=valid_spec(), extra=schema_spec())
def test_whatever_the_generator_accepts_the_api_server_accepts(
    apiserver: ApiServer, base: dict[str, Any], extra: dict[str, Any]
) -> None:
    apiserver.namespace(NAMESPACE)
    spec = deep_merge(base, extra)
    note(f"spec: {spec}")
    rejected = rejected_by_api_server(apiserver, spec)
    assert not rejected, "accepted by the generator, rejected by the API server:\n" + "\n".join(rejected)
