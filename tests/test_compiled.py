"""The compiled validator (model/compiled.py) is the pydantic models' validator, only cheaper to load: the
same schema, the same runtime types, the same results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, config
from hypothesis import HealthCheck, given, settings
from strategies import schema_spec, valid_spec

from kustomize_zymtrace.model import ZymtraceBackend, compiled
from kustomize_zymtrace.model.backend import Spec
from kustomize_zymtrace.model.defaults import default_values
from kustomize_zymtrace.values import merge_values, strip_nulls

CASES = sorted(ROOT.glob("tests/cases/*/config.yaml"))


def plain(value: Any) -> Any:
    """Sections and pydantic models alike, as plain data."""
    if hasattr(value, "model_dump"):
        return plain(value.model_dump())
    if hasattr(value, "__pydantic_fields_set__"):
        return {k: plain(v) for k, v in vars(value).items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_committed_artifact_is_current() -> None:
    current = json.loads(compiled.ARTIFACT.read_text())
    assert current["fingerprint"] == compiled.fingerprint(), (
        "kustomize_zymtrace/model/compiled.json is stale: "
        "python -m kustomize_zymtrace.model.compiled > kustomize_zymtrace/model/compiled.json"
    )
    assert current == json.loads(json.dumps(compiled.build())), "regenerate compiled.json (same command)"


def test_defaults_equal_the_models() -> None:
    assert compiled.defaults() == default_values(Spec)


@pytest.mark.parametrize("case", CASES, ids=[p.parent.name for p in CASES])
def test_compiled_and_model_validation_agree(case: Path) -> None:
    document = yaml.safe_load(case.read_text())
    document["spec"] = strip_nulls(merge_values(default_values(Spec), document.get("spec") or {}))
    through_models = plain(ZymtraceBackend.model_validate(document))
    through_compiled = plain(compiled.validator().validate_python(document))
    assert through_compiled == through_models


def test_errors_agree() -> None:
    from pydantic_core import ValidationError

    document = config({"postgres": {"mode": "x"}, "services": {"web": {"replicas": 0, "bogus": 1}}})
    document["spec"] = merge_values(default_values(Spec), document["spec"])
    errors = []
    for validate in (ZymtraceBackend.model_validate, compiled.validator().validate_python):
        with pytest.raises(ValidationError) as caught:
            validate(document)
        errors.append(sorted((e["type"], e["loc"]) for e in caught.value.errors()))
    assert errors[0] == errors[1] and len(errors[0]) == 3


def test_a_stale_artifact_falls_back_to_the_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stale = tmp_path / "compiled.json"
    stale.write_text(json.dumps({"fingerprint": "old", "defaults": {}, "schema": {}}))
    monkeypatch.setattr(compiled, "ARTIFACT", stale)
    compiled._compiled.cache_clear()
    try:
        assert compiled.defaults() == default_values(Spec)
        assert compiled.validator().validate_python(config()).metadata.namespace == "zymtrace"
    finally:
        compiled._compiled.cache_clear()


def test_fingerprint_covers_pydantic_and_pydantic_core_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    import pydantic_core

    before = compiled.fingerprint()
    monkeypatch.setattr(pydantic_core, "__version__", "0.0.0-other")
    assert compiled.fingerprint() != before


def _both(document: dict[str, Any]) -> tuple[Any, Any]:
    """(result, or error list) through the models and through the artifact."""
    from pydantic_core import ValidationError

    out = []
    for validate in (ZymtraceBackend.model_validate, compiled.validator().validate_python):
        try:
            out.append(("ok", plain(validate(document))))
        except ValidationError as exc:
            out.append(("error", sorted((e["type"], e["loc"], e["msg"]) for e in exc.errors())))
    return out[0], out[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=valid_spec())
def test_property_identical_results_on_valid_configs(spec: dict[str, Any]) -> None:
    document = config(spec)
    document["spec"] = strip_nulls(merge_values(default_values(Spec), document["spec"]))
    models, artifact = _both(document)
    assert models == artifact


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=schema_spec())
def test_property_identical_results_on_schema_shaped_configs(spec: dict[str, Any]) -> None:
    """Configs drawn from the JSON Schema (valid or not): the same objects or the same errors."""
    document = config(spec)
    document["spec"] = strip_nulls(merge_values(default_values(Spec), document["spec"]))
    models, artifact = _both(document)
    assert models == artifact
