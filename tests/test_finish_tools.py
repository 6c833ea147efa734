"""The finishing pass where users run it: inside a real `kustomize build` (the transformer plugin) of an
outer kustomization, then again as `kustomize-zymtrace finish` (hydrate, CI). Its marks and addresses
follow an outer `namespace:`, a second pass changes nothing (also with a hash-suffixed configMapGenerator
read by a pod), output transformed after the last pass is detectable, and what the pass refuses inside
kustomize is refused with the object's name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiserver import ApiServer
from helpers import PLUGIN_HOME, ROOT, cli, docs, record, run, tool, tool_env

from kustomize_zymtrace.finish import unfinished

MARK = "zymtrace.io/generated-by"
BACKEND = "ghcr.io/zystem-io/zymtrace-pub-backend"


def _outer(tmp_path: Path, kustomization: dict[str, Any], files: dict[str, Any] | None = None) -> Path:
    """clusters/prod beside copies of base/ and overlays/: resources: [../../overlays/gke] and more."""
    for part in ("base", "overlays"):
        if not (tmp_path / part).exists():
            shutil.copytree(ROOT / part, tmp_path / part)
    outer = tmp_path / "clusters" / "prod"
    outer.mkdir(parents=True, exist_ok=True)
    for name, content in (files or {}).items():
        (outer / name).write_text(yaml.safe_dump(content))
    (outer / "kustomization.yaml").write_text(yaml.safe_dump({"resources": ["../../overlays/gke"], **kustomization}))
    return outer


def _build(directory: Path) -> tuple[int, list[dict[str, Any]], str]:
    done = run(
        [tool("kustomize"), "build", "--enable-alpha-plugins", str(directory)],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
    )
    return done.returncode, docs(done.stdout) if done.returncode == 0 else [], done.stderr


def _finish_again(objects: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    stream = tmp_path / "built.yaml"
    stream.write_text(yaml.safe_dump_all(objects))
    done = cli("finish", str(stream))
    assert done.returncode == 0, done.stderr
    return docs(done.stdout)


def _find(objects: list[dict[str, Any]], kind: str, prefix: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"].startswith(prefix))


pytestmark = pytest.mark.slow  # a dozen kustomize builds with both plugins: .ci/run's slow step
FINISHER = {"transformers": ["../../base/finish"]}


def test_outer_namespace_moves_the_mark_and_the_addresses(tmp_path: Path, apiserver: ApiServer) -> None:
    code, objects, err = _build(_outer(tmp_path, {"namespace": "outer-moved", **FINISHER}))
    assert code == 0, err
    assert len(objects) == 36
    assert {o["metadata"]["annotations"][MARK] for o in objects} == {"outer-moved/zymtrace"}
    gateway = _find(objects, "ConfigMap", "zymtrace-gateway-config")["data"]
    addresses = [v for k, v in gateway.items() if k.endswith("_CLUSTER_ADDRESS")]
    assert addresses and all(".outer-moved.svc." in v for v in addresses)
    assert _finish_again(objects, tmp_path) == objects
    assert unfinished(objects) == []
    apiserver.namespace("outer-moved")
    rejected = [f"{r.ref}: {r.message}" for r in apiserver.apply_all(record(objects)) if not r.ok]
    assert not rejected, rejected


def test_a_hash_suffixed_generator_read_by_ingest_survives_a_second_pass(tmp_path: Path) -> None:
    """kustomize adds the suffix after the transformers ran: the pass inside kustomize saw `extra`,
    a second pass sees `extra-<hash>`. The checksum covers the name without the suffix."""
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "zymtrace-ingest", "namespace": "zymtrace"},
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "zymtrace-ingest", "envFrom": [{"configMapRef": {"name": "extra"}}]}]}
            }
        },
    }
    kustomization = {
        "configMapGenerator": [{"name": "extra", "namespace": "zymtrace", "literals": ["EXTRA=1"]}],
        "patches": [{"path": "ingest.yaml"}],
        **FINISHER,
    }
    code, objects, err = _build(_outer(tmp_path, kustomization, {"ingest.yaml": patch}))
    assert code == 0, err
    ingest = _find(objects, "Deployment", "zymtrace-ingest")
    references = [s["configMapRef"]["name"] for s in ingest["spec"]["template"]["spec"]["containers"][0]["envFrom"]]
    assert any(r.startswith("extra-") and len(r) == len("extra-") + 10 for r in references), references
    again = _finish_again(objects, tmp_path)
    assert _find(again, "Deployment", "zymtrace-ingest") == ingest
    assert again == objects
    record(objects)


def test_output_changed_after_the_last_pass_is_detectable(tmp_path: Path) -> None:
    """An outer overlay with images: but without the finisher: the migrate Job keeps its name with a new
    template, which the API server refuses over the existing Job. unfinished() names it."""
    images = {"images": [{"name": BACKEND, "newTag": "26.9.0"}]}
    code, objects, err = _build(_outer(tmp_path, images))
    assert code == 0, err
    found = unfinished(objects)
    jobs = sorted(o["metadata"]["name"] for o in objects if o["kind"] == "Job")  # both run the backend image
    assert {r.severity for r in found} == {"warning"}
    assert [r.message.split(":")[0] for r in found[:2]] == [f"Job/{name}" for name in jobs]
    assert found[2].message.startswith(f"6 objects carry an out-of-date {MARK} or kpt depends-on annotation")
    assert all("its pod template changed after the finishing pass ran" in r.message for r in found[:2])
    # The CI gate: `finish --check` fails on it, naming both Jobs, and writes nothing.
    stream = tmp_path / "unfinished.yaml"
    stream.write_text(yaml.safe_dump_all(objects))
    done = cli("finish", "--check", str(stream))
    errors = [line for line in done.stderr.splitlines() if line.startswith("[error] Job/")]
    assert (done.returncode, done.stdout) == (1, "")
    assert sorted(line.split(":")[0].removeprefix("[error] Job/") for line in errors) == jobs
    code, finished, err = _build(_outer(tmp_path, {**images, **FINISHER}))
    assert code == 0, err
    assert unfinished(finished) == []
    stream.write_text(yaml.safe_dump_all(finished))
    done = cli("finish", "--check", str(stream))
    assert (done.returncode, done.stdout) == (0, "")
    assert f"{stream}: finished (36 objects of kustomize-zymtrace checked" in done.stderr


@pytest.mark.parametrize(
    ("files", "patches", "fragments"),
    [
        (
            {
                "theirs.yaml": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {"name": "my-app", "namespace": "zymtrace", "annotations": {MARK: "zymtrace/zymtrace"}},
                    "spec": {
                        "selector": {"matchLabels": {"app": "my-app", "tier": "web"}},
                        "template": {
                            "metadata": {"labels": {"app": "my-app", "tier": "web"}},
                            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                        },
                    },
                }
            },
            [],
            ("Deployment/my-app", f"remove its {MARK} annotation"),
        ),
        (
            {},
            [
                {
                    "target": {"kind": "Job", "name": "zymtrace-migrate-.*"},
                    "patch": yaml.safe_dump(
                        [
                            {"op": "replace", "path": "/metadata/annotations/zymtrace.io~1template-hash", "value": "m"},
                            {"op": "add", "path": "/spec/template/spec/terminationGracePeriodSeconds", "value": 7},
                        ]
                    ),
                }
            ],
            ("Job/zymtrace-migrate-", "zymtrace.io/template-hash is 'm'"),
        ),
        (
            {},
            [
                {
                    "target": {"kind": "Deployment", "name": "zymtrace-web"},
                    "patch": yaml.safe_dump(
                        [
                            {
                                "op": "add",
                                "path": "/spec/template/spec/containers/0/envFrom/-",
                                "value": {"secretRef": {}},
                            }
                        ]
                    ),
                }
            ],
            ("Deployment/zymtrace-web", "secretRef.name is missing, not a name"),
        ),
    ],
    ids=["foreign-deployment-with-the-mark", "job-hash-patched", "envfrom-without-a-name"],
)
def test_refused_inside_kustomize_with_the_objects_name(
    tmp_path: Path, files: dict[str, Any], patches: list[dict[str, Any]], fragments: tuple[str, ...]
) -> None:
    kustomization: dict[str, Any] = {**FINISHER}
    if files:
        kustomization["resources"] = ["../../overlays/gke", *files]
    if patches:
        kustomization["patches"] = patches
    outer = _outer(tmp_path, kustomization, files)
    if files:  # _outer lists the overlay; the files are resources too
        (outer / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    code, objects, err = _build(outer)
    assert code != 0 and objects == []
    assert "Traceback" not in err and "internal error" not in err
    assert any(all(f in line for f in fragments) for line in err.splitlines()), err
