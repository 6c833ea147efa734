"""The compiled validator (model/compiled.py) is pydantic's validator of the model, only cheaper to load:
the same schema, the same runtime types, the same results."""

from __future__ import annotations

import json
import os
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
ARTIFACT_TEXT_PATH = compiled.ARTIFACT  # the packaged file, before any test points ARTIFACT elsewhere


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


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A package directory of the test's own whose compiled.json was built for another pydantic: every
    run must rebuild or use the copy kept in the package's __pycache__. The user's cache directory points
    at an empty place the test can look into."""
    compiled._compiled.cache_clear()
    here = tmp_path / "package"
    here.mkdir(mode=0o755)
    here.chmod(0o755)
    stale = here / "compiled.json"
    stale.write_text(json.dumps({"fingerprint": "old", "defaults": {}, "schema": {}}))
    monkeypatch.setattr(compiled, "HERE", str(here))
    monkeypatch.setattr(compiled, "ARTIFACT", str(stale))
    monkeypatch.setattr(compiled, "CACHE_DIR", str(here / "__pycache__"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    yield here
    compiled._compiled.cache_clear()


def _kept(here: Path) -> Path:
    return here / "__pycache__" / f"compiled-{compiled.fingerprint()[:32]}.json"


def _no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled._compiled.cache_clear()
    monkeypatch.setattr(compiled, "build", lambda: pytest.fail("rebuilt although a kept copy exists"))


def test_a_stale_artifact_is_rebuilt_and_kept_in_the_package(monkeypatch: pytest.MonkeyPatch, package: Path) -> None:
    """Another pydantic than the packaged file was built with: the first run rebuilds from the models and
    keeps the result beside the package's bytecode, the next run reads it from there; nothing is written
    to the user's cache directory."""
    assert compiled.defaults() == default_values(Spec)
    assert compiled.validator().validate_python(config()).metadata.namespace == "zymtrace"
    assert json.loads(_kept(package).read_text()) == json.loads(json.dumps(compiled.build()))
    assert oct(_kept(package).stat().st_mode & 0o777) == oct(0o644)
    _no_rebuild(monkeypatch)
    assert type(compiled.validator().validate_python(config())) is ZymtraceBackend
    assert not (package.parent / "user-cache").exists()


def test_older_kept_copies_are_removed(package: Path) -> None:
    """Edited models or another pydantic leave no trail of copies: saving one removes the others."""
    old = package / "__pycache__" / ("compiled-" + "0" * 32 + ".json")
    old.parent.mkdir()
    old.write_text("{}")
    compiled.validator()
    assert sorted(p.name for p in old.parent.iterdir()) == [_kept(package).name]


def _poisoned(text: str) -> str:
    """The artifact with every image registry default moved to an attacker's registry."""
    assert '"ghcr.io/zystem-io"' in text
    return text.replace('"ghcr.io/zystem-io"', '"evil.example.com/x"').replace('"docker.io"', '"evil.example.com/y"')


def _registry() -> str:
    document = config()
    document["spec"] = merge_values(compiled.defaults(), document["spec"])
    return str(compiled.validator().validate_python(document).spec.global_.appImageRegistry)


def test_the_users_cache_directory_is_never_read(package: Path) -> None:
    """A shared CI cache under $XDG_CACHE_HOME (or ~/.cache) is written by other jobs: a copy planted where
    earlier versions kept it changes nothing."""
    fingerprint = compiled.fingerprint()
    planted = package.parent / "user-cache" / "kustomize-zymtrace" / f"compiled-{fingerprint[:32]}.json"
    planted.parent.mkdir(parents=True)
    planted.write_text(_poisoned(json.dumps(compiled.build())))
    assert _registry() == "ghcr.io/zystem-io"


@pytest.mark.parametrize("how", ["group-writable", "world-writable", "symlinked-dir", "symlinked-file"])
def test_a_kept_copy_others_could_write_is_not_used(
    monkeypatch: pytest.MonkeyPatch, package: Path, tmp_path: Path, how: str
) -> None:
    """The kept copy is trusted because only who can write the package can write it: a copy (or a
    __pycache__) more writable than the package directory, or a link out of the package, is rebuilt
    over, never read."""
    compiled.validator()
    kept = _kept(package)
    kept.write_text(_poisoned(kept.read_text()))
    if how == "group-writable":
        kept.chmod(0o664)
    elif how == "world-writable":
        kept.parent.chmod(0o777)
    elif how == "symlinked-dir":
        elsewhere = tmp_path / "elsewhere"
        kept.parent.rename(elsewhere)
        (package / "__pycache__").symlink_to(elsewhere)
    else:
        outside = tmp_path / "outside.json"
        kept.rename(outside)
        kept.symlink_to(outside)
    compiled._compiled.cache_clear()
    assert _registry() == "ghcr.io/zystem-io"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_kept_copy_of_another_owner_is_not_used(package: Path) -> None:
    compiled.validator()
    kept = _kept(package)
    kept.write_text(_poisoned(kept.read_text()))
    os.chown(kept, 12345, -1)
    compiled._compiled.cache_clear()
    assert _registry() == "ghcr.io/zystem-io"


def _within(seconds: float, work: Any) -> Any:
    """work() in a thread that must finish in time (a blocked open() would hang the test forever)."""
    import threading

    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return result[0]


@pytest.mark.parametrize("where", ["packaged", "kept"])
def test_a_fifo_never_hangs_a_run(monkeypatch: pytest.MonkeyPatch, package: Path, where: str) -> None:
    """A FIFO where the validator is read from (no writer ever comes) is passed over at once."""
    target = Path(compiled.ARTIFACT) if where == "packaged" else _kept(package)
    target.parent.mkdir(exist_ok=True)
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    assert _within(60, compiled.defaults) == default_values(Spec)


def test_reads_are_bounded(monkeypatch: pytest.MonkeyPatch, package: Path, tmp_path: Path) -> None:
    """A file larger than any artifact, or a device, is not read (an endless one would never end)."""
    monkeypatch.setattr(compiled, "MAX_ARTIFACT_BYTES", 1000)
    real = Path(ARTIFACT_TEXT_PATH).read_text()
    big = tmp_path / "big.json"
    big.write_text(real)
    assert compiled._read(str(big), compiled.fingerprint()) is None
    monkeypatch.setattr(compiled, "MAX_ARTIFACT_BYTES", 64 * 1024 * 1024)
    assert compiled._read(str(big), json.loads(real)["fingerprint"]) is not None
    assert _within(60, lambda: compiled._read("/dev/zero", compiled.fingerprint())) is None


def test_a_read_only_package_only_costs_time(monkeypatch: pytest.MonkeyPatch, package: Path) -> None:
    """A package directory the user cannot write (a system install): each run rebuilds, nothing is written
    anywhere else."""
    monkeypatch.setattr(compiled, "CACHE_DIR", "/proc/no-such-place/__pycache__")
    assert compiled.defaults() == default_values(Spec)
    assert not (package / "__pycache__").exists() and not (package.parent / "user-cache").exists()


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
    monkeypatch.setattr(compiled, "CACHE_DIR", str(tmp_path / "__pycache__"))
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    document = config({"services": {"web": {"replicas": 3}}})
    document["spec"] = merge_values(compiled.defaults(), document["spec"])
    assert compiled.validator().validate_python(document).spec.services.web.replicas == 3
    assert calls == []
    assert not any("os:system" in p.read_text() for p in tmp_path.rglob("compiled-*.json"))


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


def test_a_failed_cache_write_leaves_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
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
