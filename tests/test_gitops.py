"""GitOps delivery paths (issue 5), each run for real: the container function through kubectl kustomize
and kpt with a fake docker, the Flux hydrate script, the Argo CD plugin command, from-helm-values."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import (
    BIN_DIR,
    ROOT,
    cli,
    config,
    containers,
    docs,
    find,
    find_prefix,
    kinds,
    kustomize_build,
    record,
    render,
    run,
    tool,
    tool_env,
)

FAKE_DOCKER = ROOT / "tests" / "fake-docker"
IMAGE = "ghcr.io/example/kustomize-zymtrace:0.1.0"
HYDRATE = ROOT / "examples" / "flux" / "hydrate.sh"


def generated_objects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if "zymtrace.io/generated-by" in o["metadata"].get("annotations", {})]


# ------------------------------------------------------------------ container image path


def test_dockerfile_runs_the_function_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["kustomize-zymtrace"]' in dockerfile
    assert "USER 65534:65534" in dockerfile
    # Bytecode compiled at build time, so the read-only container never compiles (bench/container.py).
    assert "--no-compile" not in dockerfile and "python -m compileall" in dockerfile
    # The saved validator is rebuilt for the pydantic the image got (else every run rebuilds it).
    assert "python -m kustomize_zymtrace.model.compiled > /tmp/compiled.json" in dockerfile
    assert re.search(r"^ARG PYTHON_IMAGE=\S+:\S+@sha256:[0-9a-f]{64}$", dockerfile, flags=re.M), "pin by digest"


def test_kustomize_container_function_through_fake_docker(tmp_path: Path) -> None:
    """kustomize's own `docker run` invocation, answered by the function running locally."""
    kubectl = tool("kubectl")
    body = config(name="zymtrace", namespace="zymtrace")
    body["metadata"]["annotations"] = {"config.kubernetes.io/function": f"container:\n  image: {IMAGE}\n"}
    (tmp_path / "zymtrace.yaml").write_text(yaml.safe_dump(body))
    (tmp_path / "kustomization.yaml").write_text("generators:\n- zymtrace.yaml\n")
    log = tmp_path / "docker.log"
    env = tool_env(FAKE_DOCKER_LOG=str(log))
    env["PATH"] = f"{FAKE_DOCKER}{os.pathsep}{env['PATH']}"
    result = run([kubectl, "kustomize", "--enable-alpha-plugins", str(tmp_path)], env=env)
    assert result.returncode == 0, result.stderr
    objects = record(docs(result.stdout))
    assert len(objects) == 41
    invocation = log.read_text()
    assert (
        invocation.startswith("run --rm -i") and "--network none" in invocation and invocation.strip().endswith(IMAGE)
    )
    assert "--user nobody" in invocation


def test_kpt_image_pipeline_through_fake_docker(tmp_path: Path) -> None:
    kpt = tool("kpt")
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "examples" / "kpt", package)
    kptfile = yaml.safe_load((package / "Kptfile").read_text())
    kptfile["pipeline"]["mutators"] = [{"image": IMAGE, "configPath": "zymtrace.yaml"}]
    (package / "Kptfile").write_text(yaml.safe_dump(kptfile, sort_keys=False))
    log = tmp_path / "docker.log"
    env = tool_env(FAKE_DOCKER_LOG=str(log))
    env["PATH"] = f"{FAKE_DOCKER}{os.pathsep}{env['PATH']}"
    result = run([kpt, "fn", "render", "."], cwd=package, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    written = sorted((package / "generated" / "zymtrace").glob("*.yaml"))
    assert len(written) == 41
    record([d for p in written for d in docs(p.read_text())])
    assert f"--pull missing {IMAGE}" in log.read_text() or IMAGE in log.read_text()


# ------------------------------------------------------------------ kpt: several instances in one package


def test_kpt_package_with_two_instances(tmp_path: Path) -> None:
    kpt = tool("kpt")
    package = tmp_path / "pkg"
    package.mkdir()
    kptfile = yaml.safe_load((ROOT / "examples" / "kpt" / "Kptfile").read_text())
    kptfile["pipeline"]["mutators"] = [{"exec": "kustomize-zymtrace"}]  # no configPath: every instance renders
    (package / "Kptfile").write_text(yaml.safe_dump(kptfile, sort_keys=False))
    for team in ("alpha", "beta"):
        (package / team).mkdir()
        instance = config({"global": {"namePrefix": team}}, name=team, namespace=f"zymtrace-{team}")
        instance["metadata"]["annotations"] = {"config.kubernetes.io/local-config": "true"}
        (package / team / "zymtrace.yaml").write_text(yaml.safe_dump(instance))
    result = run([kpt, "fn", "render", "--allow-exec", "."], cwd=package)
    assert result.returncode == 0, result.stderr
    for team in ("alpha", "beta"):
        files = sorted((package / team / "generated" / team).glob("*.yaml"))
        assert len(files) == 41, team
        objects = record([d for p in files for d in docs(p.read_text())])
        assert {o["metadata"]["namespace"] for o in objects} == {f"zymtrace-{team}"}
    # Deleting one instance prunes exactly its objects on the next render.
    shutil.rmtree(package / "beta")
    (package / "beta").mkdir()
    result = run([kpt, "fn", "render", "--allow-exec", "."], cwd=package)
    assert result.returncode == 0, result.stderr
    assert not list((package / "beta").rglob("*.yaml"))
    assert len(list((package / "alpha" / "generated" / "alpha").glob("*.yaml"))) == 41


# ------------------------------------------------------------------ Flux


def test_flux_hydrated_example_is_current_and_drift_fails(tmp_path: Path) -> None:
    tool("kubectl")
    committed = ROOT / "examples" / "flux" / "hydrated" / "gke"
    check = run([str(HYDRATE), "--check", "overlays/gke", str(committed)], cwd=ROOT)
    assert check.returncode == 0, (
        check.stderr + "\nrun: examples/flux/hydrate.sh overlays/gke examples/flux/hydrated/gke"
    )
    stale = tmp_path / "stale"
    shutil.copytree(committed, stale)
    deployment = stale / "3-services" / "deployment_zymtrace-web.yaml"
    deployment.write_text(deployment.read_text() + "# edited by hand\n")
    drift = run([str(HYDRATE), "--check", "overlays/gke", str(stale)], cwd=ROOT)
    assert drift.returncode == 1 and "drift" in drift.stderr


def test_hydrated_directory_builds_with_plain_kustomize_to_the_plugin_build(tmp_path: Path) -> None:
    """No plugins needed downstream: the hydrated YAML is exactly what the plugin build produced."""
    kubectl = tool("kubectl")
    plugin_build = kustomize_build(ROOT / "overlays" / "gke")
    out = tmp_path / "hydrated"
    assert run([str(HYDRATE), "overlays/gke", str(out)], cwd=ROOT).returncode == 0
    plain = run([kubectl, "kustomize", str(out)], env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(tmp_path / "none")))
    assert plain.returncode == 0, plain.stderr
    hydrated = record(docs(plain.stdout))

    def key(o: dict[str, Any]) -> tuple[str, str]:
        return o["kind"], o["metadata"]["name"]

    assert sorted(hydrated, key=key) == sorted(plugin_build, key=key)
    stages = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert stages == ["0-prerequisites", "1-databases", "2-migrate", "3-services"]
    assert {o["kind"] for o in docs("".join(p.read_text() for p in (out / "2-migrate").glob("job_*.yaml")))} == {"Job"}


def test_flux_objects_chain_the_stages() -> None:
    objects = docs((ROOT / "examples" / "flux" / "clusters" / "production" / "zymtrace.yaml").read_text())
    kustomizations = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "Kustomization"}
    assert kustomizations["zymtrace-databases"]["dependsOn"] == [{"name": "zymtrace-prerequisites"}]
    assert kustomizations["zymtrace-migrate"]["dependsOn"] == [{"name": "zymtrace-databases"}]
    assert kustomizations["zymtrace-services"]["dependsOn"] == [{"name": "zymtrace-migrate"}]
    for spec in kustomizations.values():
        assert spec["wait"] is True and spec["prune"] is True
        assert (ROOT / spec["path"]).is_dir(), spec["path"]
    assert [o for o in objects if o["kind"] == "GitRepository"]


def test_flux_protections() -> None:
    objects = render()
    for claim in (o for o in objects if o["kind"] == "PersistentVolumeClaim"):
        annotations = claim["metadata"]["annotations"]
        assert annotations["kustomize.toolkit.fluxcd.io/prune"] == "disabled"
        assert annotations["argocd.argoproj.io/sync-options"] == "Prune=false,Delete=false"
    for obj in objects:
        protected = obj["metadata"]["annotations"].get("kustomize.toolkit.fluxcd.io/substitute") == "disabled"
        assert protected == ("${" in yaml.safe_dump(obj)), obj["metadata"]["name"]
    unprotected = render({"gitops": {"protectVolumes": False}})
    assert not [o for o in unprotected if "kustomize.toolkit.fluxcd.io/prune" in o["metadata"]["annotations"]]


# ------------------------------------------------------------------ Argo CD


def test_argocd_sync_waves_order_databases_jobs_services_ingress() -> None:
    objects = render({"gitops": {"argocd": {"syncWaves": True}}, "ingress": {"enabled": True}})

    def wave(kind: str, name: str) -> int:
        match = find_prefix(objects, kind, name)
        return int(match["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])

    assert wave("Secret", "zymtrace-postgres-secrets") < wave("StatefulSet", "zymtrace-postgres")
    assert wave("StatefulSet", "zymtrace-postgres") < wave("Job", "zymtrace-migrate-")
    assert wave("Job", "zymtrace-migrate-") < wave("Deployment", "zymtrace-web")
    assert wave("Service", "zymtrace-clickhouse") == wave("StatefulSet", "zymtrace-clickhouse")
    assert wave("Deployment", "zymtrace-web") < wave("Ingress", "zymtrace-gateway-ingress")
    assert "argocd.argoproj.io/sync-wave" not in find(render(), "Deployment", "zymtrace-web")["metadata"]["annotations"]


def test_argocd_plugin_generate_command_renders_the_application_path(tmp_path: Path) -> None:
    """Run the CMP's generate command the way the sidecar would, with the pinned standalone kustomize."""
    kustomize_bin = Path(tool("kustomize")).parent
    plugin = yaml.safe_load(
        yaml.safe_load((ROOT / "examples" / "argocd" / "cmp-plugin.yaml").read_text())["data"]["plugin.yaml"]
    )
    application = yaml.safe_load((ROOT / "examples" / "argocd" / "application.yaml").read_text())
    assert (
        application["spec"]["source"]["plugin"]["name"] == f"{plugin['metadata']['name']}-{plugin['spec']['version']}"
    )
    env = tool_env(KUSTOMIZE_PLUGIN_HOME=str(ROOT / "plugin"))
    env["PATH"] = f"{kustomize_bin}{os.pathsep}{BIN_DIR}{os.pathsep}{env['PATH']}"
    source = ROOT / application["spec"]["source"]["path"]
    discover = plugin["spec"]["discover"]["find"]["command"]
    found = run(discover, cwd=source, env=env)
    assert found.returncode == 0 and found.stdout.strip(), "the plugin does not claim the application path"
    generate = plugin["spec"]["generate"]
    result = run(generate["command"] + generate["args"], cwd=source, env=env)
    assert result.returncode == 0, result.stderr
    objects = record(docs(result.stdout))
    assert len(objects) == 36 and kinds(objects)["HorizontalPodAutoscaler"] == 2


# ------------------------------------------------------------------ secrets without plaintext


def test_strict_secrets_turns_inline_credentials_into_errors() -> None:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render_with_findings
    from kustomize_zymtrace.results import ConfigError

    backend, _ = load(config({"gitops": {"strictSecrets": True}}))
    with pytest.raises(ConfigError) as caught:
        render_with_findings(backend)
    results = caught.value.results
    assert {r.path for r in results} == {
        "spec.clickhouse.create.config.password",
        "spec.postgres.create.config.password",
        "spec.storage.create.config.password",
    }
    assert all("strictSecrets" in r.message for r in results)
    assert all(secret not in r.message for r in results for secret in ("clickhouse123", "postgres123", "minio123"))


def test_gke_overlay_references_exactly_the_secrets_the_example_provides() -> None:
    objects = kustomize_build(ROOT / "overlays" / "gke")
    ours = {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
    referenced = set()
    for workload in (o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "Job")):
        for container in containers(workload) + containers(workload, init=True):
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    referenced.add(ref["name"])
    provided = {
        o["spec"]["target"]["name"]
        for o in docs((ROOT / "examples" / "secrets" / "external-secrets.yaml").read_text())
        if o["kind"] == "ExternalSecret"
    }
    assert referenced - ours == provided


def test_credentials_in_urls_are_not_echoed(tmp_path: Path) -> None:
    file = tmp_path / "config.yaml"
    host = "clickhouse://admin:hunter2@ch:8123"
    file.write_text(yaml.safe_dump(config({"clickhouse": {"mode": "use_existing", "use_existing": {"host": host}}})))
    result = cli("render", str(file))
    assert result.returncode == 1 and "hunter2" not in result.stderr and "//***@ch:8123" in result.stderr


def test_secret_values_never_reach_messages_or_annotations(tmp_path: Path) -> None:
    secret = "pa55-do-not-print"
    file = tmp_path / "config.yaml"
    file.write_text(yaml.safe_dump(config({"postgres": {"create": {"config": {"password": secret}}}})))
    result = cli("render", str(file))
    assert result.returncode == 0
    assert secret not in result.stderr
    for obj in docs(result.stdout):
        assert secret not in yaml.safe_dump(obj["metadata"])
        template = obj.get("spec", {}).get("template", {}).get("metadata", {})
        assert secret not in yaml.safe_dump(template)


# ------------------------------------------------------------------ migration from Helm


def test_from_helm_values_keeps_comments_pins_chart_defaults_and_renders(tmp_path: Path) -> None:
    source = ROOT / "examples" / "values" / "production-values.yaml"
    schema = "../../schema/zymtracebackend-v1alpha1.schema.json"
    result = cli("from-helm-values", str(source), "--name", "zymtrace", "--namespace", "zymtrace", "--schema", schema)
    assert result.returncode == 0, result.stderr
    committed = ROOT / "examples" / "values" / "production.zymtrace.yaml"
    assert result.stdout == committed.read_text().replace("examples/values/", str(source.parent) + "/"), "stale example"
    text = result.stdout
    assert text.startswith(f"# yaml-language-server: $schema={schema}\n")
    assert "yaml-language-server" not in cli("from-helm-values", str(source)).stdout  # only when asked
    assert "# one UI pod is plenty" in text and "# IRSA" in text
    converted = yaml.safe_load(text)
    assert converted["spec"]["postgres"]["use_existing"]["database"] == "zymtrace"  # the chart's default, pinned
    assert converted["spec"]["services"]["common"]["hpa"]["maxReplicas"] == 10
    file = tmp_path / "converted.yaml"
    file.write_text(text)
    rendered = cli("render", str(file))
    assert rendered.returncode == 0, rendered.stderr
    objects = record(docs(rendered.stdout))
    assert find(objects, "ConfigMap", "zymtrace-config")["data"]["WEB__POSTGRES__DATABASE"] == "zymtrace_web"
    assert kinds(objects)["HorizontalPodAutoscaler"] == 5  # every service but the ui


def test_from_helm_values_rejects_what_would_not_render(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("postgres:\n  mode: cloudsql\n")
    result = cli("from-helm-values", str(values))
    assert result.returncode == 1 and result.stdout == ""
    assert "spec.postgres.mode" in result.stderr and "did you mean 'gcp_cloudsql'" in result.stderr


@pytest.mark.parametrize("seed", ["1", "4242"])
def test_byte_identical_across_hash_seeds(seed: str) -> None:
    base = cli(
        "render", str(ROOT / "overlays" / "gke" / "generator" / "zymtrace.yaml"), env=tool_env(PYTHONHASHSEED="0")
    )
    other = cli(
        "render", str(ROOT / "overlays" / "gke" / "generator" / "zymtrace.yaml"), env=tool_env(PYTHONHASHSEED=seed)
    )
    assert base.returncode == other.returncode == 0, base.stderr
    assert base.stdout == other.stdout and base.stderr == other.stderr


def test_from_helm_values_converts_a_complete_values_tree(tmp_path: Path) -> None:
    """Every key of the values tree, at its default (the shape of the chart's own values.yaml plus
    its commented keys), converts and renders."""
    from kustomize_zymtrace.model import compiled

    values = yaml.safe_load(yaml.safe_dump(compiled.defaults()))
    values["services"]["web"]["hpa"] = {"enabled": True}
    values["aiAssistant"]["mcpServers"] = [{"name": "docs", "endpoint": "http://mcp:1234/mcp"}]
    file = tmp_path / "values.yaml"
    file.write_text("# every key\n" + yaml.safe_dump(values))
    result = cli("from-helm-values", str(file), "--namespace", "observability")
    assert result.returncode == 0, result.stderr
    converted = tmp_path / "zymtrace.yaml"
    converted.write_text(result.stdout)
    rendered = cli("render", str(converted))
    assert rendered.returncode == 0, rendered.stderr
    objects = record(docs(rendered.stdout))
    assert len(objects) == 42 and {o["metadata"]["namespace"] for o in objects} == {"observability"}
