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
from typing import Any

import pytest
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
from typing import Any

import pytest
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


@pytest.mark.slow
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


def test_a_written_directory_builds_with_kustomize_and_applies_with_kubectl(tmp_path: Path, apiserver: Any) -> None:
    """The listing is named Kustomization: `kustomize build DIR` reads it, `kubectl apply -R -f DIR` skips
    it (it reads .yaml, .yml and .json only) and applies every object, in both layouts."""
    from helpers import ROOT, docs, record, run, tool, tool_env

    apiserver.namespace("zymtrace")
    for layout in ("flat", "stages"):
        out = tmp_path / layout
        assert (
            cli(
                "render", str(ROOT / "base" / "generator" / "zymtrace.yaml"), "-o", str(out), "--layout", layout
            ).returncode
            == 0
        )
        built = run([tool("kustomize"), "build", str(out)], env=tool_env())
        assert built.returncode == 0, built.stderr
        objects = record(docs(built.stdout))
        assert len(objects) == 41
        kubectl = [tool("kubectl"), "--kubeconfig", str(apiserver.kubeconfig), "apply", "-R", "-f", str(out)]
        for dry_run, how, marker in (("client", [], "(dry run)"), ("server", ["--server-side"], "(server dry run)")):
            applied = run([*kubectl, f"--dry-run={dry_run}", *how], env=tool_env())
            assert applied.returncode == 0, applied.stderr
            lines = [line for line in applied.stdout.splitlines() if line.endswith(marker)]
            assert len(lines) == 41, applied.stdout


BASE = str(Path(__file__).resolve().parent.parent / "base" / "generator" / "zymtrace.yaml")


def _render(out: Path | str, *args: str, cwd: Path | None = None) -> None:
    result = cli("render", BASE, "-o", str(out), *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "wrote 41 objects" in result.stderr


def _files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if not p.is_dir())


def test_a_symlink_to_a_directory_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    _render(tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and os.readlink(tmp_path / "link") == "real"
    assert len(list((tmp_path / "real").glob("*.yaml"))) == 41 and (tmp_path / "real" / "Kustomization").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]  # no staging directory left


def test_glob_characters_in_the_name_touch_no_sibling(tmp_path: Path) -> None:
    for name in ("outX", ".kz-new-outX-leftover"):  # the second would match a glob of a killed run's leftovers
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.txt").write_text("keep\n")
    for name in ("out?", "out*", "out[X]"):
        _render(tmp_path / name)
        assert len(list((tmp_path / name).glob("*.yaml"))) == 41
    for name in ("outX", ".kz-new-outX-leftover"):
        assert (tmp_path / name / "mine.txt").read_text() == "keep\n"


def test_the_current_directory_is_written_in_place(tmp_path: Path) -> None:
    """`-o .` cannot be renamed (it is where the user stands): the files change, the directory stays."""
    (tmp_path / "notes.md").write_text("mine\n")
    before = tmp_path.stat().st_ino
    _render(".", cwd=tmp_path)
    assert len(list(tmp_path.glob("*.yaml"))) == 41 and tmp_path.stat().st_ino == before
    _render(".", "--layout", "stages", cwd=tmp_path)
    assert not list(tmp_path.glob("*.yaml")), "the flat files are gone"
    assert len(list(tmp_path.glob("*/*.yaml"))) == 41 and (tmp_path / "notes.md").read_text() == "mine\n"
    _render(".", cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [], "stage directories left behind"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kz-")]


def test_an_unswappable_directory_is_written_in_place(tmp_path: Path, monkeypatch: Any) -> None:
    """A parent that takes no sibling (a volume mounted into a read-only container): in place, with
    stale files of ours removed and everything else kept."""
    from kustomize_zymtrace import output

    out = tmp_path / "vol"
    write_directory(_config_maps("a", 3), out)
    (out / "mine.yaml").write_text("kind: Mine\n")
    monkeypatch.setattr(output.os, "access", lambda path, mode: Path(path) != tmp_path)
    write_directory(_config_maps("b", 2), out)
    assert sorted(p.name for p in out.iterdir()) == [
        "Kustomization",
        "configmap_cm-0.yaml",
        "configmap_cm-1.yaml",
        "mine.yaml",
    ]
    assert "b" * 200 in (out / "configmap_cm-0.yaml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vol"]


def _mount(*args: str) -> bool:
    return os.geteuid() == 0 and subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def test_a_volume_in_a_read_only_parent_and_a_mount_point_are_written(tmp_path: Path) -> None:
    """For real where this machine lets a test mount: a read-only bind mount holding a writable one (the
    container case), and a mount point whose parent is writable (renaming it fails with EBUSY)."""
    parent, volume, source = tmp_path / "ro", tmp_path / "ro" / "vol", tmp_path / "src"
    volume.mkdir(parents=True)
    source.mkdir()
    if not _mount("--bind", str(parent), str(parent)):
        pytest.skip(
            "mounting needs root and CAP_SYS_ADMIN; test_an_unswappable_directory_is_written_in_place covers the logic"
        )
    try:
        assert _mount("-o", "remount,bind,ro", str(parent)) and _mount("--bind", str(source), str(volume))
        _render(volume)
        _render(volume, "--layout", "stages")
        assert len(list(source.glob("*/*.yaml"))) == 41 and not list(source.glob("*.yaml"))
    finally:
        subprocess.run(["umount", str(volume)], check=False)
        subprocess.run(["umount", str(parent)], check=False)
    mount_point = tmp_path / "mounted"
    mount_point.mkdir()
    assert _mount("--bind", str(source), str(mount_point))
    try:
        _render(mount_point)
        assert len(list(source.glob("*.yaml"))) == 41
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kz-")]
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_an_earlier_kustomization_yaml_of_ours_gives_way(tmp_path: Path) -> None:
    """A directory written before the listing was named Kustomization: ours, so it is replaced."""
    out = tmp_path / "out"
    write_directory(_config_maps("a", 2), out)
    (out / "Kustomization").rename(out / "kustomization.yaml")
    write_directory(_config_maps("a", 2), out)
    assert sorted(p.name for p in out.iterdir()) == ["Kustomization", "configmap_cm-0.yaml", "configmap_cm-1.yaml"]


def test_a_named_pipe_in_the_directory_neither_stalls_nor_goes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_directory(_config_maps("a", 1), out)
    os.mkfifo(out / "pipe.yaml")
    stream = emitter.dump_all(_config_maps("b", 1))
    result = cli("hydrate", "-o", str(out), "-", stdin=stream, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (out / "pipe.yaml").is_fifo() and "b" * 200 in (out / "configmap_cm-0.yaml").read_text()


def test_an_empty_output_path_is_refused(tmp_path: Path) -> None:
    result = cli("render", BASE, "-o", "", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == "" and "-o: give a directory" in result.stderr
    assert list(tmp_path.iterdir()) == []
