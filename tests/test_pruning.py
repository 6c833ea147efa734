"""Every pruner keeps the data volumes while `gitops.protectVolumes` is on, on the real API server.

Storage moves from MinIO to S3: the MinIO StatefulSet, Service and Secret leave the render, and so does
its volume claim. kpt live (the machine's kpt), `kubectl apply --prune` and ApplySets (the pinned
kubectl) run for real; where a tool reads no keep annotation (kubectl), the guide's command is what is
run. Flux's and Argo CD's controllers cannot run here: their pruning is their documented rule (delete
what left the source unless the keep annotation says otherwise) applied to what we render.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from apiserver import ApiServer
from helpers import ROOT, cli, config, first_in_short_run, render, run, tool, tool_env
from history import Obj, apply_as, claims_lost, prune_as

from kustomize_zymtrace import emitter, yamlio
from kustomize_zymtrace.wellknown import KPT_DEPENDS_ON

S3 = {"mode": "use_existing", "use_existing": {"type": "s3", "s3": {"region": "eu-west-1", "useIAM": "aws"}}}
MINIO_CLAIM = "zymtrace-minio"


def guide_command(start: str) -> list[str]:
    """A command of the guide's pruning section, as written."""
    section = (ROOT / "docs" / "guide.md").read_text().split("## Pruning", 1)[1].split("\n## ", 1)[0]
    lines = [line for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S) for line in block.splitlines()]
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, (start, lines)
    return shlex.split(found[0])


def claims(objects: list[Obj]) -> list[Obj]:
    return [o for o in objects if o["kind"] == "PersistentVolumeClaim"]


def minio_claim(namespace: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": MINIO_CLAIM, "namespace": namespace},
    }


@pytest.mark.parametrize("protect", first_in_short_run([True, False]))
@pytest.mark.parametrize("applier", ["flux", "argocd"])
def test_gitops_pruners_keep_the_claim_by_its_annotation(
    apiserver: ApiServer, tmp_path: Path, applier: str, protect: bool
) -> None:
    namespace = f"prune-{applier}-{str(protect).lower()}"
    apiserver.namespace(namespace)
    gitops = {"gitops": {"protectVolumes": protect}}
    old, new = render(gitops, namespace=namespace), render({**gitops, "storage": S3}, namespace=namespace)
    apply_as(apiserver, applier, old, tmp_path)
    apply_as(apiserver, applier, new, tmp_path)
    deleted = prune_as(apiserver, applier, old, new)
    assert "StatefulSet/zymtrace-minio" in deleted and "Secret/zymtrace-minio-secrets" in deleted
    lost = claims_lost(apiserver, claims(old))
    assert lost == ([] if protect else [MINIO_CLAIM])
    if protect:  # MinIO back: the same claim, applied again, under the tool's field manager
        apply_as(apiserver, applier, old, tmp_path)
        live = apiserver.get(minio_claim(namespace)) or {}
        assert any(e["operation"] == "Apply" for e in live["metadata"]["managedFields"])


@pytest.mark.slow  # four kubectl applies of the whole backend: CI's slow step
def test_kubectl_prune_keeps_the_claim_only_with_the_guides_allowlist(apiserver: ApiServer, tmp_path: Path) -> None:
    """kubectl --prune -l deletes the claim; the guide's command, with its allowlist, keeps it."""
    command = guide_command("kubectl apply -f rendered.yaml --prune")
    allowlist = [arg for arg in command if arg.startswith("--prune-allowlist=")]
    assert len(allowlist) >= 9 and not [a for a in allowlist if "PersistentVolumeClaim" in a]
    lost = {}
    for name, args in (("plain", [a for a in command if a not in allowlist]), ("guide", command)):
        namespace = f"prune-kubectl-{name}"
        apiserver.namespace(namespace)
        workdir = tmp_path / name
        workdir.mkdir()
        rendered = workdir / "rendered.yaml"
        for spec in ({}, {"storage": S3}):
            objects = [o for o in render(spec, namespace=namespace) if o["kind"] != "PodMonitor"]
            rendered.write_text(yamlio.dump_all(objects))
            done = run([tool("kubectl"), *args[1:]], cwd=workdir, env=tool_env(KUBECONFIG=str(apiserver.kubeconfig)))
            assert done.returncode == 0, done.stderr
        assert "statefulset.apps/zymtrace-minio pruned" in done.stdout
        lost[name] = claims_lost(apiserver, [minio_claim(namespace)])
    assert lost == {"plain": [MINIO_CLAIM], "guide": []}


@pytest.mark.slow
def test_an_applyset_prunes_the_claim_whatever_it_carries(apiserver: ApiServer, tmp_path: Path) -> None:
    """Why the guide says ApplySets cannot be used with protectVolumes: they read no annotation."""
    namespace = "prune-applyset"
    apiserver.namespace(namespace)
    rendered = tmp_path / "rendered.yaml"
    env = tool_env(KUBECONFIG=str(apiserver.kubeconfig), KUBECTL_APPLYSET="true")
    for spec in ({}, {"storage": S3}):
        rendered.write_text(yamlio.dump_all(render(spec, namespace=namespace)))
        args = ["apply", "--server-side", "-f", str(rendered), "--prune", "--applyset=zymtrace", "-n", namespace]
        done = run([tool("kubectl"), *args], env=env)
        assert done.returncode == 0, done.stderr
    assert "persistentvolumeclaim/zymtrace-minio pruned" in done.stdout
    assert claims_lost(apiserver, [minio_claim(namespace)]) == [MINIO_CLAIM]


def kpt_package(directory: Path, objects: list[Obj]) -> None:
    """The objects as a kpt package. Without controllers nothing here ever becomes ready, so the
    depends-on annotations (which make kpt wait for readiness between phases) are left out: the
    subject is pruning, which they do not change."""
    for path in directory.glob("object-*.yaml"):
        path.unlink()
    for n, obj in enumerate(objects):
        obj["metadata"].get("annotations", {}).pop(KPT_DEPENDS_ON, None)
        (directory / f"object-{n:02d}.yaml").write_text(emitter.dump(obj))


@pytest.mark.slow  # five kpt live applies: CI's slow step
def test_kpt_live_keeps_the_claim_and_the_guides_command_adopts_it_again(apiserver: ApiServer, tmp_path: Path) -> None:
    kpt = tool("kpt")
    namespace = "prune-kpt"
    apiserver.namespace(namespace)
    package = tmp_path / "package"
    package.mkdir()
    env = tool_env(KUBECONFIG=str(apiserver.kubeconfig))

    def live(*args: str) -> Any:
        if args[0] == "apply":  # nothing becomes ready without controllers: kpt waits a second, then says so (3)
            args = (*args, "--reconcile-timeout=1s")
        done = run([kpt, "live", *args], cwd=package, env=env)
        assert done.returncode in ((0, 3) if args[0] == "apply" else (0,)), done.stdout + done.stderr
        assert args[0] != "apply" or re.search(
            r"apply result: \d+ attempted, \d+ successful, \d+ skipped, 0 failed", done.stdout
        )
        return done.stdout

    with_minio, with_s3 = render(namespace=namespace), render({"storage": S3}, namespace=namespace)
    kpt_package(package, with_minio)
    live("install-resource-group")
    live("init", ".", "--namespace", namespace)
    assert "apply result: 41 attempted, 41 successful" in live("apply", ".")
    kpt_package(package, with_s3)
    out = live("apply", ".")
    assert (
        "persistentvolumeclaim/zymtrace-minio prune skipped" in out
        and "statefulset.apps/zymtrace-minio prune successful" in out
    )
    assert claims_lost(apiserver, claims(with_minio)) == []
    kpt_package(package, with_minio)
    # The default policy leaves the kept claim out, and still reports success: what the guide warns of.
    assert "persistentvolumeclaim/zymtrace-minio apply skipped: inventory policy prevented actuation" in live(
        "apply", "."
    )
    command = guide_command("kpt live apply")
    adopted = live(*command[2:])
    assert "persistentvolumeclaim/zymtrace-minio apply successful" in adopted
    claim = apiserver.get(minio_claim(namespace)) or {}
    assert claim["metadata"]["annotations"].get("config.k8s.io/owning-inventory")
    kpt_package(package, with_s3)  # adopted, it is protected as before
    assert "persistentvolumeclaim/zymtrace-minio prune skipped" in live("apply", ".")
    assert claims_lost(apiserver, claims(with_minio)) == []


def test_doctor_reminds_of_kubectls_pruners_where_claims_are_protected(tmp_path: Path) -> None:
    said = cli("doctor", str(ROOT / "overlays" / "gke"))
    assert said.returncode == 0 and "wired as kustomize needs" in said.stdout
    assert "[info] kubectl apply --prune (-l or --applyset) deletes volume claims" in said.stderr
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "zymtrace.yaml").write_text(emitter.dump(config({"gitops": {"protectVolumes": False}})))
    (tmp_path / "generator" / "kustomization.yaml").write_text("resources:\n- zymtrace.yaml\n")
    (tmp_path / "kustomization.yaml").write_text("generators:\n- generator\n")
    unprotected = cli("doctor", str(tmp_path))
    assert unprotected.returncode == 0 and "wired as kustomize needs" in unprotected.stdout
    assert "kubectl apply --prune" not in unprotected.stderr
