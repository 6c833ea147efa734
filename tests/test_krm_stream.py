"""KRM mode renders instances one at a time (only their compressed text is kept until all have passed),
and copies kept items' text from the input instead of re-writing them with ruamel.yaml."""

from __future__ import annotations

import io

import yaml
from helpers import config

from kustomize_zymtrace import emitter
from kustomize_zymtrace.krm import process

MARK = "zymtrace.io/generated-by"
HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"


def _run(text: str) -> tuple[int, str, list[str]]:
    out = io.StringIO()
    outcome = process(text, out)
    return outcome.exit_code, out.getvalue(), outcome.messages


def _owners(text: str) -> list[str]:
    items = yaml.safe_load(text)["items"]
    return [i["metadata"]["annotations"][MARK] for i in items if MARK in (i["metadata"].get("annotations") or {})]


def _instances(*specs: dict | None) -> list[dict]:
    return [
        config({"global": {"namePrefix": f"p{n}"}, **(spec or {})}, name=f"z{n}", namespace=f"ns{n}")
        for n, spec in enumerate(specs)
    ]


def test_instances_stream_out_in_order_each_once() -> None:
    code, out, messages = _run(HEADER + emitter.dump(_instances(None, None, None)))
    assert code == 0, messages
    assert _owners(out) == ["ns0/z0"] * 41 + ["ns1/z1"] * 41 + ["ns2/z2"] * 41
    kinds = [i["kind"] for i in yaml.safe_load(out)["items"]]
    assert kinds[:3] == ["ZymtraceBackend"] * 3  # the configs kept, before the generated objects


def test_every_failing_instance_is_reported_and_nothing_is_generated() -> None:
    """The first and last instances are invalid, the one between renders: no generated item at all,
    the input items unchanged, and the errors of both invalid instances."""
    bad = {"postgres": {"mode": "not-a-mode"}}
    configs = _instances(bad, None, {"services": {"web": {"replicas": "many"}}})
    code, out, messages = _run(HEADER + emitter.dump(configs))
    assert code == 1
    assert _owners(out) == []
    output = yaml.safe_load(out)
    assert output["items"] == configs
    errors = [r for r in output["results"] if r["severity"] == "error"]
    assert {(r["resourceRef"]["name"], r["field"]["path"]) for r in errors} == {
        ("z0", "spec.postgres.mode"),
        ("z2", "spec.services.web.replicas"),
    }
    assert len([m for m in messages if m.startswith("[error]")]) == 2


def test_a_collision_stops_the_output_and_names_the_first_pair() -> None:
    first, second, third = _instances(None, None, None)
    second["spec"]["global"]["namePrefix"] = "p0"
    second["metadata"]["namespace"] = "ns0"  # same objects as the first instance
    code, out, messages = _run(HEADER + emitter.dump([first, second, third]))
    assert code == 1 and _owners(out) == []
    assert len(messages) == 1
    assert messages[0].startswith("[error]") and "ZymtraceBackend ns0/z0 and ZymtraceBackend ns0/z1 both" in messages[0]
    # A config error in a later instance: its error is reported (not the collision, which valid
    # instances alone may not have).
    third["spec"]["postgres"] = {"mode": "not-a-mode"}
    code, out, messages = _run(HEADER + emitter.dump([first, second, third]))
    assert code == 1 and _owners(out) == []
    assert len(messages) == 1 and "spec.postgres.mode" in messages[0] and "both generate" not in messages[0]
