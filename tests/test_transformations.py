"""The output stays right after kustomize has transformed it: a matrix of transformations x paths.

Paths: standalone kustomize (both pinned versions) with the finishing transformer in the same
kustomization (`transformers:` run after kustomize's builtin ones), and `hydrate` of a stream that
kustomize transformed without it (hydrate finishes the stream itself). Each cell is either correct
(Job names, checksums and addresses re-derived) or refused with a message naming the fix; the paths
agree with each other; and every correct result is applied to the real API server over an install.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiserver import ApiServer
from helpers import PLUGIN_HOME, ROOT, cli, docs, record, run, tool, tool_env, tools_versions
from strategies import deep_merge

pytestmark = pytest.mark.slow  # run by .ci/run's own step, not by the README's test command

BACKEND = "ghcr.io/zystem-io/zymtrace-pub-backend"
KUSTOMIZES = ["kustomize", f"kustomize-{tools_versions()['KUSTOMIZE_KUBECTL_VERSION']}"]


@dataclass
class Case:
    kustomization: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)  # merged into the generator config
    refused: str = ""  # a part of the message when the transformation must be refused
    reruns: set[str] = field(default_factory=set)  # Job name prefixes that get a new name
    changes: tuple[str, str] | None = None  # (kind, name) of a ConfigMap/Secret whose readers must roll
    upgrade: bool = True  # applied over an install of the untransformed build


def template_patch(kind: str, name: str) -> dict[str, Any]:
    operation = {"op": "add", "path": "/spec/template/spec/terminationGracePeriodSeconds", "value": 77}
    return {"target": {"kind": kind, "name": name}, "patch": yaml.safe_dump([operation])}


def web_reads(reference: str) -> dict[str, Any]:
    """A strategic-merge patch file: the web Deployment also reads the generated `extra` object."""
    container = {"name": "zymtrace-web", "envFrom": [{reference: {"name": "extra"}}]}
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "zymtrace-web", "namespace": "zymtrace"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }
    return {"envfrom.yaml": patch}


CASES: dict[str, Case] = {
    "images": Case(
        {"images": [{"name": BACKEND, "newTag": "27.0.0"}]},
        reruns={"zymtrace-migrate-"},
    ),
    "patch-job": Case(
        {"patches": [template_patch("Job", "zymtrace-migrate-.*")]},
        reruns={"zymtrace-migrate-"},
    ),
    "patch-configmap": Case(
        {"patches": [{"path": "cm.yaml"}]},
        files={
            "cm.yaml": {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "zymtrace-config", "namespace": "zymtrace"},
                "data": {"EXTRA_SETTING": "on"},
            }
        },
        changes=("ConfigMap", "zymtrace-config"),
        reruns={"zymtrace-migrate-", "zymtrace-minio-init-"},
    ),
    "patch-secret": Case(
        {"patches": [{"path": "secret.yaml"}]},
        files={
            "secret.yaml": {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "zymtrace-postgres-secrets", "namespace": "zymtrace"},
                "stringData": {"POSTGRES_PASSWORD": "rotated"},
            }
        },
        changes=("Secret", "zymtrace-postgres-secrets"),
        reruns={"zymtrace-migrate-"},
    ),
    "labels": Case({"labels": [{"pairs": {"team": "observability"}}]}),
    "labels-in-selectors": Case(
        {"labels": [{"pairs": {"team": "observability"}, "includeSelectors": True}]}, refused="includeSelectors: false"
    ),
    "commonLabels": Case({"commonLabels": {"team": "observability"}}, refused="Selectors are immutable"),
    "namespace": Case({"namespace": "observability"}, changes=("ConfigMap", "zymtrace-gateway-config"), upgrade=False),
    "namePrefix": Case({"namePrefix": "prod-"}, refused="spec.global.namePrefix"),
    "configMapGenerator": Case(
        {
            "configMapGenerator": [{"name": "extra", "namespace": "zymtrace", "literals": ["EXTRA=1"]}],
            "patches": [{"path": "envfrom.yaml"}],
        },
        files=web_reads("configMapRef"),
        changes=("Deployment", "zymtrace-web"),
    ),
    "configMapGenerator-other-namespace": Case(
        {"configMapGenerator": [{"name": "extra", "literals": ["EXTRA=1"]}], "patches": [{"path": "envfrom.yaml"}]},
        files=web_reads("configMapRef"),
        refused="Set `namespace: zymtrace` on that configmapGenerator",
    ),
    "secretGenerator": Case(
        {
            "secretGenerator": [{"name": "extra", "namespace": "zymtrace", "literals": ["TOKEN=abc"]}],
            "patches": [{"path": "envfrom.yaml"}],
        },
        files=web_reads("secretRef"),
        changes=("Deployment", "zymtrace-web"),
    ),
    "replicas-under-hpa": Case(
        {"replicas": [{"name": "zymtrace-web", "count": 4}]},
        spec={"services": {"web": {"hpa": {"enabled": True}}}},
        refused="hpa.minReplicas",
    ),
    "replicas": Case({"replicas": [{"name": "zymtrace-web", "count": 4}]}),
}


def package(tmp: Path, case: Case, *, finisher: bool) -> Path:
    """A copy of base/ and a kustomization beside it: the generator, the transformation, the finisher."""
    shutil.copytree(ROOT / "base", tmp / "base", dirs_exist_ok=True)
    config_file = tmp / "base" / "generator" / "zymtrace.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["spec"] = deep_merge(config.get("spec") or {}, case.spec)
    config_file.write_text(yaml.safe_dump(config))
    overlay = tmp / "overlay"
    overlay.mkdir(exist_ok=True)
    for name, content in case.files.items():
        (overlay / name).write_text(yaml.safe_dump(content))
    kustomization = {"generators": ["../base/generator"], **case.kustomization}
    if finisher:
        kustomization["transformers"] = ["../base/finish"]
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    return overlay


def kustomize(binary: str, directory: Path) -> tuple[int, list[dict[str, Any]], str]:
    done = run(
        [tool(binary), "build", "--enable-alpha-plugins", str(directory)],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
    )
    return done.returncode, docs(done.stdout) if done.returncode == 0 else [], done.stderr


def through(path: str, tmp: Path, case: Case) -> tuple[int, list[dict[str, Any]], str]:
    if path != "hydrate":
        return kustomize(path, package(tmp, case, finisher=True))
    code, objects, err = kustomize("kustomize", package(tmp, case, finisher=False))
    assert code == 0, err
    stream = tmp / "stream.yaml"
    stream.write_text(yaml.safe_dump_all(objects))
    out = tmp / "hydrated"
    done = cli("hydrate", str(stream), "-o", str(out))
    if done.returncode != 0:
        assert not out.exists(), "a refused hydrate wrote files"
        return done.returncode, [], done.stderr
    return (
        0,
        [d for p in sorted(out.rglob("*.yaml")) if p.name != "kustomization.yaml" for d in docs(p.read_text())],
        "",
    )


def by_ref(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in objects}


def checksum(obj: dict[str, Any]) -> str | None:
    return (obj["spec"]["template"]["metadata"].get("annotations") or {}).get("checksum/config")


def readers(objects: dict[str, dict[str, Any]], kind: str, name: str) -> set[str]:
    """Workloads whose pod spec names that ConfigMap or Secret (envFrom, env, volumes); a workload itself
    for a change made to it directly."""
    if kind in ("Deployment", "StatefulSet"):
        return {f"{kind}/{name}"}
    key = "configMapRef" if kind == "ConfigMap" else "secretRef"
    out = set()
    for ref, obj in objects.items():
        if not ref.startswith(("Deployment/", "StatefulSet/")):
            continue
        text = yaml.safe_dump(obj["spec"]["template"]["spec"])
        if f"name: {name}\n" in text and (key in text or "KeyRef" in text or "secretName" in text):
            out.add(ref)
    return out


@pytest.fixture(scope="module")
def untransformed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    code, objects, err = kustomize("kustomize", package(tmp_path_factory.mktemp("plain"), Case({}), finisher=True))
    assert code == 0 and len(objects) == 41, err
    return objects


@pytest.mark.parametrize("path", [*KUSTOMIZES, "hydrate"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_transformation(name: str, path: str, tmp_path: Path, untransformed: list[dict[str, Any]]) -> None:
    case = CASES[name]
    code, objects, err = through(path, tmp_path, case)
    if case.refused:
        assert code != 0 and case.refused in err, err
        assert "Traceback" not in err
        return
    assert code == 0, err
    record([o for o in objects if o["kind"] != "ZymtraceFinish"])
    before, after = by_ref(untransformed), by_ref(objects)
    jobs_before = {r for r in before if r.startswith("Job/")}
    jobs_after = {r for r in after if r.startswith("Job/")}
    renamed = {
        prefix
        for prefix in ("zymtrace-migrate-", "zymtrace-minio-init-")
        if {r for r in jobs_after if prefix in r} != {r for r in jobs_before if prefix in r}
    }
    assert renamed == case.reruns
    rolls = readers(before, *case.changes) if case.changes else set()
    assert case.changes is None or rolls, "the test names a change nothing reads"
    for ref, obj in after.items():
        if not ref.startswith(("Deployment/", "StatefulSet/")) or ref not in before:
            continue
        if ref in rolls:
            assert checksum(obj) != checksum(before[ref]), f"{ref} reads what changed but does not roll"
        else:
            assert checksum(obj) == checksum(before[ref]), f"{ref} rolls although nothing it reads changed"


def test_namespace_moves_the_gateway_addresses(tmp_path: Path) -> None:
    code, objects, err = through("kustomize", tmp_path, CASES["namespace"])
    assert code == 0, err
    gateway = by_ref(objects)["ConfigMap/zymtrace-gateway-config"]["data"]
    addresses = [v for k, v in gateway.items() if k.endswith("_CLUSTER_ADDRESS")]
    assert addresses and all(".observability.svc." in v and ".zymtrace.svc" not in v for v in addresses)
    assert {o["metadata"]["namespace"] for o in objects} == {"observability"}


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if not c.refused and c.upgrade))
def test_transformed_upgrade_applies_over_an_install(
    apiserver: ApiServer, name: str, tmp_path: Path, untransformed: list[dict[str, Any]]
) -> None:
    """No immutable-field error: Jobs whose template changed are new objects, the others are unchanged."""
    namespace = f"transformed-{name.lower()}"
    apiserver.namespace(namespace)

    def moved(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for obj in objects:
            obj = yaml.safe_load(yaml.safe_dump(obj))
            obj["metadata"]["namespace"] = namespace
            out.append(obj)
        return out

    code, objects, err = through("kustomize", tmp_path, CASES[name])
    assert code == 0, err
    for stage in (untransformed, objects):
        rejected = [f"{r.ref}: {r.message}" for r in apiserver.apply_all(moved(stage)) if not r.ok]
        assert not rejected, rejected


CASE_CONFIGS = sorted((ROOT / "tests" / "cases").glob("*/config.yaml"))


@pytest.mark.parametrize("config_file", CASE_CONFIGS, ids=[p.parent.name for p in CASE_CONFIGS])
def test_finishing_an_untransformed_render_changes_no_byte(config_file: Path) -> None:
    """The pass re-derives with the renderer's own functions: on untouched output it is the identity, so
    base/ and the overlays, which always run it, render what `render` renders."""
    from kustomize_zymtrace import yamlio
    from kustomize_zymtrace.finish import finish
    from kustomize_zymtrace.loading import load_file_text
    from kustomize_zymtrace.render import render

    backend, _ = load_file_text(config_file.read_bytes(), str(config_file))
    text = yamlio.dump_all(render(backend))
    finished, notes = finish(yamlio.load_all(text, "render"))
    assert yamlio.dump_all(finished) == text
    assert notes == []


@pytest.mark.parametrize("finisher", [True, False], ids=["with-finisher", "without-finisher"])
def test_outer_overlay_changing_images(tmp_path: Path, finisher: bool) -> None:
    """The README's outer overlay: resources: [../../overlays/gke] plus images:. Its transformers run after
    everything the inner overlay did, so only its own finisher renames the migrate Job; without it the
    Job keeps its name (an apply would fail on the immutable template), and hydrate still renames it."""
    for part in ("base", "overlays"):
        shutil.copytree(ROOT / part, tmp_path / part)
    outer = tmp_path / "clusters" / "prod"
    outer.mkdir(parents=True)
    kustomization: dict[str, Any] = {
        "resources": ["../../overlays/gke"],
        "images": [{"name": BACKEND, "newTag": "26.9.0"}],
    }
    if finisher:
        kustomization["transformers"] = ["../../base/finish"]
    (outer / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    code, inner, err = kustomize("kustomize", tmp_path / "overlays" / "gke")
    assert code == 0, err
    code, objects, err = kustomize("kustomize", outer)
    assert code == 0, err

    def migrate(objects: list[dict[str, Any]]) -> dict[str, Any]:
        return next(o for o in objects if o["kind"] == "Job" and o["metadata"]["name"].startswith("zymtrace-migrate-"))

    assert migrate(objects)["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":26.9.0")
    renamed = migrate(objects)["metadata"]["name"] != migrate(inner)["metadata"]["name"]
    assert renamed == finisher
    stream = tmp_path / "stream.yaml"
    stream.write_text(yaml.safe_dump_all(objects))
    done = cli("hydrate", str(stream), "-o", str(tmp_path / "hydrated"))
    assert done.returncode == 0, done.stderr
    hydrated = [d for p in (tmp_path / "hydrated").glob("job_*.yaml") for d in docs(p.read_text())]
    assert migrate(hydrated)["metadata"]["name"] != migrate(inner)["metadata"]["name"]
    record(objects)
