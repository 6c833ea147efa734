"""Release plumbing: one version source, the release and image workflows' essentials."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib
import yaml
from helpers import ROOT, TOOLS_BIN, cli, run, tool, tool_env, tools_versions

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


# ------------------------------------------------------------------ pull requests, the changelog, the licence


def test_pull_requests_run_ci_run_with_the_tools_cached() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "ci.yaml").read_text())
    triggers = workflow[True]  # PyYAML reads the key `on` as the boolean true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    (job,) = workflow["jobs"].values()
    runs = [step.get("run", "") for step in job["steps"]]
    assert runs[-1] == "bash .ci/run"
    cache = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == "~/.cache/kustomize-zymtrace/tools"
    assert "hashFiles('hack/tools.versions', 'hack/install-tools')" in cache["with"]["key"]
    kpt = next(run for run in runs if "kpt_linux_amd64" in run)
    assert "sha256sum --check" in kpt and ". hack/tools.versions" in kpt
    assert job["timeout-minutes"] <= 90


WORKFLOW_FILES = [
    *sorted(WORKFLOWS.glob("*.yaml")),
    ROOT / "examples" / "flux" / "ci-workflow.yaml",
    ROOT / "examples" / "github" / "diff-comment.yaml",
]


def test_every_workflow_passes_the_pinned_actionlint(tmp_path: Path) -> None:
    actionlint = tool("actionlint")
    assert len(WORKFLOW_FILES) >= 5
    result = run([actionlint, "-no-color", *map(str, WORKFLOW_FILES)], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    said = run([actionlint, "-version"]).stdout
    assert tools_versions()["ACTIONLINT_VERSION"] in said, said
    broken = tmp_path / "broken.yaml"  # the linter is awake: an undefined step output fails it
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.none.outputs.x }}\n"
    )
    failed = run([actionlint, "-no-color", str(broken)])
    assert failed.returncode == 1 and "steps.none" in failed.stdout


def test_the_changelog_has_upgrade_notes_for_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert sections and sections[0].startswith(kustomize_zymtrace.__version__ + " "), "newest first: this version"
    current = sections[0]
    assert "### Upgrade notes" in current
    notes = current.split("### Upgrade notes", 1)[1].split("\n### ", 1)[0]
    for change in ("`data`", "`Kustomization`", "Quote the text", "finishing transformer", "status 141"):
        assert change in notes, change
    assert "`security.networkPolicies.isolate`" in current and "`kustomize-zymtrace init" in current


def test_the_licence_is_the_one_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text


def test_shtab_stays_out_of_the_render_path() -> None:
    """The completion library is a dependency of `completion` only: a render never imports it."""
    probe = (
        "import sys; from kustomize_zymtrace.cli import main; "
        f"code = main(['render', {str(ROOT / 'base' / 'generator' / 'zymtrace.yaml')!r}]); "
        "sys.stderr.write('shtab' in sys.modules and 'LOADED' or 'absent')"
    )
    result = run([sys.executable, "-c", probe])
    assert result.returncode == 0 and result.stderr.endswith("absent"), result.stderr[-300:]


# ------------------------------------------------------------------ .ci/run and hack/install-tools


def _scratch_checkout(tmp_path: Path) -> Path:
    """A copy of the checkout's scripts as a git repository (what .ci/run and install-tools need)."""
    copy = tmp_path / "checkout"
    for part in (".ci", "hack"):
        shutil.copytree(ROOT / part, copy / part)
    (copy / "README.md").write_text("a file of the checkout\n")
    subprocess.run(["git", "init", "-q", str(copy)], check=True)
    return copy


def test_ci_run_leaves_the_developers_venv_alone(tmp_path: Path) -> None:
    """With a .venv in the checkout, .ci/run runs in a copy (removed afterwards), not in place. Its first
    step is made to fail here, reporting where it ran: the whole run is not needed to see where."""
    copy = _scratch_checkout(tmp_path)
    (copy / ".venv" / "bin").mkdir(parents=True)
    (copy / ".venv" / "bin" / "marker").write_text("the developer's environment\n")
    (copy / "hack" / "install-tools").write_text('#!/bin/sh\necho "ran in $PWD"; ls -a; exit 7\n')
    result = run(["bash", ".ci/run"], cwd=copy, env={**tool_env(), "TMPDIR": str(tmp_path)})
    assert result.returncode == 7, result.stdout + result.stderr
    where = re.search(r"ran in (\S+)", result.stdout)
    assert where and Path(where.group(1)) != copy and "kustomize-zymtrace-ci." in where.group(1)
    assert ".venv" not in result.stdout.split("ran in", 1)[1] and "README.md" in result.stdout
    assert (copy / ".venv" / "bin" / "marker").read_text() == "the developer's environment\n"
    assert not Path(where.group(1)).exists(), "the copy is removed at the end"


def _fake_go(bin_dir: Path) -> None:
    """A stand-in Go toolchain for the progress test: `go install` takes 3 s and leaves a cyclonus that
    reports the pinned version."""
    bin_dir.mkdir()
    version = tools_versions()["CYCLONUS_VERSION"]
    (bin_dir / "go").write_text(
        "#!/bin/sh\n"
        'case "$1 $2" in\n'
        '  "env GOVERSION") echo go1.26.0 ;;\n'
        f'  install*) sleep 3; printf \'#!/bin/sh\\necho "Cyclonus version: {version}"\\n\' > "$GOBIN/cyclonus"; '
        'chmod +x "$GOBIN/cyclonus" ;;\n'
        "esac\n"
    )
    (bin_dir / "go").chmod(0o755)


def test_install_tools_says_how_long_a_first_build_takes_and_reports_progress(tmp_path: Path) -> None:
    copy = _scratch_checkout(tmp_path)
    _fake_go(tmp_path / "go-bin")
    env = {
        "PATH": f"{tmp_path / 'go-bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KZ_TOOLS_CACHE": str(tmp_path / "cache"),
        "KZ_TOOLS_PROGRESS_SECONDS": "1",
    }
    result = run(["hack/install-tools", "cyclonus"], cwd=copy, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "first build on this machine: cyclonus from Go modules, about 3 min of building" in lines[0]
    assert "the whole first run took 38 min there" in result.stderr
    progress = [line for line in lines if "still building cyclonus" in line]
    assert progress and "(the first build took 137 s on a loaded 2-core machine)" in progress[0], lines
    assert any(line.startswith("install-tools: built cyclonus") for line in lines)
    assert (copy / ".tools" / "bin" / "cyclonus").is_file()
    again = run(["hack/install-tools", "cyclonus"], cwd=copy, env=env, timeout=60)
    assert again.returncode == 0 and "first build" not in again.stderr and "building" not in again.stderr


def test_install_tools_needs_go_only_to_build(tmp_path: Path) -> None:
    """Everything in the per-user cache: a clone installs it without Go. Nothing there: it says what a
    first build takes, then that Go is needed."""
    installed = ["kustomize", "kubectl", "kube-apiserver", "etcd", "flux", "helm", "actionlint"]
    for name in installed:
        tool(name)  # the cache holds what .tools/bin holds: hack/install-tools ran here
    copy = _scratch_checkout(tmp_path)
    kpt = shutil.which("kpt", path=tool_env()["PATH"] + f":{TOOLS_BIN}")
    env = {"PATH": f"{Path(kpt).parent if kpt else '/usr/bin'}:/usr/bin:/bin", "HOME": os.environ["HOME"]}
    env.update({key: os.environ[key] for key in ("KZ_TOOLS_CACHE", "XDG_CACHE_HOME") if key in os.environ})
    assert not shutil.which("go", path=env["PATH"]), "Go must be out of reach for this test"
    names = ["kustomize", "kustomize-kubectl", "kubernetes", "etcd", "flux", "helm", "cyclonus", "actionlint"]
    names += ["crds", "argocd-crds"]
    result = run(["hack/install-tools", *names], cwd=copy, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Go is required" not in result.stderr and "first build" not in result.stderr
    for name in installed:
        assert (copy / ".tools" / "bin" / name).is_file(), name
    assert len(list((copy / ".tools" / "crds").glob("*.yaml"))) == 4
    empty = run(["hack/install-tools", "helm"], cwd=copy, env={**env, "KZ_TOOLS_CACHE": str(tmp_path / "empty")})
    assert empty.returncode == 0, "helm is installed in .tools already: nothing to build"
    (copy / ".tools" / "stamps" / "helm").unlink()
    missing = run(["hack/install-tools", "helm"], cwd=copy, env={**env, "KZ_TOOLS_CACHE": str(tmp_path / "empty")})
    assert missing.returncode == 1
    assert "first build on this machine: helm" in missing.stderr and "Go is required" in missing.stderr
