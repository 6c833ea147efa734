"""The compiled validator (model/compiled.py) is pydantic's validator of the model, only cheaper to load:
the same schema, the same runtime types, the same results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, config
from hypothesis import HealthCheck, given, settings
from pydantic import TypeAdapter
from strategies import schema_spec, valid_spec

from kustomize_zymtrace.loading import load
from kustomize_zymtrace.model import ZymtraceBackend, compiled
from kustomize_zymtrace.model.backend import Spec
from kustomize_zymtrace.model.base import Strict
from kustomize_zymtrace.model.defaults import default_values, field_model, model_fields
from kustomize_zymtrace.values import is_section, merge_values, strip_nulls

THROUGH_PYDANTIC = TypeAdapter(ZymtraceBackend).validate_python

CASES = sorted(ROOT.glob("tests/cases/*/config.yaml"))


def plain(value: Any) -> Any:
    """A validated config as plain data, each section with the name of its class."""
    if is_section(value):
        return {"$class": type(value).__qualname__, **{k: plain(v) for k, v in vars(value).items()}}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.fixture
def fresh() -> Iterator[None]:
    """The loaded validator forgotten before and after: the test chooses which file it comes from."""
    compiled._compiled.cache_clear()
    yield
    compiled._compiled.cache_clear()


def _with_defaults(document: dict[str, Any]) -> dict[str, Any]:
    """A config as loading validates it: the chart's defaults under its spec, nulls removed."""
    document["spec"] = strip_nulls(merge_values(default_values(Spec), document.get("spec") or {}))
    return document


def test_committed_artifact_is_current() -> None:
    current = json.loads(Path(compiled.ARTIFACT).read_text())
    assert current["fingerprint"] == compiled.fingerprint(), (
        "kustomize_zymtrace/model/compiled.json is stale: "
        "python -m kustomize_zymtrace.model.compiled > kustomize_zymtrace/model/compiled.json"
    )
    assert current == json.loads(json.dumps(compiled.build())), "regenerate compiled.json (same command)"


def test_defaults_equal_the_models() -> None:
    assert compiled.defaults() == default_values(Spec)


@pytest.mark.parametrize("case", CASES, ids=[p.parent.name for p in CASES])
def test_compiled_and_model_validation_agree(case: Path) -> None:
    document = _with_defaults(yaml.safe_load(case.read_text()))
    through_models = plain(THROUGH_PYDANTIC(document))
    through_compiled = plain(compiled.validator().validate_python(document))
    assert through_compiled == through_models


def test_errors_agree() -> None:
    from pydantic_core import ValidationError

    document = config({"postgres": {"mode": "x"}, "services": {"web": {"replicas": 0, "bogus": 1}}})
    document["spec"] = merge_values(default_values(Spec), document["spec"])
    errors = []
    for validate in (THROUGH_PYDANTIC, compiled.validator().validate_python):
        with pytest.raises(ValidationError) as caught:
            validate(document)
        errors.append(sorted((e["type"], e["loc"]) for e in caught.value.errors()))
    assert errors[0] == errors[1] and len(errors[0]) == 3


@pytest.mark.usefixtures("fresh")
def test_a_stale_artifact_is_rebuilt_and_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Another pydantic than the packaged file was built with: the first run rebuilds from the models and
    keeps the result in the cache directory, the next run reads it from there."""
    stale = tmp_path / "compiled.json"
    stale.write_text(json.dumps({"fingerprint": "old", "defaults": {}, "schema": {}}))
    monkeypatch.setattr(compiled, "ARTIFACT", str(stale))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cached = Path(compiled.cache_file(compiled.fingerprint()))
    assert compiled.defaults() == default_values(Spec)
    assert compiled.validator().validate_python(config()).metadata.namespace == "zymtrace"
    assert json.loads(cached.read_text()) == json.loads(json.dumps(compiled.build()))
    compiled._compiled.cache_clear()
    monkeypatch.setattr(compiled, "build", lambda: pytest.fail("rebuilt although a cached copy exists"))
    assert type(compiled.validator().validate_python(config())) is ZymtraceBackend


@pytest.mark.usefixtures("fresh")
def test_a_read_only_cache_only_costs_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(compiled, "ARTIFACT", str(tmp_path / "missing.json"))
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-place")
    assert compiled.defaults() == default_values(Spec)


@pytest.mark.usefixtures("fresh")
def test_the_artifact_names_only_the_packages_own_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A tampered copy that names a function outside the package (here os.system as a validator) is not
    loaded: the models are used instead."""
    artifact = json.loads(Path(compiled.ARTIFACT).read_text())
    text = json.dumps(artifact).replace('"kustomize_zymtrace.model.scalars:integer"', '"os:system"')
    assert '"os:system"' in text
    tampered = tmp_path / "compiled.json"
    tampered.write_text(text)
    monkeypatch.setattr(compiled, "ARTIFACT", str(tampered))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    import os

    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    document = config({"services": {"web": {"replicas": 3}}})
    document["spec"] = merge_values(compiled.defaults(), document["spec"])
    assert compiled.validator().validate_python(document).spec.services.web.replicas == 3
    assert calls == []
    assert not any("os:system" in p.read_text() for p in (tmp_path / "cache").rglob("*.json"))


def test_fingerprint_covers_pydantic_and_pydantic_core_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    import pydantic_core

    before = compiled.fingerprint()
    monkeypatch.setattr(pydantic_core, "__version__", "0.0.0-other")
    assert compiled.fingerprint() != before


def _both(document: dict[str, Any]) -> tuple[Any, Any]:
    """(result, or error list) through the models and through the artifact."""
    from pydantic_core import ValidationError

    out = []
    for validate in (THROUGH_PYDANTIC, compiled.validator().validate_python):
        try:
            out.append(("ok", plain(validate(document))))
        except ValidationError as exc:
            out.append(("error", sorted((e["type"], e["loc"], e["msg"]) for e in exc.errors())))
    return out[0], out[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=valid_spec())
def test_property_identical_results_on_valid_configs(spec: dict[str, Any]) -> None:
    models, artifact = _both(_with_defaults(config(spec)))
    assert models == artifact


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=schema_spec())
def test_property_identical_results_on_schema_shaped_configs(spec: dict[str, Any]) -> None:
    """Configs drawn from the JSON Schema (valid or not): the same objects or the same errors."""
    models, artifact = _both(_with_defaults(config(spec)))
    assert models == artifact


def _sections(section: Any, path: str) -> list[tuple[str, Any, type[Strict]]]:
    """(path, value, declared class) of every section-typed field under `section`, recursively."""
    found = []
    for name, field in model_fields(type(section)).items():
        declared = field_model(field.annotation)
        value = getattr(section, name)
        if declared is None or value is None:
            continue
        for index, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
            where = f"{path}.{name}" + (f"[{index}]" if index is not None else "")
            found.append((where, item, declared))
            found += _sections(item, where)
    return found


@pytest.mark.parametrize("case", CASES, ids=[p.parent.name for p in CASES])
def test_loading_returns_the_model_types(case: Path) -> None:
    """What load() returns is a ZymtraceBackend whose every section is an instance of the class its field
    declares (so type checkers, methods and isinstance tell the truth), with every field set."""
    backend, _ = load(yaml.safe_load(case.read_text()))
    assert type(backend) is ZymtraceBackend
    sections = _sections(backend, "")
    assert len(sections) > 50
    for where, value, declared in sections:
        assert isinstance(value, declared), f"{where}: {type(value).__name__} is not a {declared.__name__}"
        assert set(vars(value)) == set(model_fields(type(value))), where


def test_sections_are_the_model_dataclasses() -> None:
    """Standard dataclass tools and the sections' own methods work on what load() returns."""
    import dataclasses

    backend, _ = load(config({"services": {"web": {"replicas": 3}}}))
    web = backend.spec.services.web
    assert dataclasses.is_dataclass(web)
    assert {f.name for f in dataclasses.fields(web)} == set(vars(web))
    assert "replicas=3" in repr(web)


def test_the_packaged_artifact_is_used_as_it_is() -> None:
    """Every class and function the committed file names resolves (else each run would rebuild)."""
    assert compiled._read(compiled.ARTIFACT, compiled.fingerprint()) is not None


def test_an_attribute_chain_cannot_reach_past_the_model(tmp_path: Path) -> None:
    """`compiled:os.system` names a module of the package, then walks to what it imported: refused."""
    artifact = json.loads(Path(compiled.ARTIFACT).read_text())
    for target in ("kustomize_zymtrace.model.compiled:os.system", "kustomize_zymtrace.cli:main"):
        text = json.dumps(artifact).replace("kustomize_zymtrace.model.scalars:env_value", target)
        assert target in text
        path = tmp_path / "compiled.json"
        path.write_text(text)
        assert compiled._read(str(path), artifact["fingerprint"]) is None, target


def test_no_cache_without_an_absolute_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HOME unset and no passwd entry: expanduser gives "~" back, which must not become ./~/.cache."""
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(compiled.os.path, "expanduser", lambda path: path)
    assert compiled.cache_file("0" * 64) is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG rule: a relative value is ignored
    assert compiled.cache_file("0" * 64) is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compiled.cache_file("0" * 64) == str(tmp_path / "kustomize-zymtrace" / f"compiled-{'0' * 32}.json")


def test_a_failed_cache_write_leaves_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compiled.os, "replace", refuse)
    compiled._save(str(tmp_path / "cache" / "compiled-x.json"), "{}")
    assert os.listdir(tmp_path / "cache") == []


def test_sections_can_be_built_in_code() -> None:
    """The constructor type checkers see exists: keyword arguments are validated as a config is, the rest
    take their defaults, and dataclasses.replace works."""
    import dataclasses

    from pydantic import ValidationError

    from kustomize_zymtrace.model.base import Image

    image = Image(repository="ghcr.io/example/app", tag="1.2")
    assert (image.repository, image.tag) == ("ghcr.io/example/app", "1.2")
    assert dataclasses.replace(image, tag="1.3").tag == "1.3"
    defaults, _ = load(config())
    assert plain(Spec()) == plain(defaults.spec)
    with pytest.raises(ValidationError):
        Image(repository="Not A Repository")
