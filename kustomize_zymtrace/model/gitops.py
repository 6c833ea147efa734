"""spec.gitops: how the output behaves under a GitOps reconciler (not part of the chart's values)."""

from .base import Bool, Strict, doc, doc_factory


class ArgoCD(Strict):
    syncWaves: Bool = doc(
        False,
        "Annotate objects with argocd.argoproj.io/sync-wave: configuration and volumes, then databases, then "
        "the Jobs, then the services, then the Ingresses.",
    )


class GitOps(Strict):
    protectVolumes: Bool = doc(
        True,
        "Keep the database PersistentVolumeClaims when they leave the output: Flux prune: disabled and Argo CD "
        "Prune=false,Delete=false.",
    )
    strictSecrets: Bool = doc(
        False,
        "Make every credential written inline into a generated Secret, and every extra environment variable "
        "named like a credential (docs/security.md), an error instead of a warning (for production pipelines "
        "that must not carry plaintext).",
    )
    argocd: ArgoCD = doc_factory(ArgoCD, "Argo CD options.")
