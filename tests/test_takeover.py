"""Taking over objects another field manager wrote (a Helm release) so that the GitOps tool's next apply
leaves exactly what we render: the managed-field arithmetic on its own, then `kustomize-zymtrace
takeover` through the pinned kubectl against the real API server, over objects stored the way Helm 3
stores them (create by field manager helm, operation Update), including the chart wiring we drop.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from apiserver import ApiServer
from chart_state import chart_objects, install
from configs import cloudsql, credentials_from_secrets
from helpers import BIN_DIR, ROOT, cli, docs, render, tool
from history import APPLIERS, Obj, apply_as, leftovers, managers, takeover

from kustomize_zymtrace import yamlio
from kustomize_zymtrace.cluster import fields
from kustomize_zymtrace.cluster.takeover import Probe, Target, plan

CONTAINER_UI = 'k:{"name":"zymtrace-ui"}'
ENV = 'k:{"name":"CLICKHOUSE_PASSWORD"}'


def env_path(*rest: str) -> fields.FieldPath:
    return ("f:spec", "f:template", "f:spec", "f:containers", CONTAINER_UI, "f:env", ENV, *rest)


def test_field_sets_round_trip_and_read_as_people_write_paths() -> None:
    trie = {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:app.kubernetes.io/managed-by": {}}},
        "f:spec": {
            "f:template": {
                "f:spec": {
                    "f:containers": {
                        CONTAINER_UI: {".": {}, "f:name": {}, "f:env": {".": {}, ENV: {".": {}, "f:name": {}}}}
                    }
                }
            }
        },
    }
    members = fields.paths(trie)
    assert fields.trie(members) == trie
    assert env_path(".") in members and ("f:metadata", "f:labels", ".") in members
    assert env_path() not in members  # the env item exists (".") and its name is owned: two members
    shown = [fields.text(p) for p in fields.topmost(members - {("f:metadata", "f:labels", "f:app")})]
    assert shown == ["metadata.labels", "spec.template.spec.containers[zymtrace-ui]"]
    assert fields.text(env_path("f:name")) == "spec.template.spec.containers[zymtrace-ui].env[CLICKHOUSE_PASSWORD].name"
    assert fields.text(("f:metadata", "f:labels", "f:app.kubernetes.io/managed-by")) == (
        "metadata.labels[app.kubernetes.io/managed-by]"
    )
    port = 'k:{"containerPort":80,"protocol":"TCP"}'
    assert fields.text(("f:ports", port)) == "ports[containerPort=80,protocol=TCP]"


def test_projection_keeps_what_the_set_covers_and_the_keys_of_list_items() -> None:
    live = {
        "metadata": {"labels": {"app": "a", "other": "b"}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "zymtrace-ui",
                            "image": "ui:1",
                            "env": [{"name": "CLICKHOUSE_PASSWORD", "value": "x"}, {"name": "KEEP", "value": "y"}],
                        }
                    ]
                }
            }
        },
    }
    covered = {("f:metadata", "f:labels", "f:app"), env_path("f:value")}
    assert fields.project(live, covered) == {
        "metadata": {"labels": {"app": "a"}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "zymtrace-ui", "env": [{"name": "CLICKHOUSE_PASSWORD", "value": "x"}]},
                    ]
                }
            }
        },
    }


def entry(manager: str, operation: str, trie: dict[str, Any], api_version: str = "v1") -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": trie,
    }


SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "ns"}, "type": "Opaque"}


def test_a_secret_written_through_stringdata_hands_over_its_data_keys() -> None:
    """Helm's stringData.KEY ownership means nothing on the stored object (which has only data): it
    becomes data.KEY; a key nobody owns is taken too; the next apply removes what the render drops."""
    live = {
        **SECRET,
        "metadata": {
            **SECRET["metadata"],
            "resourceVersion": "7",
            "managedFields": [
                entry("helm", "Update", {"f:stringData": {".": {}, "f:A": {}, "f:B": {}}, "f:type": {}}),
                entry("kube-controller-manager", "Update", {"f:metadata": {"f:labels": {"f:keep": {}}}}),
            ],
        },
        "data": {"A": "YQ==", "B": "Yg==", "C": "Yw=="},
    }
    rendered = {**SECRET, "data": {"A": "YQ=="}}
    rendered_fields = frozenset({("f:data", "f:A"), ("f:data",), ("f:type",)})
    handover = plan(live, rendered, Probe(rendered_fields), Target("kustomize-controller"), {"helm"})
    assert handover.previous == ("helm",)
    assert handover.removed == {("f:data", "f:B"), ("f:data", "f:C")}
    managers = [(e["manager"], e["operation"]) for e in handover.managed_fields]
    assert managers == [("kube-controller-manager", "Update"), ("kustomize-controller", "Apply")]
    owned = fields.paths(handover.managed_fields[-1]["fieldsV1"])
    assert {("f:data", "f:A"), ("f:data", "f:B"), ("f:data", "f:C"), ("f:type",)} <= owned
    assert not any(p[0] == "f:stringData" for p in owned)


def test_replicas_of_an_autoscaled_workload_are_left_to_nobody() -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}}
    live = {
        **deployment,
        "metadata": {
            **deployment["metadata"],
            "resourceVersion": "3",
            "managedFields": [entry("helm", "Update", {"f:spec": {"f:replicas": {}, "f:paused": {}}}, "apps/v1")],
        },
        "spec": {"replicas": 4, "paused": False},
    }
    handover = plan(
        live, deployment, Probe(frozenset()), Target("argocd-controller"), {"helm"}, autoscaled_by_render=True
    )
    assert handover.released == {("f:spec", "f:replicas")}
    assert handover.removed == {("f:spec", "f:paused")}  # replicas stay at the autoscaler's count
    assert ("f:spec", "f:replicas") not in fields.paths(handover.managed_fields[-1]["fieldsV1"])


def test_client_side_takeover_writes_the_last_applied_configuration() -> None:
    """Client-side apply removes what last-applied holds and the manifest does not: it gets helm's fields."""
    live = {
        **SECRET,
        "metadata": {
            **SECRET["metadata"],
            "resourceVersion": "7",
            "labels": {"managed-by": "helm"},
            "managedFields": [
                entry("helm", "Update", {"f:metadata": {"f:labels": {"f:managed-by": {}}}, "f:data": {"f:B": {}}})
            ],
        },
        "data": {"A": "YQ==", "B": "Yg=="},
    }
    rendered = {**SECRET, "data": {"A": "YQ=="}}
    handover = plan(live, rendered, Probe(frozenset({("f:data", "f:A")})), Target("argocd-controller", True), {"helm"})
    assert handover.last_applied is not None
    last = json.loads(handover.last_applied)
    assert last["data"] == {"A": "YQ==", "B": "Yg=="} and last["metadata"]["labels"] == {"managed-by": "helm"}
    assert last["kind"] == "Secret" and last["metadata"]["name"] == "s"
    assert [(e["manager"], e["operation"]) for e in handover.managed_fields] == [("argocd-controller", "Update")]


# ---------------------------------------------------------------------------------- on the API server

SECRETS = credentials_from_secrets()
USE_EXISTING = {
    "postgres": {
        "mode": "use_existing",
        "use_existing": {"host": "pg.example.internal:5432", "user": "zt", "passwordSecretName": "pg-credentials"},
    },
    "clickhouse": {
        "mode": "use_existing",
        "use_existing": {
            "host": "https://ch.example.internal:8443",
            "user": "zt",
            "passwordSecretName": "ch-credentials",
        },
    },
    "storage": {
        "mode": "use_existing",
        "use_existing": {
            "type": "s3",
            "s3": {"region": "eu-west-1", "accessKeySecretName": "s3-keys", "secretKeySecretName": "s3-keys"},
        },
    },
}
CLOUDSQL = {"postgres": cloudsql()}
AUTOSCALING = {"services": {"common": {"hpa": {"enabled": True}}}}
# mode -> (the values Helm installed, the config the GitOps tool applies from now on)
MODES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "create": ({}, SECRETS),
    "use_existing": (USE_EXISTING, USE_EXISTING),
    "gcp_cloudsql": (CLOUDSQL, {**CLOUDSQL, "clickhouse": SECRETS["clickhouse"]}),
    "autoscaling": (AUTOSCALING, AUTOSCALING),
}


def install_release(apiserver: ApiServer, mode: str, namespace: str, workdir: Path) -> tuple[list[Obj], Path]:
    """A Helm release of the chart as Helm 3 leaves it; the render of the config that replaces it, as a file."""
    old_spec, new_spec = MODES[mode]
    apiserver.namespace(namespace)
    install(apiserver, chart_objects(render(old_spec, namespace=namespace)))
    new = render(new_spec, namespace=namespace)
    rendered = workdir / "rendered.yaml"
    rendered.write_text(yamlio.dump_all(new))
    return new, rendered


def scale(apiserver: ApiServer, deployment: Obj, replicas: int) -> None:
    """What an autoscaler does: the scale subresource, as kube-controller-manager."""
    path = apiserver.object_path(deployment) + "/scale?fieldManager=kube-controller-manager"
    body = json.dumps({"spec": {"replicas": replicas}}).encode()
    status, payload, _ = apiserver.request("PATCH", path, body, content_type="application/merge-patch+json")
    assert status == 200, payload


@pytest.mark.slow  # CI's slow step; the README's run takes over through the migration guide's commands below
@pytest.mark.parametrize("applier", APPLIERS)
@pytest.mark.parametrize("mode", sorted(MODES))
def test_takeover_then_one_apply_leaves_exactly_the_render(
    apiserver: ApiServer, tmp_path: Path, mode: str, applier: str
) -> None:
    namespace = f"takeover-{mode.replace('_', '-')}-{applier}"
    new, rendered = install_release(apiserver, mode, namespace, tmp_path)
    scaled = [o for o in new if o["kind"] == "Deployment" and "replicas" not in o["spec"]]
    if scaled:
        scale(apiserver, scaled[0], 3)
    present = [o for o in new if apiserver.get(o) is not None]
    assert len(present) >= 25

    dry = takeover(apiserver, rendered, "--to", applier)
    assert dry.returncode == 0, dry.stderr
    assert "Dry run" in dry.stdout and "nothing written" in dry.stdout
    assert all(("helm", "Update") in managers(apiserver.get(o) or {}) for o in present)  # nothing written
    done = takeover(apiserver, rendered, "--to", applier, "--apply")
    assert done.returncode == 0, done.stderr
    assert "Handed over" in done.stdout
    for obj in present:
        assert not [m for m in managers(apiserver.get(obj) or {}) if m[0] == "helm"], obj["metadata"]["name"]

    apply_as(apiserver, applier, new, tmp_path)
    left = leftovers(apiserver, new, applier)
    assert left.empty, left
    again = takeover(apiserver, rendered, "--to", applier)
    assert again.returncode == 0 and "Dry run: 0 objects to hand over" in again.stdout, again.stdout
    for obj in scaled:  # the autoscaler's count stays, and nobody's apply will reset it
        live = apiserver.get(obj) or {}
        assert live["spec"]["replicas"] == (3 if obj is scaled[0] else 1)
        owners = [
            e for e in live["metadata"]["managedFields"] if ("f:spec", "f:replicas") in fields.paths(e["fieldsV1"])
        ]
        assert all(e.get("subresource") == "scale" for e in owners), owners


def test_without_a_takeover_helm_keeps_the_chart_wiring(apiserver: ApiServer, tmp_path: Path) -> None:
    """The problem, shown: a forced server-side apply takes only the fields it sets; the chart's
    references to the ClickHouse and S3 Secrets stay in ui and gateway, owned by helm."""
    new, _ = install_release(apiserver, "use_existing", "takeover-none", tmp_path)
    apply_as(apiserver, "flux", new, tmp_path)
    left = leftovers(apiserver, new, "flux")
    ui = left.env["Deployment/zymtrace-ui"]
    assert (
        "zymtrace-ui.WEB__CLICKHOUSE__PASSWORD" in ui
        and "zymtrace-ui.SYMDB__SYMBOL_BUCKET__AWS_SECRET_ACCESS_KEY" in ui
    )
    assert "zymtrace-gateway.INGEST__CLICKHOUSE__PASSWORD" in left.env["Deployment/zymtrace-gateway"]
    assert left.marks["Deployment/zymtrace-ui"] == [
        "app.kubernetes.io/managed-by",
        "helm.sh/hook",
        "helm.sh/hook-weight",
    ]
    assert left.foreign["Deployment/zymtrace-ui"]


def test_the_takeover_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yamlio.dump_all(render({})))
    unreachable = tmp_path / "kubeconfig"  # nothing listens on port 1
    unreachable.write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "current-context: c\n"
    )
    missing = cli("takeover", str(tmp_path / "missing.yaml"), "--to", "flux")
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    for args, message in (
        ([], "--to TOOL, or --manager NAME"),
        (["--to", "flux", "--manager", "x"], "--to TOOL, or --manager NAME"),
        (["--manager", "helm"], "--from helm names the manager that takes over"),
        (["--to", "flux", "--kubectl", str(tmp_path / "nope")], "not found"),
        (["--to", "flux", "--kubectl", tool("kubectl"), "--kubeconfig", str(unreachable)], "kubectl get: "),
    ):
        result = cli("takeover", str(rendered), *args)
        assert result.returncode == 1, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


# ---------------------------------------------------------------------------------- the migration guide

GUIDE = ROOT / "docs" / "migration-from-helm.md"
# The release the guide's commands name (release zymtrace, namespace zymtrace): in-cluster PostgreSQL with
# an inline password, external ClickHouse and S3 with their credentials in Secrets, autoscaled web.
GUIDE_VALUES = {
    "clickhouse": USE_EXISTING["clickhouse"],
    "storage": USE_EXISTING["storage"],
    "services": {"web": {"hpa": {"enabled": True, "minReplicas": 2}}},
}
RELEASE_RECORD = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {
        "name": "sh.helm.release.v1.zymtrace.v1",
        "namespace": "zymtrace",
        "labels": {"owner": "helm", "name": "zymtrace", "status": "deployed", "version": "1"},
    },
    "type": "helm.sh/release.v1",
    "data": {"release": "SDRzSUFBQUFBQUFBLw=="},
}


class Step(NamedTuple):
    pattern: str
    exit_code: int
    says: str = ""  # in stdout


GUIDE_STEPS = [
    Step(r"^kustomize-zymtrace from-helm-values values.yaml .* > base/generator/zymtrace.yaml$", 0),
    Step(r"kubectl kustomize --enable-alpha-plugins base > rendered.yaml$", 0),
    Step(r"^kubectl diff --server-side --force-conflicts -f rendered.yaml$", 1, "checksum/config"),
    Step(r"^kubectl -n zymtrace delete secret -l owner=helm,name=zymtrace$", 0, "sh.helm.release.v1.zymtrace.v1"),
    Step(r"^kustomize-zymtrace takeover rendered.yaml --to kubectl$", 0, "containers[zymtrace-ui].env"),
    Step(r"^kustomize-zymtrace takeover rendered.yaml --to kubectl --apply$", 0, "Handed over"),
    Step(r"^kubectl diff --server-side -f rendered.yaml$", 1, "-        - name: WEB__CLICKHOUSE__PASSWORD"),
    Step(r"^kubectl apply --server-side -f rendered.yaml$", 0, "serverside-applied"),
    Step(r"^kubectl diff --server-side -f rendered.yaml$", 0),
    Step(r"^kubectl -n zymtrace delete job zymtrace-migrate .* --ignore-not-found$", 0, "zymtrace-migrate"),
    Step(r"^kubectl -n zymtrace get service zymtrace-identity .*", 0, "None"),
]


def guide_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


@pytest.mark.slow
def test_every_command_of_the_migration_guide_works_verbatim(apiserver: ApiServer, tmp_path: Path) -> None:
    """The guide run in one shell, as written, over a release stored the way Helm 3 stores it; afterwards
    the cluster holds exactly the render."""
    commands = guide_commands()
    assert len(commands) == len(GUIDE_STEPS), commands
    workspace, out, bin_dir = tmp_path / "repo", tmp_path / "out", tmp_path / "bin"
    for part in ("base", "plugin"):
        shutil.copytree(ROOT / part, workspace / part)
    out.mkdir()
    bin_dir.mkdir()
    (bin_dir / "kubectl").symlink_to(tool("kubectl"))
    values = workspace / "values.yaml"
    values.write_text(yamlio.dump(GUIDE_VALUES))
    converted = cli("from-helm-values", str(values))
    assert converted.returncode == 0, converted.stderr
    config = yaml.safe_load(converted.stdout)
    apiserver.namespace("zymtrace")
    install(apiserver, [RELEASE_RECORD, *chart_objects(render(config["spec"]))])

    script = ["set -u", f"cd {workspace}"]
    for n, command in enumerate(commands):
        script.append(f"( {command}\n) > {out}/{n}.out 2> {out}/{n}.err; echo $? > {out}/{n}.rc")
    env = {
        "HOME": str(tmp_path),
        "PATH": f"{bin_dir}:{BIN_DIR}:/usr/bin:/bin",
        "KUBECONFIG": str(apiserver.kubeconfig),
    }
    shell = subprocess.run(["bash", "-c", "\n".join(script)], env=env, capture_output=True, text=True, timeout=600)
    assert shell.returncode == 0, shell.stderr
    for n, (command, step) in enumerate(zip(commands, GUIDE_STEPS, strict=True)):
        assert re.search(step.pattern, command), (command, step.pattern)
        rc, stdout, stderr = ((out / f"{n}.{part}").read_text() for part in ("rc", "out", "err"))
        assert rc.strip() == str(step.exit_code), f"{command}: exit {rc.strip()}\n{stderr}"
        assert step.says in stdout, f"{command}:\n{stdout}"
        assert "Traceback" not in stderr

    rendered = docs((workspace / "rendered.yaml").read_text())
    left = leftovers(apiserver, rendered, "kubectl")
    assert left.empty, left
    assert apiserver.get({**RELEASE_RECORD}) is None
    migrate = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "zymtrace-migrate", "namespace": "zymtrace"},
    }
    assert apiserver.get(migrate) is None
