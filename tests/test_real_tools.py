"""The README's commands through the pinned real tools (hack/install-tools): standalone kustomize (both
pinned v5 releases) with the legacy plugin and with the KRM exec function, and Flux's own build of the
hydrated stages. Every check compares rendered objects, never only an exit code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import (
    PLUGIN_HOME,
    ROOT,
    docs,
    first_in_short_run,
    kinds,
    kustomize_build,
    record,
    run,
    tool,
    tool_env,
    tools_versions,
)

DIRECTORIES = ["base", "overlays/create", "overlays/use_existing", "overlays/gcp_cloudsql", "overlays/gke"]
KUSTOMIZES = ["kustomize", f"kustomize-{tools_versions()['KUSTOMIZE_KUBECTL_VERSION']}"]
FLUX = ROOT / "examples" / "flux"


def canonical(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects)


def standalone(kustomize: str, directory: Path, *flags: str) -> list[dict[str, Any]]:
    result = run(
        [tool(kustomize), "build", *flags, str(directory)],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
    )
    assert result.returncode == 0, result.stderr
    objects = docs(result.stdout)
    assert objects, f"{kustomize} build {directory} rendered nothing"
    return record(objects)


@pytest.mark.parametrize("kustomize", first_in_short_run(KUSTOMIZES))
@pytest.mark.parametrize("directory", DIRECTORIES)
def test_standalone_kustomize_builds_what_kubectl_builds(kustomize: str, directory: str) -> None:
    """The README's command, `kustomize build --enable-alpha-plugins DIR`, with each pinned kustomize."""
    built = standalone(kustomize, ROOT / directory, "--enable-alpha-plugins")
    assert canonical(built) == canonical(kustomize_build(ROOT / directory))
    assert kinds(built)["Deployment"] >= 6


@pytest.mark.parametrize("kustomize", KUSTOMIZES)
def test_krm_exec_function_through_standalone_kustomize(kustomize: str) -> None:
    """examples/kustomize-krm runs the generator as an `exec:` KRM function: the same objects as base/."""
    built = standalone(kustomize, ROOT / "examples" / "kustomize-krm", "--enable-alpha-plugins", "--enable-exec")
    assert len(built) == 41
    assert canonical(built) == canonical(kustomize_build(ROOT / "base"))


@pytest.mark.parametrize("kustomize", KUSTOMIZES)
def test_krm_exec_function_without_enable_exec_renders_nothing_silently(kustomize: str) -> None:
    """The trap the README warns about: without --enable-exec, standalone kustomize skips the function
    as kubectl does, with exit 0 and no output at all."""
    result = run(
        [tool(kustomize), "build", "--enable-alpha-plugins", str(ROOT / "examples" / "kustomize-krm")],
        env=tool_env(),
    )
    assert result.returncode == 0 and result.stdout.strip() == ""


def flux_kustomizations() -> dict[str, dict[str, Any]]:
    text = (FLUX / "clusters" / "production" / "zymtrace.yaml").read_text()
    return {d["metadata"]["name"]: d for d in docs(text) if d["kind"] == "Kustomization"}


FLUX_LABELS = ("kustomize.toolkit.fluxcd.io/name", "kustomize.toolkit.fluxcd.io/namespace")


def secret_keys_only(obj: dict[str, Any]) -> dict[str, Any]:
    """flux build masks Secret values in what it prints: compare which keys a Secret holds."""
    if obj["kind"] == "Secret":
        for field in ("data", "stringData"):
            if field in obj:
                obj[field] = dict.fromkeys(obj[field], "")
    return obj


def without_flux_labels(obj: dict[str, Any]) -> dict[str, Any]:
    labels = obj["metadata"].get("labels", {})
    for key in FLUX_LABELS:
        labels.pop(key, None)
    if not labels:
        obj["metadata"].pop("labels", None)
    return obj


def flux_build(kustomization: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    """`flux build kustomization --dry-run`: offline, the way the controller builds its path.

    Flux rewrites the kustomization file in the directory it builds while it runs (and restores it
    after), so it builds a copy: other tests read the committed directory at the same time."""
    spec_file = tmp_path / "kustomization.yaml"
    spec_file.write_text(yaml.safe_dump(kustomization))
    copy = tmp_path / "source"
    shutil.copytree(ROOT / kustomization["spec"]["path"], copy)
    name, path = kustomization["metadata"]["name"], str(copy)
    command = ["build", "kustomization", name, "--path", path, "--kustomization-file", str(spec_file), "--dry-run"]
    result = run([tool("flux"), *command], env=tool_env())
    assert result.returncode == 0, result.stderr
    return docs(result.stdout)


@pytest.mark.parametrize("name", sorted(flux_kustomizations()))
def test_flux_build_of_each_hydrated_stage_equals_the_plugin_build(name: str, tmp_path: Path) -> None:
    """`flux build kustomization` (offline, as the controller builds) of every stage the example applies."""
    kustomization = flux_kustomizations()[name]
    path = ROOT / kustomization["spec"]["path"]
    built = [without_flux_labels(o) for o in flux_build(kustomization, tmp_path)]
    stage = {(o["kind"], o["metadata"]["name"]) for o in built}
    if name == "zymtrace-prerequisites":  # what a user adds next to the overlay: empty in the example
        assert not stage and not [p for p in path.glob("*.yaml") if p.name != "kustomization.yaml"]
        return  # tests/test_gitops_delivery.py builds it with ExternalSecrets in it
    assert stage, f"flux build {name} rendered nothing"
    plugin = [o for o in kustomize_build(ROOT / "overlays" / "gke") if (o["kind"], o["metadata"]["name"]) in stage]
    record(built)
    assert canonical([secret_keys_only(o) for o in built]) == canonical([secret_keys_only(o) for o in plugin])
    assert {p.stem for p in path.glob("*.yaml")} - {"kustomization"} == {
        f"{kind.lower()}_{obj_name}" for kind, obj_name in stage
    }


def test_flux_spec_images_changes_a_job_the_finisher_cannot_see_and_the_job_is_forced(tmp_path: Path) -> None:
    """Flux applies spec.images after its build, where no finishing pass runs: the migrate Job keeps its
    name with a new image. The safety net is on every Job we generate: Flux's force annotation makes
    Flux recreate it instead of failing on the immutable template, so it runs once more."""
    kustomization = flux_kustomizations()["zymtrace-migrate"]
    kustomization["spec"]["images"] = [{"name": "ghcr.io/zystem-io/zymtrace-pub-backend", "newTag": "99.0.0"}]
    path = ROOT / kustomization["spec"]["path"]
    jobs = {o["metadata"]["name"]: o for o in flux_build(kustomization, tmp_path) if o["kind"] == "Job"}
    migrate = next(job for name, job in jobs.items() if name.startswith("zymtrace-migrate-"))
    assert migrate["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":99.0.0")
    assert migrate["metadata"]["name"] in {p.stem.split("_", 1)[1] for p in path.glob("job_*.yaml")}
    assert all(
        job["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/force"] == "enabled" for job in jobs.values()
    )
