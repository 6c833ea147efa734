"""A cluster with history, for the takeover, pruning and lifecycle tests: applying the way each GitOps
tool applies, and measuring what the cluster holds beyond what we render.

How each tool applies (their documented behaviour; Flux and Argo CD controllers cannot run here):
- Flux's kustomize-controller: server-side apply, field manager `kustomize-controller`, forced;
- Argo CD with ServerSideApply=true: server-side apply, field manager `argocd-controller`, forced;
- Argo CD by default: client-side `kubectl apply` with field manager `argocd-controller` (the pinned
  kubectl, so its three-way merge against last-applied-configuration is the real one);
- kubectl: `kubectl apply --server-side` (the pinned kubectl), field manager `kubectl`.
"""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apiserver import ApiServer
from helpers import BIN_DIR, run, tool, tool_env

from kustomize_zymtrace import yamlio
from kustomize_zymtrace.cluster import fields
from kustomize_zymtrace.cluster.takeover import LAST_APPLIED, TOOLS

Obj = dict[str, Any]
PROBE = "tests-rendered-fields"
APPLIERS = ("flux", "argocd", "argocd-client-side", "kubectl")


def kubectl(apiserver: ApiServer, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The pinned kubectl against the test API server."""
    return run([tool("kubectl"), *args], input=stdin, env=tool_env(KUBECONFIG=str(apiserver.kubeconfig)))


def manager(applier: str) -> str:
    return TOOLS[applier][0]


def apply_as(apiserver: ApiServer, applier: str, objects: list[Obj], workdir: Path) -> None:
    """Apply the objects the way `applier` does; every object must be accepted."""
    if applier in ("flux", "argocd"):
        results = apiserver.apply_all(objects, manager=manager(applier), force=True)
        refused = [f"{r.ref}: {r.message}" for r in results if not r.ok]
        assert not refused, "\n".join(refused)
        return
    manifest = workdir / "apply.yaml"
    manifest.write_text(yamlio.dump_all(objects))
    if applier == "kubectl":
        done = kubectl(apiserver, "apply", "--server-side", "-f", str(manifest))
    else:  # Argo CD's default: client-side apply under its own field manager
        done = kubectl(apiserver, "apply", f"--field-manager={manager(applier)}", "-f", str(manifest))
    assert done.returncode == 0, done.stderr


def takeover(apiserver: ApiServer, rendered: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`kustomize-zymtrace takeover` as a real process, through the pinned kubectl."""
    exe = str(BIN_DIR / "kustomize-zymtrace")
    env = tool_env(KUBECONFIG=str(apiserver.kubeconfig))
    return run([exe, "takeover", str(rendered), "--kubectl", tool("kubectl"), *args], env=env)


def rendered_fields(apiserver: ApiServer, obj: Obj) -> fields.FieldSet:
    """The fields an apply of `obj` sets, as the API server records them (a forced dry run)."""
    result = apiserver.apply(obj, dry_run=True, manager=PROBE, force=True)
    assert result.ok, f"{result.ref}: {result.message}"
    entries = [e for e in result.body["metadata"].get("managedFields", []) if e["manager"] == PROBE]
    return frozenset().union(*(fields.paths(e["fieldsV1"]) for e in entries))


@dataclass
class Leftovers:
    """What the cluster holds of the rendered objects beyond what we render."""

    foreign: dict[str, list[str]] = field(default_factory=dict)  # fields other managers own that we do not set
    secret_keys: dict[str, list[str]] = field(default_factory=dict)
    env: dict[str, list[str]] = field(default_factory=dict)  # env vars of containers we do not render
    marks: dict[str, list[str]] = field(default_factory=dict)  # labels and annotations we do not render

    def counts(self) -> dict[str, int]:
        return {
            name: sum(map(len, getattr(self, name).values())) for name in ("foreign", "secret_keys", "env", "marks")
        }

    @property
    def empty(self) -> bool:
        return not any(self.counts().values())


def _ref(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _env_names(obj: Obj) -> dict[str, set[str]]:
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    return {
        c["name"]: {e["name"] for e in c.get("env", [])}
        for c in pod.get("initContainers", []) + pod.get("containers", [])
    }


def leftovers(apiserver: ApiServer, objects: list[Obj], applier: str) -> Leftovers:
    found = Leftovers()
    target = manager(applier)
    for obj in objects:
        live = apiserver.get(obj)
        assert live is not None, f"{_ref(obj)} is not in the cluster"
        ref = _ref(obj)
        ours = rendered_fields(apiserver, obj)
        owned = frozenset().union(
            *(
                fields.paths(e["fieldsV1"])
                for e in live["metadata"].get("managedFields", [])
                if e["manager"] != target and not e.get("subresource")
            )
        )
        foreign = [p for p in owned - ours if not fields.covered(p, ours)]
        if foreign:
            found.foreign[ref] = sorted(fields.text(p) for p in fields.topmost(foreign))
        if obj["kind"] == "Secret":
            rendered_keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
            extra = sorted(set(live.get("data") or {}) - rendered_keys)
            if extra:
                found.secret_keys[ref] = extra
        rendered_env, live_env = _env_names(obj), _env_names(live)
        extra_env = sorted(f"{c}.{e}" for c, names in live_env.items() for e in names - rendered_env.get(c, set()))
        if extra_env:
            found.env[ref] = extra_env
        marks = []
        for part in ("labels", "annotations"):
            rendered_keys = set(obj["metadata"].get(part) or {})
            live_keys = set(live["metadata"].get(part) or {}) - {LAST_APPLIED}
            marks += sorted(live_keys - rendered_keys)
        if marks:
            found.marks[ref] = marks
    return found


def secret_text(apiserver: ApiServer, name: str, namespace: str) -> dict[str, str]:
    live = apiserver.get({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}})
    assert live is not None, name
    return {k: base64.b64decode(v).decode() for k, v in (live.get("data") or {}).items()}


def managers(live: Obj) -> list[tuple[str, str]]:
    return sorted((e["manager"], e["operation"]) for e in live["metadata"].get("managedFields", []))


def as_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)


# ---------------------------------------------------------------------------------- pruning

# The annotation (and the value in it) each GitOps pruner reads to keep an object that left the source.
KEEP = {
    "flux": ("kustomize.toolkit.fluxcd.io/prune", "disabled"),
    "argocd": ("argocd.argoproj.io/sync-options", "Prune=false"),
    "argocd-client-side": ("argocd.argoproj.io/sync-options", "Prune=false"),
}


def _keeps(obj: Obj, applier: str) -> bool:
    if applier not in KEEP:
        return False
    key, value = KEEP[applier]
    return value in str(((obj.get("metadata") or {}).get("annotations") or {}).get(key, "")).split(",")


def prune_as(apiserver: ApiServer, applier: str, old: list[Obj], new: list[Obj]) -> list[str]:
    """Flux's and Argo CD's pruning, by the rule their documentation gives: every object of the last
    sync that is not in this one is deleted unless it carries the tool's keep annotation. The refs
    deleted."""
    keep = {(o["kind"], o["metadata"]["name"]) for o in new}
    deleted = []
    for obj in old:
        if (obj["kind"], obj["metadata"]["name"]) in keep or _keeps(obj, applier):
            continue
        status = apiserver.delete(obj)
        assert status in (200, 202, 404), f"{_ref(obj)}: delete {status}"
        deleted.append(_ref(obj))
    return deleted


def claims_lost(apiserver: ApiServer, claims: list[Obj]) -> list[str]:
    """Volume claims gone or being deleted (the protection finalizer holds a deleted claim while no
    controller runs, as it does while a pod uses it)."""
    lost = []
    for claim in claims:
        live = apiserver.get(claim)
        if live is None or live["metadata"].get("deletionTimestamp"):
            lost.append(claim["metadata"]["name"])
    return lost
