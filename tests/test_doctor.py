"""`kustomize-zymtrace doctor`: the kustomization shapes in which kustomize renders nothing or cannot
patch the config, checked against what the pinned kustomize really does with each."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import PLUGIN_HOME, ROOT, cli, docs, run, tool, tool_env

SMP = """
- patch: |
    apiVersion: zymtrace.io/v1alpha1
    kind: ZymtraceBackend
    metadata: {name: NAME}
    spec: {postgres: {mode: use_existing, use_existing: {host: pg.example.com}}}
"""
JSON6902 = """
- target: {kind: ZymtraceBackend}
  patch: |
    - op: replace
      path: /spec/postgres/mode
      value: use_existing
"""

# name -> (files relative to a copy of base/'s parent, the directory to build, what kustomize does)
SHAPES = {
    "config under resources": (
        {"wrong/kustomization.yaml": "resources:\n- zymtrace.yaml\n", "wrong/zymtrace.yaml": None},
        "wrong",
        "renders nothing, exit 0",
    ),
    "overlay on a base patches the config": (
        {"overlay/kustomization.yaml": "resources:\n- ../base\npatches:" + SMP.replace("NAME", "zymtrace")},
        "overlay",
        "no matches for Id",
    ),
    "overlay on a base, JSON 6902 patch of the config": (
        {"overlay/kustomization.yaml": "resources:\n- ../base\npatches:" + JSON6902},
        "overlay",
        "ignores the patch, exit 0",
    ),
    "patch beside generators:": (
        {"overlay/kustomization.yaml": "generators:\n- ../base/generator\npatches:" + SMP.replace("NAME", "zymtrace")},
        "overlay",
        "no matches for Id",
    ),
    "generator directory patch with another name": (
        {
            "overlay/kustomization.yaml": "generators:\n- generator\n",
            "overlay/generator/kustomization.yaml": "resources:\n- ../../base/generator\npatches:"
            + SMP.replace("NAME", "zymtrce"),
        },
        "overlay",
        "no matches for Id",
    ),
}


def layout(tmp_path: Path, files: dict[str, str | None]) -> None:
    shutil.copytree(ROOT / "base", tmp_path / "base")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            shutil.copy(ROOT / "base" / "generator" / "zymtrace.yaml", path)
        else:
            path.write_text(text)


def kustomize(directory: Path) -> tuple[int, list[dict], str]:
    result = run(
        [tool("kustomize"), "build", "--enable-alpha-plugins", str(directory)],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
    )
    return result.returncode, docs(result.stdout) if result.returncode == 0 else [], result.stderr


@pytest.mark.parametrize("shape", list(SHAPES))
def test_doctor_explains_what_kustomize_does_with_the_shape(tmp_path: Path, shape: str) -> None:
    files, build, behaviour = SHAPES[shape]
    layout(tmp_path, files)
    code, objects, stderr = kustomize(tmp_path / build)
    base_code, base_objects, _ = kustomize(tmp_path / "base")
    assert base_code == 0 and len(base_objects) == 41
    if behaviour == "no matches for Id":
        assert code == 1 and "no matches for Id ZymtraceBackend" in stderr
    elif behaviour == "renders nothing, exit 0":
        assert code == 0 and objects == []
    else:  # the config patch is silently ignored: the output is the base's, PostgreSQL still in-cluster
        assert code == 0 and objects == base_objects
        assert any(o["kind"] == "StatefulSet" and o["metadata"]["name"] == "zymtrace-postgres" for o in objects)
    result = cli("doctor", str(tmp_path / build))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "generator" in result.stderr and "[error]" in result.stderr


def test_doctor_passes_the_shipped_base_and_overlays() -> None:
    for directory in [ROOT / "base", *sorted(p for p in (ROOT / "overlays").iterdir() if p.is_dir())]:
        result = cli("doctor", str(directory))
        problems = [line for line in result.stderr.splitlines() if not line.startswith("[info] ")]
        assert result.returncode == 0 and not problems, f"{directory}: {result.stderr}"
        assert "wired as kustomize needs" in result.stdout


def test_doctor_names_the_generator_directory_fix(tmp_path: Path) -> None:
    files, build, _ = SHAPES["overlay on a base patches the config"]
    layout(tmp_path, files)
    stderr = cli("doctor", str(tmp_path / build)).stderr
    assert "overlay/generator/kustomization.yaml" in stderr and "generators: [generator]" in stderr
    files, build, _ = SHAPES["config under resources"]
    layout(tmp_path / "2", files)
    assert "under generators:" in cli("doctor", str(tmp_path / "2" / build)).stderr


def test_doctor_without_a_kustomization_is_an_input_error(tmp_path: Path) -> None:
    result = cli("doctor", str(tmp_path))
    assert result.returncode == 1 and "no kustomization.yaml" in result.stderr


def _outer(tmp_path: Path, finish: bool) -> Path:
    """An overlay of the user's over overlays/gke that changes the backend's image."""
    outer = tmp_path / ("with-finish" if finish else "without-finish")
    outer.mkdir()
    gke, finisher = (os.path.relpath(ROOT / path, outer) for path in ("overlays/gke", "base/finish"))
    text = f"resources:\n- {gke}\nimages:\n- name: ghcr.io/zystem-io/zymtrace-pub-backend\n  newTag: 26.9.0\n"
    if finish:
        text += f"transformers:\n- {finisher}\n"
    (outer / "kustomization.yaml").write_text(text)
    return outer


def test_doctor_flags_an_outer_overlay_that_transforms_without_the_finishing_transformer(tmp_path: Path) -> None:
    """What kustomize builds from it: a migrate Job whose template changed under its old name (the API
    server refuses that update: a Job's template is immutable). With base/finish listed, the name follows."""
    from kustomize_zymtrace.derived import TEMPLATE_HASH, digest

    for finish in (False, True):
        outer = _outer(tmp_path, finish)
        code, objects, stderr = kustomize(outer)
        assert code == 0, stderr
        job = next(o for o in objects if o["kind"] == "Job" and o["metadata"]["name"].startswith("zymtrace-migrate-"))
        image = job["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image.endswith(":26.9.0")
        named_after_template = job["metadata"]["name"].endswith(digest(job["spec"]["template"])[:8])
        assert named_after_template is finish
        assert job["metadata"]["annotations"][TEMPLATE_HASH] == job["metadata"]["name"][-8:]
        result = cli("doctor", str(outer))
        if finish:
            assert result.returncode == 0 and "[error]" not in result.stderr and "[warning]" not in result.stderr
        else:
            assert result.returncode == 1 and "Traceback" not in result.stderr
            assert "images: change the objects the ZymtraceBackend generator made" in result.stderr
            assert (
                f"- {os.path.relpath(ROOT / 'base' / 'finish', outer)}" in result.stderr
            )  # the fix, as a path from there


def test_doctor_visits_a_shared_base_once(tmp_path: Path) -> None:
    """Twenty levels that each include the next twice: a million paths to the base, twenty-one visits."""
    levels = 20
    for n in range(levels):
        (tmp_path / f"k{n}").mkdir()
        (tmp_path / f"k{n}" / "kustomization.yaml").write_text(f"resources:\n- ../k{n + 1}\n- ../k{n + 1}\n")
    (tmp_path / f"k{levels}").mkdir()
    (tmp_path / f"k{levels}" / "kustomization.yaml").write_text(f"generators:\n- {ROOT / 'base' / 'generator'}\n")
    from kustomize_zymtrace import doctor

    opened: list[Path] = []
    original = doctor._kustomization

    def counting(walk: doctor.Walk, directory: Path) -> object:
        opened.append(directory.resolve())
        return original(walk, directory)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(doctor, "_kustomization", counting)
        findings = doctor.diagnose(tmp_path / "k0")
    assert [f for f in findings if f.severity != "info"] == []
    assert len(opened) == len(set(opened)) == levels + 1 + 1  # and base/generator
