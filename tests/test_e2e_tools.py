"""End to end through the real tools: kubectl kustomize with the legacy plugin, kpt fn render with exec.

`kubectl kustomize` silently skips exec KRM functions (empty output, exit 0), so every check here
counts what was rendered, never only an exit code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from helpers import ROOT, docs, kinds, kustomize_build, record, run, tool, tool_env


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_kubectl_kustomize_builds_base_through_the_legacy_plugin() -> None:
    objects = kustomize_build(ROOT / "base")
    assert len(objects) == 41
    assert kinds(objects)["Deployment"] == 6
    assert {o["metadata"]["namespace"] for o in objects} == {"zymtrace"}
    # The config itself is local-config: kustomize drops it, and no generated object carries the marker.
    assert not [o for o in objects if o["kind"] == "ZymtraceBackend"]


def test_kubectl_without_plugin_home_fails_loudly_not_silently(tmp_path: Path) -> None:
    kubectl = tool("kubectl")
    empty_home = tmp_path / "plugins"
    empty_home.mkdir()
    result = run(
        [kubectl, "kustomize", "--enable-alpha-plugins", str(ROOT / "base")],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(empty_home)),
    )
    assert result.returncode != 0 and result.stdout == ""


def kpt_render(package: Path) -> tuple[int, str]:
    kpt = tool("kpt")
    # kpt resolves exec paths against its working directory: run it from inside the package.
    result = run([kpt, "fn", "render", "--allow-exec", "."], cwd=package)
    return result.returncode, result.stdout + result.stderr


def test_kpt_render_hydrates_idempotently_and_prunes(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "examples" / "kpt", package)
    before = snapshot(package)
    code, log = kpt_render(package)
    assert code == 0, log
    first = snapshot(package)
    # The user's files come back byte for byte.
    for name in ("Kptfile", "zymtrace.yaml"):
        assert first[name] == before[name], name
    generated = [p for p in first if p.startswith("generated/")]
    assert len(generated) == 41
    objects = record([d for p in generated for d in docs(first[p].decode())])
    assert kinds(objects)["Deployment"] == 6

    code, log = kpt_render(package)
    assert code == 0, log
    assert snapshot(package) == first, "a second render changed files"

    config = yaml.safe_load((package / "zymtrace.yaml").read_text())
    config["spec"]["storage"] = {
        "mode": "use_existing",
        "use_existing": {"type": "gcs", "gcs": {"accessKeySecretName": "gcs-hmac", "secretKeySecretName": "gcs-hmac"}},
    }
    (package / "zymtrace.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    code, log = kpt_render(package)
    assert code == 0, log
    after = snapshot(package)
    removed = {p for p in first if p not in after}
    assert removed == {
        "generated/zymtrace/statefulset_zymtrace-minio.yaml",
        "generated/zymtrace/service_zymtrace-minio.yaml",
        "generated/zymtrace/persistentvolumeclaim_zymtrace-minio.yaml",
        "generated/zymtrace/secret_zymtrace-minio-secrets.yaml",
        *[p for p in first if "job_zymtrace-minio-init-" in p],
    } | {p for p in first if "job_zymtrace-migrate-" in p}
    record([d for p in after if p.startswith("generated/") for d in docs(after[p].decode())])


def test_kpt_reports_config_errors_and_writes_nothing(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "examples" / "kpt", package)
    config = yaml.safe_load((package / "zymtrace.yaml").read_text())
    config["spec"]["postgres"] = {"mode": "gcp_cloudsql", "gcp_cloudsql": {"instance": "not-a-connection-name"}}
    (package / "zymtrace.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    before = snapshot(package)
    code, log = kpt_render(package)
    assert code != 0
    assert "spec.postgres.gcp_cloudsql.instance" in log and "PROJECT:REGION:INSTANCE" in log
    assert "Traceback" not in log
    assert snapshot(package) == before
