"""Writing a directory (render -o, hydrate): names cannot escape it, the swap is atomic as a whole, a
second writer is refused while one runs, and a run killed at any moment leaves a complete tree."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from helpers import cli

from kustomize_zymtrace import emitter
from kustomize_zymtrace.output import MARKER, write_directory


def _config_maps(version: str, count: int) -> list[dict]:
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{n}"}, "data": {"v": version * 200}}
        for n in range(count)
    ]


def test_names_cannot_place_a_file_outside_the_directory(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    for name in ("../../escaped", "/etc/escaped", "a/b", "nul\0byte", ".hidden", ".."):
        stream = emitter.dump_all([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}])
        result = cli("hydrate", "-o", str(out), "-", stdin=stream)
        assert result.returncode == 1, name
        assert "not a Kubernetes name" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == []  # nothing anywhere, not even a directory
    evil_kind = emitter.dump_all([{"apiVersion": "v1", "kind": "../Secret", "metadata": {"name": "x"}}])
    assert cli("hydrate", "-o", str(out), "-", stdin=evil_kind).returncode == 1


def test_two_objects_for_one_file_are_refused(tmp_path: Path) -> None:
    twice = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": ns}} for ns in "ab"]
    result = cli("hydrate", "-o", str(tmp_path / "out"), "-", stdin=emitter.dump_all(twice))
    assert result.returncode == 1 and "configmap_x.yaml" in result.stderr


def test_foreign_files_are_carried_over_and_unchanged_files_keep_their_mtime(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_directory(_config_maps("a", 3), out)
    (out / "README.md").write_text("mine\n")
    (out / "notes").mkdir()
    (out / "notes" / "extra.yaml").write_text("kind: Mine\n")
    before = (out / "configmap_cm-0.yaml").stat().st_mtime_ns
    time.sleep(0.01)
    write_directory(_config_maps("a", 2), out)
    assert (out / "README.md").read_text() == "mine\n" and (out / "notes" / "extra.yaml").exists()
    assert not (out / "configmap_cm-2.yaml").exists()
    assert (out / "configmap_cm-0.yaml").stat().st_mtime_ns == before
    assert not list(tmp_path.glob(".kz-*"))


def test_a_second_writer_is_refused_while_one_holds_the_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_directory(_config_maps("a", 1), out)
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running writer holds
        stream = emitter.dump_all(_config_maps("b", 1))
        result = cli("hydrate", "-o", str(out), "-", stdin=stream)
        assert result.returncode == 1
        assert "another kustomize-zymtrace is writing this directory" in result.stderr
    finally:
        os.close(fd)
    assert "a" * 200 in (out / "configmap_cm-0.yaml").read_text()
    assert cli("hydrate", "-o", str(out), "-", stdin=stream).returncode == 0


WRITER = """
import sys
from pathlib import Path
from kustomize_zymtrace.output import write_directory
version, count = sys.argv[2], int(sys.argv[3])
objects = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{n}"}, "data": {"v": version * 200}}
    for n in range(count)
]
print("start", flush=True)
write_directory(objects, Path(sys.argv[1]))
"""


def _consistent_version(out: Path) -> str:
    """The single version every listed file holds; fails on a mixed or incomplete tree."""
    listed = yaml.safe_load((out / "Kustomization").read_text())["resources"]
    present = sorted(p.name for p in out.glob("*.yaml"))
    assert sorted(listed) == present
    versions = {yaml.safe_load((out / name).read_text().removeprefix(MARKER))["data"]["v"][0] for name in listed}
    assert len(versions) == 1, versions
    expected = {"a": 300, "b": 900}[versions.pop()]
    assert len(listed) == expected
    return "a" if expected == 300 else "b"


def test_a_run_killed_at_any_moment_leaves_the_old_tree_or_the_new_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_directory(_config_maps("a", 300), out)
    seen: dict[str, int] = {}
    killed_mid_write = 0
    for attempt in range(24):
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(out),
                "b" if attempt % 2 == 0 else "a",
                "900" if attempt % 2 == 0 else "300",
            ],
            stdout=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stdout.readline() == b"start\n"
        time.sleep(0.01 * attempt)
        process.send_signal(signal.SIGKILL)
        if process.wait() == -signal.SIGKILL:
            killed_mid_write += 1
        version = _consistent_version(out)
        seen[version] = seen.get(version, 0) + 1
    assert killed_mid_write >= 5, "the writer finished before every kill: nothing was tested"
    # The next run cleans up what the killed ones left next to the directory.
    write_directory(_config_maps("a", 300), out)
    assert _consistent_version(out) == "a"
    assert not list(tmp_path.glob(".kz-*"))
