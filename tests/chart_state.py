"""What a `helm install` of the zymtrace backend chart leaves in a cluster, for the takeover tests.

No helm binary runs here, so the chart's objects are derived from our own render of the values the
release was installed with, changed where the chart renders differently (the chart inventory,
/work/shared/reference/chart-inventory.md, sections 3.0 to 3.13 and 8) in every way that matters for
what a takeover must remove:
- Helm's marks: label `app.kubernetes.io/managed-by: Helm`, annotations `meta.helm.sh/release-*` on
  release objects, `helm.sh/hook*` on the hook objects (the six Deployments, the Jobs);
- the chart's labels (`managed-by: helm`), no `checksum/config`, no GitOps annotations, no securityContext
  and no token setting (the chart has none); PodDisruptionBudgets without labels;
- Opaque Secrets written as stringData (3.4 to 3.9), with the keys of the values installed;
- `spec.replicas` on every Deployment, autoscaled or not (3.13);
- every reference to a user Secret that one app container gets, given to all six app containers
  (3.0.6, "External secret" items): ui and gateway hold the ClickHouse and object-storage passwords;
- the hook Jobs under their plain names (`zymtrace-migrate`, no hash).

Helm 3 creates each object with a plain create, field manager `helm` (operation Update); that is how
`write()` stores them.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from apiserver import ApiServer
from helpers import secret_data

from kustomize_zymtrace.derived import CHECKSUM

Obj = dict[str, Any]
HELM = "helm"
APPS = ("gateway", "identity", "ingest", "symdb", "ui", "web")
HOOKED = ("Deployment", "Job")
_JOB_HASH = re.compile(r"-[0-9a-f]{8}\Z")


def chart_objects(rendered: list[Obj], release: str = "zymtrace") -> list[Obj]:
    """The objects the chart renders for the values our `rendered` objects were rendered from."""
    objects = [copy.deepcopy(o) for o in rendered]
    user_refs = _user_secret_refs(objects)
    for obj in objects:
        meta = obj["metadata"]
        namespace = meta.get("namespace", "")
        labels = meta.setdefault("labels", {})
        if labels.get("managed-by"):
            labels["managed-by"] = "helm"
        labels["app.kubernetes.io/managed-by"] = "Helm"
        annotations = meta.setdefault("annotations", {})
        for key in list(annotations):
            if "." in key.split("/")[0]:  # ours (zymtrace.io/...) and the GitOps tools' annotations
                annotations.pop(key)
        if obj["kind"] in HOOKED:
            annotations["helm.sh/hook"] = "post-install,post-upgrade"
            annotations["helm.sh/hook-weight"] = "2" if obj["kind"] == "Deployment" else "1"
        else:
            annotations["meta.helm.sh/release-name"] = release
            annotations["meta.helm.sh/release-namespace"] = namespace
        if obj["kind"] == "PodDisruptionBudget":
            meta.pop("labels")
        if obj["kind"] == "Secret" and obj.get("type") == "Opaque":
            obj["stringData"] = secret_data(obj)
            obj.pop("data", None)
        if obj["kind"] == "Job":
            meta["name"] = _JOB_HASH.sub("", meta["name"])
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            _chart_pod(obj, user_refs)
        if obj["kind"] == "Deployment":
            obj["spec"].setdefault("replicas", 1)
    return objects


def _user_secret_refs(objects: list[Obj]) -> list[Obj]:
    """Every env entry of an app container that reads a Secret we do not generate, deduplicated."""
    generated = {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
    refs: dict[str, Obj] = {}
    for obj in objects:
        if obj["kind"] != "Deployment" or not _is_app(obj):
            continue
        for container in obj["spec"]["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref and ref["name"] not in generated:
                    refs.setdefault(env["name"], copy.deepcopy(env))
    return [refs[name] for name in sorted(refs)]


def _is_app(obj: Obj) -> bool:
    return any(obj["metadata"]["name"].endswith(f"-{app}") for app in APPS)


def _chart_pod(workload: Obj, user_refs: list[Obj]) -> None:
    template = workload["spec"]["template"]
    (template.get("metadata") or {}).get("annotations", {}).pop(CHECKSUM, None)
    pod = template["spec"]
    pod.pop("securityContext", None)
    pod.pop("automountServiceAccountToken", None)
    for container in pod.get("initContainers", []) + pod["containers"]:
        container.pop("securityContext", None)
    if workload["kind"] == "Deployment" and _is_app(workload):
        for container in pod["containers"]:
            names = {e["name"] for e in container.get("env", [])}
            extra = [copy.deepcopy(e) for e in user_refs if e["name"] not in names]
            if extra:
                container["env"] = container.get("env", []) + extra


def install(apiserver: ApiServer, objects: list[Obj]) -> None:
    """Store the chart's objects as Helm 3 does: a create (or, on upgrade, an update) by manager helm."""
    for obj in objects:
        result = apiserver.write(obj, manager=HELM)
        assert result.ok, f"{result.ref}: {result.message}"
