"""Config sections the tests share, spelled once: a change to the model's shape is one edit here.

Functions, not constants: each call returns a fresh copy, so a test that adds to one changes no other.
"""

from __future__ import annotations

from typing import Any

CLOUDSQL_INSTANCE = "my-project:us-central1:zymtrace-pg"
CLOUDSQL_USER = "zt-db@my-project.iam"
CLOUDSQL_SERVICE_ACCOUNT = "zymtrace-cloudsql-sa"


def cloudsql(**settings: Any) -> dict[str, Any]:
    """spec.postgres in gcp_cloudsql mode (a Cloud SQL instance through the proxy, IAM authentication);
    `settings` go into its gcp_cloudsql section, over the ones here; None leaves a key out
    (serviceAccount=None: the proxy runs as the namespace's default ServiceAccount)."""
    section = {
        "instance": CLOUDSQL_INSTANCE,
        "user": CLOUDSQL_USER,
        "serviceAccount": CLOUDSQL_SERVICE_ACCOUNT,
        **settings,
    }
    return {"mode": "gcp_cloudsql", "gcp_cloudsql": {key: value for key, value in section.items() if value is not None}}


def s3_with_iam() -> dict[str, Any]:
    """spec.storage in an existing S3 bucket reached with the pod's AWS identity (no keys): MinIO and its
    init Job leave the output, the bucket-check Job comes in."""
    return {"mode": "use_existing", "use_existing": {"type": "s3", "s3": {"region": "eu-west-1", "useIAM": "aws"}}}


def credentials_from_secrets() -> dict[str, Any]:
    """spec.clickhouse, spec.postgres and spec.storage of the in-cluster stores with every credential read
    from an existing Secret: nothing written inline (what strictSecrets asks for)."""
    return {
        "clickhouse": {"create": {"config": {"passwordSecretName": "ch"}}},
        "postgres": {"create": {"config": {"passwordSecretName": "pg"}}},
        "storage": {"create": {"config": {"userSecretName": "minio", "passwordSecretName": "minio"}}},
    }
