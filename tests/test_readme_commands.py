"""The README is a script: every ```sh block, in order, verbatim, in one bash with `set -e`, in a fresh
clone-like copy of the repository (tracked and new files, a git history with `main`), with an empty
home directory and a PATH of the system's directories only, as a newcomer's terminal has them. Then
the commands of the overlays' and examples' READMEs, each in a subshell of its own.

One block is not run here: the test suite's own command (the quick start's second), which would run
this test again inside itself. `.ci/run` runs it verbatim, and test_docs checks that it is the same
text there.

The per-user cache of built tools is the machine's (hack/install-tools copies from it in seconds; a
first build takes 38 minutes), so the copy's home links to it.

The run (a fresh virtualenv, a pip install, some thirty tool runs) costs about 35 s of CPU: it is in the
slow step of .ci/run, the README's test command runs the checks that need no run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from helpers import ROOT, TOOLS_BIN, docs, record, tool

README = (ROOT / "README.md").read_text()
TOOLS = ("kubectl", "kustomize", "kpt", "flux")
GKE_OBJECTS = 36
DEFAULT_OBJECTS = 41
HYDRATED = "examples/flux/hydrated/gke"


class Run(NamedTuple):
    repo: Path  # the copy the script ran in
    out: Path  # per block: N.out, N.err, N.rc (and N.probe); per example command: example-N.*
    prefix: str = ""  # "example-" for the examples' commands

    def file(self, n: int, suffix: str) -> Path:
        return self.out / f"{self.prefix}{n}.{suffix}"


class Expect(NamedTuple):
    pattern: str  # matches the block (or the example command)
    check: Callable[[Run, int], None]
    probe: str = ""  # run after the block in the same shell (not part of the README), output in N.probe


def stdout(run: Run, n: int) -> str:
    return run.file(n, "out").read_text()


def stderr(run: Run, n: int) -> str:
    return run.file(n, "err").read_text()


def objects(count: int) -> Callable[[Run, int], None]:
    def check(run: Run, n: int) -> None:
        assert len(record(docs(stdout(run, n)))) == count

    return check


def files(directory: str, count: int) -> Callable[[Run, int], None]:
    def check(run: Run, n: int) -> None:
        written = sorted(p for p in (run.repo / directory).rglob("*.yaml") if p.name != "kustomization.yaml")
        assert len(written) == count, written
        record([doc for path in written for doc in docs(path.read_text())])

    return check


def unchanged(directory: str) -> Callable[[Run, int], None]:
    """The command rewrites committed files: with the same bytes (what the repository has is current)."""

    def check(run: Run, _: int) -> None:
        for path in sorted((run.repo / directory).rglob("*")):
            if path.is_file():
                relative = path.relative_to(run.repo)
                assert path.read_bytes() == (ROOT / relative).read_bytes(), relative

    return check


def says(text: str) -> Callable[[Run, int], None]:
    def check(run: Run, n: int) -> None:
        assert text in stdout(run, n), stdout(run, n)[-2000:]

    return check


def twice_the_same(count: int) -> Callable[[Run, int], None]:
    """Two builds of one overlay (kubectl's kustomize, standalone kustomize) print the same stream."""

    def check(run: Run, n: int) -> None:
        text = stdout(run, n)
        first, second = text[: len(text) // 2], text[len(text) // 2 :]
        assert first == second, "kubectl kustomize and kustomize build printed different streams"
        assert len(record(docs(first))) == count

    return check


def both(*checks: Callable[[Run, int], None]) -> Callable[[Run, int], None]:
    def check(run: Run, n: int) -> None:
        for one in checks:
            one(run, n)

    return check


def quick_start(run: Run, _: int) -> None:
    assert len(record(docs((run.repo / "zymtrace-backend.yaml").read_text()))) == DEFAULT_OBJECTS


def tools_on_path(run: Run, n: int) -> None:
    assert f"ready in {run.repo}/.tools/bin" in stderr(run, n)
    found = dict(line.split("=", 1) for line in run.file(n, "probe").read_text().split())
    for name in TOOLS:
        assert found[name] == str(run.repo / ".tools" / "bin" / name), found


def init_and_build(run: Run, n: int) -> None:
    assert (run.repo / "my-platform" / "zymtrace" / "finish" / "finish.yaml").is_file()
    assert "next:" in stdout(run, n) and "use it with: KUSTOMIZE_PLUGIN_HOME=" in stdout(run, n)
    assert len(record(docs((run.repo / "my-platform.yaml").read_text()))) == DEFAULT_OBJECTS


def init_flux(run: Run, n: int) -> None:
    hydrated = run.repo / "my-platform" / "flux" / "hydrated"
    assert sorted(p.name for p in hydrated.iterdir()) == [
        "0-prerequisites",
        "1-databases",
        "2-migrate",
        "3-services",
        "Kustomization",
    ]
    files("my-platform/flux/hydrated", DEFAULT_OBJECTS)(run, n)


def completion(run: Run, n: int) -> None:
    assert "_shtab_kustomize_zymtrace" in run.file(n, "probe").read_text()


def diff_review(run: Run, n: int) -> None:
    assert stdout(run, n).count("No differences") == 2, stdout(run, n)
    assert len(record(docs((run.repo / "new.yaml").read_text()))) == GKE_OBJECTS


def checked_finished(run: Run, n: int) -> None:
    assert stdout(run, n) == ""
    assert f"stdin: finished ({GKE_OBJECTS} objects of kustomize-zymtrace checked" in stderr(run, n), stderr(run, n)


TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest -n auto"
README_BLOCKS = [
    Expect(r"^python3 -m venv \.venv && \. \.venv/bin/activate && pip install", quick_start),
    Expect(
        r"^hack/install-tools && export PATH=\$PWD/\.tools/bin:\$PATH$",
        tools_on_path,
        probe="; ".join(f"echo {t}=$(command -v {t})" for t in TOOLS),
    ),
    Expect(r"^kustomize-zymtrace init my-platform/zymtrace && kustomize-zymtrace install-plugin\n", init_and_build),
    Expect(r"^kustomize-zymtrace init my-platform/flux --for flux && my-platform/flux/hydrate.sh$", init_flux),
    Expect(r"kubectl kustomize --enable-alpha-plugins overlays/gke\n.*kustomize build", twice_the_same(GKE_OBJECTS)),
    Expect(r"^kustomize build --enable-alpha-plugins --enable-exec examples/kustomize-krm$", objects(DEFAULT_OBJECTS)),
    Expect(r"\| kustomize-zymtrace finish --check$", checked_finished),
    Expect(r"^kustomize-zymtrace doctor overlays/gke$", says("wired as kustomize needs")),
    Expect(r"^kpt fn render --allow-exec examples/kpt$", files("examples/kpt/generated/zymtrace", DEFAULT_OBJECTS)),
    Expect(r"^examples/flux/hydrate.sh overlays/gke \S+$", both(files(HYDRATED, GKE_OBJECTS), unchanged(HYDRATED))),
    Expect(r"from-helm-values .* -o my-backend$", files("my-backend", 39)),
    Expect(r"^source <\(kustomize-zymtrace completion bash\)", completion, probe="complete -p kustomize-zymtrace"),
    Expect(r"^kustomize-zymtrace diff main:", diff_review),
]
EXAMPLE_COMMANDS = [
    *(
        Expect(rf"kubectl kustomize --enable-alpha-plugins overlays/{name}$", objects(count))
        for name, count in {"create": 41, "gcp_cloudsql": 41, "gke": GKE_OBJECTS, "use_existing": 28}.items()
    ),
    Expect(r"^kustomize build --enable-alpha-plugins --enable-exec examples/kustomize-krm$", objects(41)),
    Expect(r"kubectl kustomize --enable-alpha-plugins examples/fleet/tenants/globex$", objects(49)),
    Expect(r"^kustomize-zymtrace doctor examples/fleet/tenants/globex$", says("wired as kustomize needs")),
    Expect(r"^examples/fleet/flux/hydrate.sh$", files("examples/fleet/flux/hydrated", 146)),
    Expect(r"^examples/fleet/flux/hydrate.sh --check$", says("no drift")),
    Expect(r"from-helm-values .* > examples/values/production.zymtrace.yaml$", unchanged("examples/values")),
]


def code_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```(?:sh|bash)\n(.*?)```", text, flags=re.S)]


def script_blocks() -> list[str]:
    """The README's blocks this test runs: all but the test suite's own command."""
    blocks = code_blocks(README)
    assert blocks.count(TEST_COMMAND) == 1, "the quick start's test command changed: update TEST_COMMAND"
    return [block for block in blocks if block != TEST_COMMAND]


def example_commands() -> list[str]:
    texts = [p.read_text() for p in sorted([*ROOT.glob("overlays/*/README.md"), *ROOT.glob("examples/*/README.md")])]
    return [
        line.strip() for text in texts for block in code_blocks(text) for line in block.splitlines() if line.strip()
    ]


def expectation(text: str, table: list[Expect]) -> Expect:
    command = "\n".join(line.split("  #")[0].rstrip() for line in text.splitlines())
    matching = [e for e in table if re.search(e.pattern, command, flags=re.S | re.M)]
    assert len(matching) == 1, f"a README command without exactly one expectation in {__name__}:\n{text}"
    return matching[0]


def fresh_copy(target: Path) -> Path:
    """The repository's files as a clone would have them (tracked and new, not ignored ones), with a
    history whose `main` holds them (the README's `diff main:PATH PATH` reads the committed file)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    )
    for name in listed.stdout.decode().split("\0"):
        source = ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):  # a scratch file another test just removed
                shutil.copy2(source, target / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "clone"]):
        subprocess.run([*git, *args], cwd=target, capture_output=True, check=True)
    return target


def tools_cache() -> Path:
    """Where hack/install-tools keeps what it built (its KZ_TOOLS_CACHE default)."""
    if os.environ.get("KZ_TOOLS_CACHE"):
        return Path(os.environ["KZ_TOOLS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kustomize-zymtrace" / "tools"


def shell_script(out: Path) -> str:
    lines = ["set -e", f"trap 'echo $? > {out}/exit' EXIT"]
    for n, block in enumerate(script_blocks()):
        lines += [
            f"echo {n} > {out}/current",
            f"{{ {block}\n}} > {out}/{n}.out 2> {out}/{n}.err",
            f"echo 0 > {out}/{n}.rc",
        ]
        probe = expectation(block, README_BLOCKS).probe
        if probe:
            lines.append(f"{{ {probe}; }} > {out}/{n}.probe 2>&1")
    lines.append("set +e")
    for n, command in enumerate(example_commands()):
        lines.append(f"( {command}\n) > {out}/example-{n}.out 2> {out}/example-{n}.err; echo $? > {out}/example-{n}.rc")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory) -> Run:
    for name in (*TOOLS, "kube-apiserver", "etcd", "helm", "cyclonus", "actionlint"):
        tool(name)  # built here already (skips, or fails under CI=true, with "run hack/install-tools")
    base = tmp_path_factory.mktemp("readme")
    repo, out, home = fresh_copy(base / "repo"), base / "out", base / "home"
    out.mkdir()
    (home / ".cache" / "kustomize-zymtrace").mkdir(parents=True)
    (home / ".cache" / "kustomize-zymtrace" / "tools").symlink_to(tools_cache())
    kpt = shutil.which("kpt", path=f"{TOOLS_BIN}:{os.environ.get('PATH', '')}")
    path = ":".join(
        dict.fromkeys([str(Path(kpt).resolve().parent) if kpt else "/usr/bin", "/usr/local/bin", "/usr/bin", "/bin"])
    )
    env = {"HOME": str(home), "PATH": path, "LANG": "C.UTF-8"}
    subprocess.run(
        ["bash", "-c", shell_script(out)], cwd=repo, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    return Run(repo, out)


@pytest.mark.slow
def test_every_block_ran_top_to_bottom_in_one_shell(terminal: Run) -> None:
    blocks = script_blocks()
    failed = (terminal.out / "current").read_text().strip()
    status = (terminal.out / "exit").read_text().strip()
    err = (terminal.out / f"{failed}.err").read_text() if failed else ""
    assert status == "0" and failed == str(len(blocks) - 1), f"block {failed} failed:\n{blocks[int(failed)]}\n{err}"
    assert len(blocks) == len(code_blocks(README)) - 1 >= 12


@pytest.mark.slow
@pytest.mark.parametrize("n", range(len(script_blocks())), ids=[b.splitlines()[0][:60] for b in script_blocks()])
def test_readme_block_did_what_the_readme_says(terminal: Run, n: int) -> None:
    block = script_blocks()[n]
    assert (terminal.out / f"{n}.rc").is_file(), f"block {n} did not run (an earlier one failed):\n{block}"
    assert "Traceback" not in stderr(terminal, n)
    expectation(block, README_BLOCKS).check(terminal, n)


@pytest.mark.slow
@pytest.mark.parametrize("n", range(len(example_commands())), ids=example_commands())
def test_example_readme_command_works_verbatim(terminal: Run, n: int) -> None:
    command, examples = example_commands()[n], terminal._replace(prefix="example-")
    rc = examples.file(n, "rc").read_text().strip()
    assert rc == "0", f"{command}\n{stderr(examples, n)}"
    assert "Traceback" not in stderr(examples, n)
    expectation(command, EXAMPLE_COMMANDS).check(examples, n)


def test_no_block_strands_the_shell_in_another_directory() -> None:
    for block in script_blocks():
        for line in block.splitlines():
            assert not re.match(r"^\s*cd\s", line) and "&& cd " not in line and "; cd " not in line, line


def test_the_test_command_is_the_one_ci_runs_verbatim() -> None:
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text()
    assert yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yaml").read_text())["jobs"]["ci"]["steps"][-1] == {
        "run": "bash .ci/run"
    }
