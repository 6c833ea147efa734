"""`diff` (what an apply of a change does) and its consequences; run as real processes where the input
kinds matter, in-process where a test needs objects no config can produce (a patched selector)."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiserver import ApiServer
from chart_state import chart_objects, install
from helpers import ROOT, cli, config, render, secret_data, tool, tool_env
from history import apply_as, kubectl, leftovers, secret_text, takeover

from kustomize_zymtrace import yamlio
from kustomize_zymtrace.review.consequences import Consequence, consequences
from kustomize_zymtrace.review.diff import diff_objects
from kustomize_zymtrace.review.inputs import key_of

BASE_CONFIG = ROOT / "base" / "generator" / "zymtrace.yaml"
APPS = ("gateway", "identity", "ingest", "symdb", "ui", "web")
S3 = {"mode": "use_existing", "use_existing": {"type": "s3", "s3": {"region": "eu-west-1", "useIAM": "aws"}}}


def write_config(path: Path, spec: dict[str, Any] | None = None) -> Path:
    path.write_text(yaml.safe_dump(config(spec)))
    return path


def review(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Consequence]:
    before = {key_of(o): o for o in old}
    return consequences(diff_objects(before, {key_of(o): o for o in new}))


def said(found: list[Consequence], section: str) -> dict[str, Consequence]:
    return {c.subject: c for c in found if c.section == section}


def workload(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


# ------------------------------------------------------------------ consequences of real config changes


def test_app_version_bump_reruns_migrate_and_rolls_every_app(tmp_path: Path) -> None:
    old = write_config(tmp_path / "old.yaml")
    new = write_config(tmp_path / "new.yaml", {"global": {"appVersion": "26.9.0"}})
    result = cli("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    rolls = out.split("Workloads that roll:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    for app in APPS:  # objects that roll for the same reason share a line
        line = next(line for line in rolls if re.search(rf"[ ,]zymtrace-{app}[,:]", line))
        assert line.startswith("  Deployment ") and "rolls - image" in line and "26.8.4 -> 26.9.0" in line, line
    assert len(rolls) == 3  # the gateway, the backend and the ui images
    migrate = next(line for line in out.splitlines() if line.startswith("  Job zymtrace-migrate: "))
    assert "runs again" in migrate and "26.8.4 -> 26.9.0" in migrate
    assert "1 created, 6 changed, 1 removed" in out
    for quiet in ("Data:", "Changes an apply would reject:", "Security:"):
        assert quiet not in out
    assert "StatefulSet" not in out  # the databases keep running


@pytest.mark.parametrize("protect", [True, False])
def test_moving_storage_to_s3_reports_the_minio_volume(protect: bool) -> None:
    old = render({"gitops": {"protectVolumes": protect}})
    new = render({"gitops": {"protectVolumes": protect}, "storage": S3})
    found = review(old, new)
    data = said(found, "data")
    claim = data["PersistentVolumeClaim zymtrace-minio"]
    assert claim.effect == "removed"
    if protect:
        assert claim.reason.startswith("kept when pruned by Flux, Argo CD")
    else:
        assert claim.reason.startswith("NOT protected")
    assert "PersistentVolumeClaim zymtrace-minio" in data["StatefulSet zymtrace-minio"].reason
    jobs = said(found, "job")
    assert jobs["Job zymtrace-minio-init"].effect == "removed"
    assert jobs["Job zymtrace-bucket-check"].effect == "runs for the first time"
    assert said(found, "roll")["StatefulSet zymtrace-minio"].effect == "stops"


def test_changed_configmap_value_rolls_through_the_checksum() -> None:
    old, new = render(), render({"global": {"dataRetentionDays": 14}})
    rolls = said(review(old, new), "roll")
    reason = rolls["Deployment zymtrace-ingest"].reason
    assert reason.startswith("checksum/config: ConfigMap zymtrace-config (data.INGEST__EVENT_TTL_HOURS)"), reason
    assert "image" not in reason


def test_configmap_changed_after_rendering_does_not_roll() -> None:
    old = render()
    new = copy.deepcopy(old)
    workload(new, "ConfigMap", "zymtrace-config")["data"]["INGEST__EVENT_TTL_HOURS"] = "1"
    rolls = said(review(old, new), "roll")
    assert rolls["Deployment zymtrace-ingest"].effect == "does not roll"
    assert "ConfigMap zymtrace-config" in rolls["Deployment zymtrace-ingest"].reason


def test_immutable_changes_are_flagged_with_a_remedy() -> None:
    old = render()
    new = copy.deepcopy(old)
    web = workload(new, "Deployment", "zymtrace-web")
    web["spec"]["selector"]["matchLabels"]["tier"] = "front"
    web["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    workload(new, "StatefulSet", "zymtrace-postgres")["spec"]["serviceName"] = "pg"
    workload(new, "Service", "zymtrace-postgres")["spec"].pop("clusterIP")
    workload(new, "PersistentVolumeClaim", "zymtrace-minio")["spec"]["resources"]["requests"]["storage"] = "10Gi"
    workload(new, "PersistentVolumeClaim", "zymtrace-clickhouse")["spec"]["resources"]["requests"]["storage"] = "1Ti"
    job = next(o for o in new if o["kind"] == "Job" and o["metadata"]["name"].startswith("zymtrace-migrate-"))
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "example.com/other:1"  # name kept: a patch
    rejected = said(review(old, new), "reject")
    assert "spec.selector.matchLabels.tier" in rejected["Deployment zymtrace-web"].effect
    assert "delete the Deployment" in rejected["Deployment zymtrace-web"].reason
    assert "spec.serviceName" in rejected["StatefulSet zymtrace-postgres"].effect
    assert "--cascade=orphan" in rejected["StatefulSet zymtrace-postgres"].reason
    assert "spec.clusterIP" in rejected["Service zymtrace-postgres"].effect
    assert "can only grow" in rejected["PersistentVolumeClaim zymtrace-minio"].reason
    assert "PersistentVolumeClaim zymtrace-clickhouse" not in rejected  # growing a claim is allowed
    assert f"kubectl delete job {job['metadata']['name']}" in rejected[f"Job {job['metadata']['name']}"].reason
    replaced = said(review(old, new), "data")["PersistentVolumeClaim zymtrace-minio"]
    assert replaced.effect == "must be replaced" and "deletes its data" in replaced.reason


def test_statefulset_claim_templates_follow_their_retention_policy() -> None:
    old = render()
    database = workload(old, "StatefulSet", "zymtrace-clickhouse")
    database["spec"]["volumeClaimTemplates"] = [
        {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    ]
    new = [o for o in old if o is not database]
    assert "retained (whenDeleted: Retain)" in said(review(old, new), "data")["StatefulSet zymtrace-clickhouse"].reason
    database["spec"]["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": "Delete"}
    assert "DELETED with it" in said(review(old, new), "data")["StatefulSet zymtrace-clickhouse"].reason


def test_security_changes_are_flagged() -> None:
    old, new = render({"security": {"profile": "restricted"}}), render()
    security = [c for c in review(old, new) if c.section == "security"]
    levels = {c.subject: c.effect for c in security if c.effect.startswith("Pod Security level")}
    assert levels["Deployment zymtrace-web"] == "Pod Security level restricted -> baseline"
    assert levels["Job zymtrace-migrate"] == "Pod Security level restricted -> baseline"
    effects = {(c.subject, c.effect) for c in security}
    assert ("Deployment zymtrace-web", "zymtrace-web: runAsNonRoot dropped") in effects
    assert ("Deployment zymtrace-gateway", "zymtrace-gateway: root filesystem writable") in effects

    patched = copy.deepcopy(old)
    pod = workload(patched, "Deployment", "zymtrace-web")["spec"]["template"]["spec"]
    pod["containers"][0]["securityContext"].update(privileged=True, capabilities={"add": ["SYS_ADMIN"]})
    pod["volumes"] = [{"name": "host", "hostPath": {"path": "/"}}]
    found = {(c.subject, c.effect): c for c in review(old, patched) if c.section == "security"}
    level = found["Deployment zymtrace-web", "Pod Security level restricted -> privileged"]
    assert "zymtrace-web: privileged" in level.reason
    for effect in ("zymtrace-web: adds capability SYS_ADMIN", "hostPath volume host added", "zymtrace-web: privileged"):
        assert ("Deployment zymtrace-web", effect) in found
    assert review(old, copy.deepcopy(old)) == []


# ------------------------------------------------------------------ the command: formats, exit codes, inputs


def test_markdown_format_for_a_pull_request(tmp_path: Path) -> None:
    old = write_config(tmp_path / "old.yaml")
    new = write_config(tmp_path / "new.yaml", {"global": {"appVersion": "26.9.0"}})
    out = cli("diff", str(old), str(new), "--format", "markdown").stdout
    assert out.startswith("## zymtrace backend: what this change does\n")
    assert "### Workloads that roll\n\n| Object | What happens | Why |\n|---|---|---|\n" in out
    assert "| Job zymtrace-migrate | runs again |" in out
    assert "<details><summary>Object diff</summary>" in out and "```diff\n+ Job/zymtrace-migrate-" in out
    assert out.rstrip().endswith("</details>")


def test_exit_code_only_when_asked(tmp_path: Path) -> None:
    old = write_config(tmp_path / "old.yaml")
    new = write_config(tmp_path / "new.yaml", {"services": {"web": {"replicas": 2}}})
    same = cli("diff", str(old), str(old), "--exit-code")
    assert (same.returncode, same.stdout) == (0, "No differences.\n")
    assert cli("diff", str(old), str(new)).returncode == 0
    changed = cli("diff", str(old), str(new), "--exit-code")
    assert changed.returncode == 1 and "~ Deployment/zymtrace-web: spec.replicas" in changed.stdout


def test_the_three_input_kinds_agree(tmp_path: Path) -> None:
    old_config = write_config(tmp_path / "old.yaml")
    new_config = write_config(tmp_path / "new.yaml", {"global": {"appVersion": "26.9.0"}})
    stream = cli("render", str(old_config)).stdout
    (tmp_path / "old-stream.yaml").write_text(stream)
    hydrated = tmp_path / "hydrated"
    assert cli("render", str(new_config), "-o", str(hydrated)).returncode == 0
    assert (hydrated / "Kustomization").exists()  # left out of the comparison
    assert cli("diff", str(old_config), str(tmp_path / "old-stream.yaml")).stdout == "No differences.\n"
    assert cli("diff", "-", str(old_config), stdin=stream).stdout == "No differences.\n"
    assert cli("diff", str(new_config), str(hydrated)).stdout == "No differences.\n"
    across = cli("diff", "-", str(hydrated), stdin=stream)
    assert across.returncode == 0 and "Job zymtrace-migrate: runs again" in across.stdout
    assert across.stdout == cli("diff", str(old_config), str(new_config)).stdout


def test_git_revisions(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    write_config(tmp_path / "zymtrace.yaml")
    assert cli("render", "zymtrace.yaml", "-o", "hydrated", cwd=tmp_path).returncode == 0
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    write_config(tmp_path / "zymtrace.yaml", {"global": {"appVersion": "26.9.0"}})
    assert cli("render", "zymtrace.yaml", "-o", "hydrated", cwd=tmp_path).returncode == 0
    by_file = cli("diff", "HEAD:zymtrace.yaml", "zymtrace.yaml", cwd=tmp_path)
    by_directory = cli("diff", "HEAD:hydrated", "hydrated", cwd=tmp_path)
    assert by_file.returncode == 0 and "Job zymtrace-migrate: runs again" in by_file.stdout
    assert by_directory.stdout == by_file.stdout
    missing = cli("diff", "HEAD:nothing.yaml", "zymtrace.yaml", cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "nothing.yaml" in missing.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("a: [", "line"),
        ("- just\n- a list\n", "document 1 is not a Kubernetes object"),
        (
            "---\n".join(["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"] * 2),
            "ConfigMap/a appears twice",
        ),
        (yaml.safe_dump(config({"postgres": {"mode": "nope"}})), "spec.postgres.mode"),
        ("", "no Kubernetes objects"),
    ],
)
def test_invalid_input_is_one_line_and_exit_1(tmp_path: Path, content: str | None, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    if content is not None:
        bad.write_text(content)
    result = cli("diff", str(BASE_CONFIG), str(bad))
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("[error]") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_secret_values_are_never_shown(tmp_path: Path) -> None:
    old = write_config(tmp_path / "old.yaml", {"postgres": {"create": {"config": {"password": "old-pw-7731"}}}})
    new = write_config(tmp_path / "new.yaml", {"postgres": {"create": {"config": {"password": "new-pw-8842"}}}})
    for fmt in ("text", "markdown"):
        out = cli("diff", str(old), str(new), "--format", fmt).stdout
        assert "Secret/zymtrace-postgres-secrets" in out and "checksum/config" in out
        assert "pw-7731" not in out and "pw-8842" not in out


def test_help_describes_both_commands() -> None:
    diff = cli("diff", "--help")
    assert diff.returncode == 0 and "--exit-code" in diff.stdout and "--format" in diff.stdout
    graph = cli("graph", "--help")
    assert graph.returncode == 0 and "Mermaid" in graph.stdout


def test_readme_sample_is_real_output(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text().split("## Reviewing a change", 1)[1]
    sample = readme.split("```text\n", 1)[1].split("```", 1)[0]
    old = write_config(tmp_path / "old.yaml")
    new = write_config(tmp_path / "new.yaml", {"global": {"appVersion": "26.9.0"}})
    out = cli("diff", str(old), str(new)).stdout.splitlines()
    shown = [line for line in sample.splitlines() if line.strip() != "..."]
    assert len(shown) > 8 and all(line in out for line in shown), [line for line in shown if line not in out]


def test_example_workflow_renders_both_sides_and_writes_the_comment(tmp_path: Path) -> None:
    """The pull-request workflow's own shell steps, run with real kubectl on two checkouts of the repo."""
    workflow = yaml.safe_load((ROOT / "examples" / "github" / "diff-comment.yaml").read_text())
    steps = {step.get("name"): step for step in workflow["jobs"]["review"]["steps"]}
    for side in ("base", "head"):
        for part in ("base", "overlays", "plugin"):
            shutil.copytree(ROOT / part, tmp_path / side / part)
    patch = tmp_path / "head" / "overlays" / "gke" / "generator" / "zymtrace.yaml"
    patch.write_text(patch.read_text().replace("  global:\n", "  global:\n    appVersion: 26.9.0\n", 1))
    kubectl = Path(tool("kubectl")).parent
    env = tool_env(OVERLAY=workflow["env"]["OVERLAY"], GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    env["PATH"] = f"{env['PATH']}{os.pathsep}{kubectl}"
    for name in ("Render the base and the head", "What the change does"):
        done = subprocess.run(
            ["bash", "-e", "-c", steps[name]["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    comment = (tmp_path / "review.md").read_text()
    assert comment.startswith("## zymtrace backend") and "| Job zymtrace-migrate | runs again |" in comment
    assert (tmp_path / "summary.md").read_text() == comment
    assert "gh pr comment" in steps["Comment on the pull request"]["run"]


def test_lists_and_resource_lists_stand_for_their_items(tmp_path: Path) -> None:
    old = write_config(tmp_path / "old.yaml")
    objects = yaml.safe_load_all(cli("render", str(old)).stdout)
    as_list = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
    (tmp_path / "list.yaml").write_text(yaml.safe_dump(as_list))
    resource_list = {**as_list, "apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList"}
    (tmp_path / "resource-list.yaml").write_text(yaml.safe_dump(resource_list))
    assert cli("diff", str(old), str(tmp_path / "list.yaml")).stdout == "No differences.\n"
    assert cli("diff", str(tmp_path / "resource-list.yaml"), str(old)).stdout == "No differences.\n"


def test_graph_of_an_invalid_config_is_one_line_and_exit_1(tmp_path: Path) -> None:
    bad = write_config(tmp_path / "bad.yaml", {"postgres": {"mode": "nope"}})
    for args in (["graph", str(bad)], ["graph", str(tmp_path / "missing.yaml")]):
        result = cli(*args)
        assert result.returncode == 1 and result.stdout == "", args
        assert result.stderr.startswith("[error]") and "Traceback" not in result.stderr
    assert "spec.postgres.mode" in cli("graph", str(bad)).stderr


@pytest.mark.parametrize("profile", ["baseline", "restricted"])
def test_pod_security_assessment_agrees_with_the_hardening_profiles(profile: str) -> None:
    """Every workload rendered under spec.security.profile meets exactly that Pod Security level."""
    from kustomize_zymtrace.review.security import level

    workloads = [
        o for o in render({"security": {"profile": profile}}) if o["kind"] in ("Deployment", "StatefulSet", "Job")
    ]
    assert len(workloads) == 11
    assert {o["metadata"]["name"]: level(o["spec"]["template"]["spec"])[0] for o in workloads} == {
        o["metadata"]["name"]: profile for o in workloads
    }


def test_handing_replicas_to_an_autoscaler_warns_of_the_drop_to_one() -> None:
    old = render({"services": {"web": {"replicas": 3}}})
    new = render({"services": {"web": {"replicas": 3, "hpa": {"enabled": True, "maxReplicas": 6}}}})
    rolls = said(review(old, new), "roll")
    assert rolls["Deployment zymtrace-web"].effect == "scales down to 1 pod until its autoscaler acts"
    assert "spec.replicas (3)" in rolls["Deployment zymtrace-web"].reason
    assert "Deployment zymtrace-ingest" not in rolls


# ------------------------------------------------------------------ what the cluster keeps


def as_stringdata(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our Secrets as releases before this one wrote them: text in stringData."""
    out = copy.deepcopy(objects)
    for obj in out:
        if obj["kind"] == "Secret" and obj["type"] == "Opaque":
            obj["stringData"] = secret_data(obj)
            obj.pop("data", None)
    return out


PG_FROM_SECRET = {"postgres": {"create": {"config": {"passwordSecretName": "pg"}}}}
PG_KEYS = ["IDENTITY__POSTGRES__PASSWORD", "POSTGRES_PASSWORD", "SYMDB__POSTGRES__PASSWORD", "WEB__POSTGRES__PASSWORD"]


def test_keys_a_stringdata_secret_drops_are_named_as_left_in_the_cluster(tmp_path: Path) -> None:
    old = as_stringdata(render())
    found = review(old, render(PG_FROM_SECRET))
    kept = said(found, "cluster")
    pg = kept["Secret zymtrace-postgres-secrets"]
    assert pg.effect == f"keeps {', '.join(PG_KEYS[:4])}" and "kustomize-zymtrace takeover" in pg.reason
    assert kept["Secret zymtrace-clickhouse-secrets"].effect == "written as data from now on"
    # The same config in both forms: nothing changes in what is rendered, the note stays.
    (tmp_path / "old.yaml").write_text(yaml.safe_dump_all(old))
    write_config(tmp_path / "new.yaml")
    result = cli("diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--exit-code")
    assert result.returncode == 0 and result.stdout.startswith("No differences.\n\nLeft in the cluster:\n")
    assert "postgres123" not in result.stdout and "cG9zdGdyZXMxMjM" not in result.stdout  # no value, either form


def test_what_diff_says_the_cluster_keeps_is_what_it_keeps(apiserver: ApiServer, tmp_path: Path) -> None:
    """A Secret applied through stringData (server-side, as Flux does), then our data render without
    four keys: the keys stay, as diff says; the takeover hands them over and the next apply removes them."""
    namespace = "review-stringdata"
    apiserver.namespace(namespace)
    old = as_stringdata(render(namespace=namespace))
    new = render(PG_FROM_SECRET, namespace=namespace)
    apply_as(apiserver, "flux", old, tmp_path)
    apply_as(apiserver, "flux", new, tmp_path)
    assert sorted(secret_text(apiserver, "zymtrace-postgres-secrets", namespace)) == sorted(["PGDATA", *PG_KEYS])
    rendered = tmp_path / "new.yaml"
    rendered.write_text(yamlio.dump_all(new))
    done = takeover(apiserver, rendered, "--to", "flux", "--apply")
    assert done.returncode == 0, done.stderr
    assert "data.POSTGRES_PASSWORD" in done.stdout
    apply_as(apiserver, "flux", new, tmp_path)
    assert sorted(secret_text(apiserver, "zymtrace-postgres-secrets", namespace)) == ["PGDATA"]
    assert leftovers(apiserver, new, "flux").empty


def test_what_helm_wrote_is_named_when_old_is_read_from_the_cluster(apiserver: ApiServer, tmp_path: Path) -> None:
    """OLD as kubectl prints the cluster's objects (with managedFields): Helm's fields stay until handed over."""
    namespace = "review-helm"
    apiserver.namespace(namespace)
    new = render(namespace=namespace)
    install(apiserver, chart_objects(new))
    live = kubectl(apiserver, "get", "deployments,secrets", "-n", namespace, "-o", "yaml", "--show-managed-fields")
    assert live.returncode == 0, live.stderr
    (tmp_path / "live.yaml").write_text(live.stdout)
    (tmp_path / "new.yaml").write_text(yamlio.dump_all(new))
    out = cli("diff", str(tmp_path / "live.yaml"), str(tmp_path / "new.yaml")).stdout
    kept = out.split("Left in the cluster:\n", 1)[1].split("\n\n", 1)[0]
    assert "Deployment zymtrace-gateway, zymtrace-identity" in kept and ": keeps what helm set and NEW does not" in kept
    assert "kustomize-zymtrace takeover NEW --to TOOL --apply" in kept
    assert "keeps what" not in cli("diff", str(tmp_path / "new.yaml"), str(tmp_path / "new.yaml")).stdout
