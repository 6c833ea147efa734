"""The Kubernetes kinds and the GitOps tools' annotations the package reads and writes, declared once.

Standard library only, and nothing of the package: the renderer, the finishing pass (a light process of
its own), the stage table and the review commands all read these.
"""

from __future__ import annotations

from typing import NamedTuple

# Workloads whose pods roll when their template changes; a Job runs its pods once instead.
ROLLING_WORKLOADS = ("Deployment", "StatefulSet")
# The kinds the generator writes that own pods (a pod template under spec.template).
WORKLOADS = (*ROLLING_WORKLOADS, "Job")
API_GROUPS = {"StatefulSet": "apps", "Deployment": "apps", "Job": "batch"}

FLUX_PRUNE = "kustomize.toolkit.fluxcd.io/prune"
FLUX_SUBSTITUTE = "kustomize.toolkit.fluxcd.io/substitute"
FLUX_FORCE = "kustomize.toolkit.fluxcd.io/force"
ARGO_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
ARGO_SYNC_WAVE = "argocd.argoproj.io/sync-wave"
KPT_ON_REMOVE = "cli-utils.sigs.k8s.io/on-remove"
KPT_DEPENDS_ON = "config.kubernetes.io/depends-on"


class Protection(NamedTuple):
    """One tool's annotation that keeps an object in the cluster when it leaves the output."""

    annotation: str
    value: str  # what the renderer writes
    keeps: str  # the entry of the (comma-separated) value that keeps the object, whoever wrote it
    tool: str


# Written on volume claims (spec.gitops.protectVolumes), in this order; read by `diff` to say whether
# removed data stays.
PROTECTIONS = (
    Protection(FLUX_PRUNE, "disabled", "disabled", "Flux"),
    Protection(ARGO_SYNC_OPTIONS, "Prune=false,Delete=false", "Prune=false", "Argo CD"),
    Protection(KPT_ON_REMOVE, "keep", "keep", "kpt live / cli-utils"),
)
