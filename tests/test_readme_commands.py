"""The README as a newcomer runs it: one fresh terminal (an empty environment, a fresh copy of the
repository), the quick start's first set-up line, then every usage command of the README (and of the
overlays' and examples' READMEs), verbatim.

Commands run in one shell script, as typed one after the other in one terminal; the pinned tools
(hack/install-tools) are on PATH as a user's kubectl, kustomize and kpt would be.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from helpers import ROOT, docs, find_tool, record, tool

README = (ROOT / "README.md").read_text()


class Expect(NamedTuple):
    pattern: str  # matches the command
    tools: tuple[str, ...]  # besides kustomize-zymtrace, which the set-up line installs
    check: Callable[[Path, str], None]  # (the copy of the repository, stdout)


def objects(count: int) -> Callable[[Path, str], None]:
    def check(_: Path, stdout: str) -> None:
        assert len(record(docs(stdout))) == count

    return check


def files(directory: str, count: int) -> Callable[[Path, str], None]:
    def check(repo: Path, _: str) -> None:
        written = sorted((repo / directory).rglob("*.yaml"))
        assert len([p for p in written if p.name != "kustomization.yaml"]) == count, written
        record([doc for path in written if path.name != "kustomization.yaml" for doc in docs(path.read_text())])

    return check


def unchanged(directory: str) -> Callable[[Path, str], None]:
    """The command rewrites committed files: with the same bytes (what the repository has is current)."""

    def check(repo: Path, _: str) -> None:
        for path in sorted((repo / directory).iterdir()):
            assert path.read_bytes() == (ROOT / directory / path.name).read_bytes(), path.name

    return check


def says(text: str) -> Callable[[Path, str], None]:
    def check(_: Path, stdout: str) -> None:
        assert text in stdout

    return check


GKE_OBJECTS = 36
HYDRATED = "examples/flux/hydrated/gke"
OVERLAY_OBJECTS = {"create": 41, "gcp_cloudsql": 41, "gke": GKE_OBJECTS, "use_existing": 28}
EXPECTATIONS = [
    *(
        Expect(rf"kubectl kustomize --enable-alpha-plugins overlays/{name}$", ("kubectl",), objects(count))
        for name, count in OVERLAY_OBJECTS.items()
    ),
    Expect(r"kustomize build --enable-alpha-plugins overlays/gke\b", ("kustomize",), objects(GKE_OBJECTS)),
    Expect(
        r"kustomize build --enable-alpha-plugins --enable-exec examples/kustomize-krm$", ("kustomize",), objects(41)
    ),
    Expect(r"kpt fn render --allow-exec$", ("kpt",), files("examples/kpt/generated/zymtrace", 41)),
    Expect(r"^examples/flux/hydrate.sh overlays/gke \S+$", ("kubectl",), files(HYDRATED, GKE_OBJECTS)),
    Expect(r"^kustomize-zymtrace doctor overlays/gke$", (), says("wired as kustomize needs")),
    Expect(r"kubectl kustomize --enable-alpha-plugins examples/fleet/tenants/globex$", ("kubectl",), objects(49)),
    Expect(r"^kustomize-zymtrace doctor examples/fleet/tenants/globex$", (), says("wired as kustomize needs")),
    Expect(r"^examples/fleet/flux/hydrate.sh$", ("kubectl",), files("examples/fleet/flux/hydrated", 146)),
    Expect(r"^examples/fleet/flux/hydrate.sh --check$", ("kubectl",), says("no drift")),
    Expect(r"^kustomize-zymtrace diff main:\S+ \S+$", (), says("No differences")),
    Expect(
        r"overlays/gke > new.yaml$",
        ("kubectl",),
        lambda repo, _: objects(GKE_OBJECTS)(repo, (repo / "new.yaml").read_text()),
    ),
    Expect(r"^kustomize-zymtrace diff \S+ new.yaml --format markdown$", ("kubectl",), says("No differences")),
    Expect(r"from-helm-values .* -o my-backend$", (), files("my-backend", 39)),
    Expect(r"from-helm-values .* > examples/values/production.zymtrace.yaml$", (), unchanged("examples/values")),
]


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:sh|bash)\n(.*?)```", text, flags=re.S)


def setup_line() -> str:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return code_blocks(quick_start)[0].strip()


def usage_commands() -> list[str]:
    """The README's usage section's commands, then those of the overlays' and examples' READMEs."""
    texts = [README.split("## Usage", 1)[1].split("\n## Documentation", 1)[0]]
    texts += [p.read_text() for p in sorted([*ROOT.glob("overlays/*/README.md"), *ROOT.glob("examples/*/README.md")])]
    return [
        line.strip() for text in texts for block in code_blocks(text) for line in block.splitlines() if line.strip()
    ]


def expectation(command: str) -> Expect:
    matching = [e for e in EXPECTATIONS if re.search(e.pattern, command.split("  #")[0].strip())]
    assert len(matching) == 1, f"README command without an expectation in {__name__}: {command}"
    return matching[0]


def fresh_copy(target: Path) -> Path:
    """The repository's files as a clone would have them (tracked and new, not ignored ones)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    )
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):  # a scratch file another test just removed
                shutil.copy2(source, target / name)
    # A clone has history: the README's `diff main:PATH PATH` reads the committed file.
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "clone"]):
        subprocess.run([*git, *args], cwd=target, capture_output=True, check=True)
    return target


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Runs the set-up line and every command whose tools are installed in one shell; returns the results."""
    base = tmp_path_factory.mktemp("readme")
    repo, out, bin_dir = fresh_copy(base / "repo"), base / "out", base / "bin"
    out.mkdir()
    bin_dir.mkdir()
    for name in ("kubectl", "kustomize", "kpt"):
        path = find_tool(name)
        if path:
            (bin_dir / name).symlink_to(path)
    lines = ["set -u", f"cd {repo}", setup_line(), f"echo $? > {out}/setup.rc"]
    for n, command in enumerate(usage_commands()):
        if all((bin_dir / t).exists() for t in expectation(command).tools):
            lines.append(f"( {command}\n) > {out}/{n}.out 2> {out}/{n}.err; echo $? > {out}/{n}.rc")
    env = {"HOME": os.environ.get("HOME", str(base)), "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"}
    shell = subprocess.run(
        ["bash", "-c", "\n".join(lines)], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    return {"repo": repo, "out": out, "bin": bin_dir, "shell": shell}


def test_the_setup_line_installs_renders_and_puts_the_command_on_path(terminal: dict[str, Any]) -> None:
    shell, repo = terminal["shell"], terminal["repo"]
    assert (terminal["out"] / "setup.rc").read_text().strip() == "0", shell.stderr
    assert len(record(docs((repo / "zymtrace-backend.yaml").read_text()))) == 41
    assert ". .venv/bin/activate" in setup_line()  # what puts kustomize-zymtrace on PATH for what follows


@pytest.mark.parametrize("n", range(len(usage_commands())), ids=usage_commands())
def test_readme_usage_command_works_verbatim(terminal: dict[str, Any], n: int) -> None:
    command = usage_commands()[n]
    expected = expectation(command)
    for name in expected.tools:
        tool(name)  # skips (fails under CI=true) with "run hack/install-tools" when missing
    out = terminal["out"]
    rc = (out / f"{n}.rc").read_text().strip()
    stderr = (out / f"{n}.err").read_text()
    assert rc == "0", f"{command}\n{stderr}"
    assert "Traceback" not in stderr
    expected.check(terminal["repo"], (out / f"{n}.out").read_text())


def test_every_usage_section_has_a_command() -> None:
    commands = " ".join(usage_commands())
    for needle in ("kubectl kustomize", "kustomize build", "kpt fn render", "hydrate.sh", "kustomize-zymtrace"):
        assert needle in commands, needle
