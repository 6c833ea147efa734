"""Delivery details per GitOps tool: Argo CD waves that cannot deadlock on a volume, the plugin's
discovery and namespace check, Flux's prerequisites stage and hydrate's messages, kpt's annotations,
and warnings that reach the user where kustomize drops stderr. Real tools run as real processes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from configs import s3_with_iam
from helpers import BIN_DIR, PLUGIN_HOME, ROOT, cli, config, docs, render, run, tool, tool_env

from kustomize_zymtrace import emitter

HYDRATE = ROOT / "examples" / "flux" / "hydrate.sh"
WAVE = "argocd.argoproj.io/sync-wave"
DEPENDS_ON = "config.kubernetes.io/depends-on"
WORKLOADS = ("Deployment", "StatefulSet", "Job")
SPECS = [
    {},
    {"clickhouse": {"mode": "use_existing", "use_existing": {"host": "https://ch.example.com"}}},
    {"storage": s3_with_iam()},
]


def _claims_of(workload: dict[str, Any]) -> list[str]:
    volumes = workload["spec"]["template"]["spec"].get("volumes", [])
    return [v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v]


@pytest.mark.parametrize("spec", SPECS, ids=["default", "external-clickhouse", "s3"])
def test_argocd_claim_is_in_the_wave_of_its_first_consumer(spec: dict) -> None:
    """Under a WaitForFirstConsumer storage class a claim binds only once its pod exists: an earlier
    wave would wait forever for a Pending (Progressing) claim."""
    objects = render({**spec, "gitops": {"argocd": {"syncWaves": True}}})
    consumers: dict[str, list[int]] = {}
    for workload in (o for o in objects if o["kind"] in WORKLOADS):
        for claim in _claims_of(workload):
            consumers.setdefault(claim, []).append(int(workload["metadata"]["annotations"][WAVE]))
    claims = [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    assert claims
    for claim in claims:
        name = claim["metadata"]["name"]
        assert int(claim["metadata"]["annotations"][WAVE]) == min(consumers[name]), name


def test_kpt_annotations_keep_volumes_and_order_databases_migrate_services() -> None:
    objects = render()
    by_ref = {}
    for obj in objects:
        group = {"StatefulSet": "apps", "Deployment": "apps", "Job": "batch"}.get(obj["kind"], "")
        by_ref[f"{group}/namespaces/{obj['metadata']['namespace']}/{obj['kind']}/{obj['metadata']['name']}"] = obj
    for claim in (o for o in objects if o["kind"] == "PersistentVolumeClaim"):
        assert claim["metadata"]["annotations"]["cli-utils.sigs.k8s.io/on-remove"] == "keep"
    jobs = [o for o in objects if o["kind"] == "Job"]
    services = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "zymtrace-web"]
    assert jobs and services
    for obj in jobs + services:
        refs = obj["metadata"]["annotations"][DEPENDS_ON].split(",")
        assert all(
            re.fullmatch(r"(apps|batch)/namespaces/[a-z0-9-]+/(StatefulSet|Deployment|Job)/[a-z0-9-]+", r) for r in refs
        )
        assert all(r in by_ref for r in refs), refs
        wanted = {"StatefulSet"} if obj["kind"] == "Job" else {"Job"}
        assert {by_ref[r]["kind"] for r in refs} == wanted
    assert not [o for o in objects if o["kind"] == "StatefulSet" and DEPENDS_ON in o["metadata"]["annotations"]]
    unprotected = render({"gitops": {"protectVolumes": False}})
    assert not [o for o in unprotected if "cli-utils.sigs.k8s.io/on-remove" in o["metadata"]["annotations"]]


FOREIGN = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "zymtrace"}},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:zymtrace-read"}},
    {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "x", "namespace": "zymtrace"}},
]


def test_objects_we_do_not_own_go_to_the_prerequisites_stage_through_kustomize(tmp_path: Path) -> None:
    """ExternalSecrets and SecretStores next to the overlay, built by the real kustomize and hydrated:
    they land in 0-prerequisites, which the databases' Flux Kustomization depends on."""
    tool("kubectl")
    layer = tmp_path / "platform"
    layer.mkdir()
    shutil.copy(ROOT / "examples" / "secrets" / "external-secrets.yaml", layer / "external-secrets.yaml")
    (layer / "extra.yaml").write_text(emitter.dump_all(FOREIGN))
    (layer / "kustomization.yaml").write_text(
        emitter.dump(
            {"resources": [os.path.relpath(ROOT / "overlays" / "gke", layer), "external-secrets.yaml", "extra.yaml"]}
        )
    )
    out = tmp_path / "hydrated"
    result = run([str(HYDRATE), str(layer), str(out)], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    first = [yaml.safe_load(p.read_text())["kind"] for p in (out / "0-prerequisites").glob("*_*.yaml")]
    assert sorted(set(first)) == ["ClusterRole", "ExternalSecret", "Namespace", "SealedSecret", "SecretStore"]
    later = [
        yaml.safe_load(p.read_text())
        for d in ("1-databases", "2-migrate", "3-services")
        for p in (out / d).glob("*_*.yaml")
    ]
    assert later and all("zymtrace.io/generated-by" in o["metadata"]["annotations"] for o in later)
    top = yaml.safe_load((out / "Kustomization").read_text().split("\n", 1)[1])
    assert top["resources"][0] == "0-prerequisites"
    # Flux builds that stage (offline, as its controller would) with the ExternalSecrets in it.
    flux = next(
        d
        for d in docs((ROOT / "examples" / "flux" / "clusters" / "production" / "zymtrace.yaml").read_text())
        if d["kind"] == "Kustomization" and d["metadata"]["name"] == "zymtrace-prerequisites"
    )
    (tmp_path / "flux.yaml").write_text(emitter.dump(flux))
    stage = ["--path", str(out / "0-prerequisites"), "--kustomization-file", str(tmp_path / "flux.yaml")]
    built = run([tool("flux"), "build", "kustomization", "zymtrace-prerequisites", *stage, "--dry-run"])
    assert built.returncode == 0, built.stderr
    assert sorted({d["kind"] for d in docs(built.stdout)}) == sorted(set(first))
    databases = next(
        d
        for d in docs((ROOT / "examples" / "flux" / "clusters" / "production" / "zymtrace.yaml").read_text())
        if d["kind"] == "Kustomization" and d["metadata"]["name"] == "zymtrace-databases"
    )
    assert databases["spec"]["dependsOn"] == [{"name": "zymtrace-prerequisites"}]


def test_hydrate_check_prints_what_failed_when_the_render_fails(tmp_path: Path) -> None:
    tool("kubectl")
    overlay = tmp_path / "broken"
    (overlay / "generator").mkdir(parents=True)
    (overlay / "generator" / "zymtrace.yaml").write_text(emitter.dump(config({"postgres": {"mode": "not-a-mode"}})))
    (overlay / "generator" / "kustomization.yaml").write_text("resources:\n- zymtrace.yaml\n")
    (overlay / "kustomization.yaml").write_text("generators:\n- generator\n")
    result = run([str(HYDRATE), "--check", str(overlay), str(tmp_path / "out")], cwd=ROOT)
    assert result.returncode == 1
    assert "render failed" in result.stderr and "spec.postgres.mode" in result.stderr, result.stderr


def _kustomize_base(binary: str, **env: str) -> Any:
    return run(
        [binary, "build", "--enable-alpha-plugins", str(ROOT / "base")],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME), **env),
    )


@pytest.mark.parametrize("kustomize", ["kustomize", "kustomize-v5.5.0"])
def test_warnings_reach_the_user_under_kustomize(kustomize: str, tmp_path: Path) -> None:
    """kustomize drops a successful plugin's stderr: ZYMTRACE_WARNINGS=error fails the build with the
    warnings as errors, ZYMTRACE_WARNINGS_FILE collects them."""
    binary = tool(kustomize)
    quiet = _kustomize_base(binary)
    assert quiet.returncode == 0 and "plain text" not in quiet.stderr and docs(quiet.stdout)
    strict = _kustomize_base(binary, ZYMTRACE_WARNINGS="error")
    assert strict.returncode != 0 and not strict.stdout
    assert "spec.postgres.create.config.password" in strict.stderr and "ZYMTRACE_WARNINGS=error" in strict.stderr
    collected = tmp_path / "warnings"
    assert _kustomize_base(binary, ZYMTRACE_WARNINGS_FILE=str(collected)).returncode == 0
    assert "spec.postgres.create.config.password" in collected.read_text()


def test_hydrate_prints_a_summary_of_the_generators_warnings(tmp_path: Path) -> None:
    tool("kubectl")
    result = run([str(HYDRATE), "base", str(tmp_path / "out")], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "3 warning(s) from the generator" in result.stderr
    assert "spec.postgres.create.config.password" in result.stderr


def test_argocd_plugin_discovers_only_kustomizations_and_checks_the_namespace(tmp_path: Path) -> None:
    plugin = yaml.safe_load(
        yaml.safe_load((ROOT / "examples" / "argocd" / "cmp-plugin.yaml").read_text())["data"]["plugin.yaml"]
    )
    discover = plugin["spec"]["discover"]["find"]["command"]
    for claimed in ("overlays/gke", "base"):
        assert run(discover, cwd=ROOT / claimed).stdout.strip(), claimed
    for refused in ("examples/kpt", "examples/values"):
        found = run(discover, cwd=ROOT / refused)
        assert not found.stdout.strip(), refused
    generator = str(ROOT / "base" / "generator" / "zymtrace.yaml")
    moved = cli(generator, env=tool_env(ARGOCD_APP_NAMESPACE="elsewhere"))
    assert moved.returncode == 0
    assert "deploys to namespace 'elsewhere'" in moved.stderr and "'zymtrace'" in moved.stderr
    assert "deploys to namespace" not in cli(generator, env=tool_env(ARGOCD_APP_NAMESPACE="zymtrace")).stderr
    strict = cli(generator, env=tool_env(ARGOCD_APP_NAMESPACE="elsewhere", ARGOCD_ENV_ZYMTRACE_WARNINGS="error"))
    assert strict.returncode == 1 and "deploys to namespace 'elsewhere'" in strict.stderr
    assert os.environ.get("ARGOCD_APP_NAMESPACE") is None and BIN_DIR


@pytest.mark.slow
def test_kpt_live_orders_databases_then_migrate_then_services(apiserver: Any, tmp_path: Path) -> None:
    """The pinned kpt reads our depends-on annotations against a real API server: its apply plan puts
    the databases first, the Jobs after them and the services last (a dry run: no controllers here)."""
    kpt = tool("kpt")
    objects = render(namespace="kpt-live")
    apiserver.namespace("kpt-live")
    package = tmp_path / "pkg"
    package.mkdir()
    for n, obj in enumerate(objects):
        (package / f"{n:02d}.yaml").write_text(emitter.dump(obj))
    env = tool_env(KUBECONFIG=str(apiserver.kubeconfig))
    for step in (["live", "install-resource-group"], ["live", "init", str(package)]):
        result = run([kpt, *step], env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    result = run([kpt, "live", "apply", str(package), "--dry-run"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    phases: list[set[str]] = []
    for line in result.stdout.splitlines():
        if line == "apply phase started":
            phases.append(set())
        elif line.endswith(" apply successful"):
            phases[-1].add(line.split("/")[0])
    assert "apply result: 41 attempted, 41 successful" in result.stdout
    assert len(phases) == 3, result.stdout
    assert "statefulset.apps" in phases[0] and not phases[0] & {"job.batch", "deployment.apps"}
    assert phases[1] == {"job.batch"} and phases[2] == {"deployment.apps"}


def test_depends_on_follows_a_namespace_change_and_a_renamed_job() -> None:
    """An outer kustomize namespace: or images: changes what depends-on must name; the finishing pass
    writes it again from the final objects."""
    from kustomize_zymtrace.finish import finish

    objects = render()
    for obj in objects:
        obj["metadata"]["namespace"] = "moved"
    migrate = next(o for o in objects if o["kind"] == "Job" and o["metadata"]["name"].startswith("zymtrace-migrate-"))
    migrate["spec"]["template"]["spec"]["containers"][0]["image"] += "-patched"
    finished, _ = finish(objects)
    refs = {
        f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}" for o in finished if o["kind"] in WORKLOADS
    }
    named = [r for o in finished for r in o["metadata"]["annotations"].get(DEPENDS_ON, "").split(",") if r]
    assert named
    for ref in named:
        _group, _, namespace, kind, name = ref.split("/")
        assert f"{kind}/{namespace}/{name}" in refs, ref
    web = next(o for o in finished if o["kind"] == "Deployment" and o["metadata"]["name"] == "zymtrace-web")
    assert migrate["metadata"]["name"] in web["metadata"]["annotations"][DEPENDS_ON]
    assert "/namespaces/moved/" in web["metadata"]["annotations"][DEPENDS_ON]
