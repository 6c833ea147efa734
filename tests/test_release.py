"""Release plumbing: one version source, the release and image workflows' essentials."""

from __future__ import annotations

import importlib.metadata

import tomllib
import yaml
from helpers import ROOT, cli

import kustomize_zymtrace

WORKFLOWS = ROOT / ".github" / "workflows"


def test_one_version_source() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert importlib.metadata.version("kustomize-zymtrace") == kustomize_zymtrace.__version__
    assert cli("--version").stdout.split() == ["kustomize-zymtrace", kustomize_zymtrace.__version__]


def test_release_workflow_checks_the_wheel_and_publishes_with_trusted_publishing() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "release.yaml").read_text())
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert any(step.get("run", "").startswith("hack/check-wheel") for step in build["steps"])
    assert publish["permissions"] == {"id-token": "write"} and publish["needs"] == "build"
    assert any(step.get("uses", "").startswith("pypa/gh-action-pypi-publish") for step in publish["steps"])
    assert not any("password" in (step.get("with") or {}) for step in publish["steps"]), "no API token"


def test_image_workflow_is_multi_arch_and_requires_a_digest() -> None:
    steps = yaml.safe_load((WORKFLOWS / "image.yaml").read_text())["jobs"]["image"]["steps"]
    build = next(step for step in steps if step.get("uses", "").startswith("docker/build-push-action"))
    assert set(build["with"]["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert any("@sha256:" in step.get("run", "") for step in steps), "the digest check"
    assert any("--read-only" in step.get("run", "") and "65534" in step.get("run", "") for step in steps)
