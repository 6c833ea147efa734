"""Generated files are current (hack/regenerate), and the committed JSON Schema accepts what the tool accepts."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from configs import cloudsql
from helpers import ROOT, cli, config, run, tool, tool_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import AWKWARD_INTS, AWKWARD_STRINGS, valid_spec

from kustomize_zymtrace.loading import load
from kustomize_zymtrace.results import ConfigError

SCHEMA_FILE = ROOT / "schema" / "zymtracebackend-v1alpha1.schema.json"


def test_committed_schema_is_what_the_schema_command_prints() -> None:
    printed = cli("schema")
    assert printed.returncode == 0, printed.stderr
    assert SCHEMA_FILE.read_text() == printed.stdout, "schema/ is stale: run hack/regenerate"


def test_every_generated_file_is_current() -> None:
    """hack/regenerate --check rebuilds every generated file in memory (the hydrated example with kubectl)."""
    kubectl = tool("kubectl")
    env = tool_env()
    env["PATH"] = f"{kubectl.rsplit('/', 1)[0]}:{env['PATH']}"
    result = run([str(ROOT / "hack" / "regenerate"), "--check"], env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_regenerate_check_names_a_stale_file_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--check on a stale target (a scratch file here: the repository is shared by parallel tests)."""
    spec = importlib.util.spec_from_file_location("generated", ROOT / "hack" / "generated.py")
    assert spec and spec.loader
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    stale, current = tmp_path / "stale.md", tmp_path / "current.md"
    stale.write_text("edited by hand\n")
    current.write_text("as generated\n")
    targets = [generated.Target(stale, lambda: "as generated\n"), generated.Target(current, lambda: "as generated\n")]
    monkeypatch.setattr(generated, "targets", lambda: targets)
    assert generated.main(["--check", "--no-tools"]) == 1
    errors = capsys.readouterr().err
    assert "stale.md" in errors and "current.md" not in errors and "run hack/regenerate" in errors
    assert stale.read_text() == "edited by hand\n"
    assert generated.main(["--no-tools"]) == 0 and stale.read_text() == "as generated\n"


# ------------------------------------------------------------------ the schema and the tool agree

VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))


def cloudsql_at(instance: str) -> dict[str, Any]:
    return {"postgres": cloudsql(instance=instance)}


AGREEMENT = {
    "cloudsql instance": (cloudsql_at("my-project:us-central1:zymtrace-pg"), True),
    "cloudsql domain-scoped project": (cloudsql_at("example.com:my-project:us-central1:pg"), True),
    "cloudsql instance without region": (cloudsql_at("my-instance"), False),
    "cloudsql instance, uppercase": (cloudsql_at("My-Project:us-central1:pg"), False),
    "instance set in another mode": ({"postgres": {"gcp_cloudsql": {"instance": "nope"}}}, False),
    "boolean true": ({"gitops": {"protectVolumes": True}}, True),
    "quoted 'true'": ({"gitops": {"protectVolumes": "true"}}, False),
    "YAML 1.1 yes": ({"gitops": {"protectVolumes": "yes"}}, False),
    "1 for a boolean": ({"gitops": {"protectVolumes": 1}}, False),
    "quantity": ({"services": {"web": {"resources": {"limits": {"memory": "1Gi"}}}}}, True),
    "bad quantity": ({"services": {"web": {"resources": {"limits": {"memory": "lots"}}}}}, False),
    "node port": ({"services": {"gateway": {"service": {"type": "NodePort", "nodePort": 30080}}}}, True),
    "node port out of range": ({"services": {"gateway": {"service": {"nodePort": 80}}}}, False),
    "quoted node port": ({"services": {"gateway": {"service": {"nodePort": "30080"}}}}, False),
    "unknown key": ({"services": {"web": {"replicaz": 2}}}, False),
    "bad mode": ({"postgres": {"mode": "cloudsql"}}, False),
    "namespace-like prefix": ({"global": {"namePrefix": "Zym"}}, False),
}


def tool_accepts(spec: dict[str, Any]) -> bool:
    try:
        load(config(spec))
    except ConfigError:
        return False
    return True


@pytest.mark.parametrize("name", list(AGREEMENT))
def test_schema_and_tool_agree(name: str) -> None:
    spec, accepted = AGREEMENT[name]
    assert tool_accepts(spec) is accepted, f"tool: {name}"
    errors = [e.message for e in VALIDATOR.iter_errors(config(spec))]
    assert (not errors) is accepted, f"schema: {name}: {errors}"


def _leaves(tree: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(tree, dict) and tree:
        return [leaf for key, value in tree.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(tree, list) and tree:
        return [leaf for n, value in enumerate(tree) for leaf in _leaves(value, (*path, n))]
    return [path] if path else []


@st.composite
def mutated_spec(draw: st.DrawFn) -> dict[str, Any]:
    """A valid spec with a few leaves swapped for what a YAML user might write instead (quoted numbers and
    booleans, wrong types, nulls)."""
    spec = copy.deepcopy(draw(valid_spec()))
    awkward = st.one_of(
        AWKWARD_STRINGS, AWKWARD_INTS, st.booleans(), st.none(), st.sampled_from(["true", "30080", "1"])
    )
    leaves = _leaves(spec)
    for path in draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=3)) if leaves else []:
        node = spec
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = draw(awkward)
    return spec


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(spec=mutated_spec())
def test_what_the_tool_accepts_the_schema_accepts(spec: dict[str, Any]) -> None:
    """An editor never flags a config the tool renders (the tool may reject more: cross-field rules)."""
    if tool_accepts(spec):
        errors = [
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in VALIDATOR.iter_errors(config(spec))
            if not all(number_for_string(leaf) for leaf in leaves(e))
        ]
        assert not errors, errors


def leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The innermost errors, without the "or null" alternative every spec key has."""
    if error.validator != "anyOf" or not error.context:
        return [error]
    inner = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
    return [leaf for e in inner for leaf in leaves(e)] or [error]


def number_for_string(error: jsonschema.ValidationError) -> bool:
    """The one deliberate difference: the tool takes a number where a string is meant (values files say
    `tag: 17.4`, as Helm does); the editor flags it, a nudge to quote it."""
    number = isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool)
    return number and error.validator == "type" and error.validator_value == "string"
