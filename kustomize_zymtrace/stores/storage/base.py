"""What an object storage mode answers beyond every store's questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results import error, warning
from ..base import External, Served, StoreMode, given, shown, url

if TYPE_CHECKING:
    from ...results import Result
    from ...settings import Settings


class StorageMode(StoreMode):
    gcs_names = False  # bucket names follow GCS's rules (else S3's)

    def endpoint(self, s: Settings) -> str:
        raise NotImplementedError

    def config_env(self, s: Settings) -> dict[str, str]:
        """Its entries in the shared ConfigMap."""
        raise NotImplementedError


def bucket_env(s: Settings, endpoint: str) -> dict[str, str]:
    return {
        "SYMDB__SYMBOL_BUCKET__BUCKET_NAME": s.spec.storage.buckets.symbols,
        "SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT": endpoint,
    }


class Outside(StorageMode):
    """Object storage outside the cluster: the bucket-check Job checks the bucket before the services start."""

    kind = ""  # storage.use_existing.type

    def check_args(self, s: Settings) -> list[str]:
        """zymtrace-cli check-bucket's arguments beyond the bucket and the keys."""
        return ['--aws-endpoint "${SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT}"']


def outside_node(s: Settings, title: str, endpoint: str) -> Served:
    """The graph's node of a bucket outside the cluster (title: the service, as the graph names it)."""
    bucket = f"{title} bucket {s.spec.storage.buckets.symbols}"
    return Served("storage-external", "S3 API", External("storage-external", bucket, endpoint))


def endpoint_problem(where: str, endpoint: str) -> list[Result]:
    if url(endpoint):
        return []
    found = shown(endpoint)
    return [error(f"{where}.endpoint", f"must be a URL starting with http:// or https:// (found {found})")]


def required_keys(where: str, keys: tuple[tuple[str, str, str], ...]) -> list[Result]:
    """(field, value, secret name) of each key: an error for each one given neither way."""
    return [
        error(f"{where}.{field}", f"required: set {field} or {field}SecretName")
        for field, value, secret in keys
        if not given(value, secret)
    ]


def optional_keys(where: str, keys: tuple[tuple[str, str, str], ...]) -> list[Result]:
    """The same keys where the pod's default credentials may stand in: a warning each."""
    return [
        warning(
            f"{where}.{field}",
            f"empty: the pod's default AWS credentials are used (set {field}, {field}SecretName or useIAM)",
        )
        for field, value, secret in keys
        if not given(value, secret)
    ]
