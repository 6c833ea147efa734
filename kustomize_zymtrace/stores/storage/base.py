"""What an object storage mode answers beyond every store's questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results import error, is_url, shown, warning
from ..base import External, SecretEntries, Served, StoreMode, Written

if TYPE_CHECKING:
    from ...model.credential import Credential
    from ...results import Result
    from ...settings import Settings


KEY_ID = "SYMDB__SYMBOL_BUCKET__AWS_ACCESS_KEY_ID"
SECRET = "SYMDB__SYMBOL_BUCKET__AWS_SECRET_ACCESS_KEY"
SESSION_TOKEN = "SYMDB__SYMBOL_BUCKET__AWS_SESSION_TOKEN"


class StorageMode(StoreMode):
    gcs_names = False  # bucket names follow GCS's rules (else S3's)

    def endpoint(self, s: Settings) -> str:
        raise NotImplementedError

    def config_env(self, s: Settings) -> dict[str, str]:
        """Its entries in the shared ConfigMap."""
        raise NotImplementedError


def bucket_secret(keys: tuple[Credential, Credential], *more: Written) -> SecretEntries:
    """The bucket's access key id and secret key (written even when empty, as the chart does), after `more`."""
    key_id, secret = keys
    return SecretEntries((*more, Written((KEY_ID,), key_id, True), Written((SECRET,), secret, True)))


def bucket_env(s: Settings, endpoint: str) -> dict[str, str]:
    return {
        "SYMDB__SYMBOL_BUCKET__BUCKET_NAME": s.spec.storage.buckets.symbols,
        "SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT": endpoint,
    }


class Outside(StorageMode):
    """Object storage outside the cluster: the bucket-check Job checks the bucket before the services start."""

    kind = ""  # storage.use_existing.type

    def keys(self, s: Settings) -> tuple[Credential, Credential]:
        """The bucket's access key id and secret key (MinIO calls them user and password)."""
        raise NotImplementedError

    def secret(self, s: Settings) -> SecretEntries:
        return bucket_secret(self.keys(s))

    def check_args(self, s: Settings) -> list[str]:
        """zymtrace-cli check-bucket's arguments beyond the bucket and the keys."""
        return ['--aws-endpoint "${SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT}"']


def outside_node(s: Settings, title: str, endpoint: str) -> Served:
    """The graph's node of a bucket outside the cluster (title: the service, as the graph names it)."""
    bucket = f"{title} bucket {s.spec.storage.buckets.symbols}"
    return Served("storage-external", "S3 API", External("storage-external", bucket, endpoint))


def endpoint_problem(where: str, endpoint: str) -> list[Result]:
    if is_url(endpoint):
        return []
    found = shown(endpoint)
    return [error(f"{where}.endpoint", f"must be a URL starting with http:// or https:// (found {found})")]


def required_keys(where: str, keys: tuple[Credential, ...]) -> list[Result]:
    """An error for each key given neither inline nor by Secret."""
    return [
        error(f"{where}.{key.field}", f"required: set {key.field} or {key.reference}") for key in keys if not key.given
    ]


def optional_keys(where: str, keys: tuple[Credential, ...]) -> list[Result]:
    """The same keys where the pod's default credentials may stand in: a warning each."""
    return [
        warning(
            f"{where}.{key.field}",
            f"empty: the pod's default AWS credentials are used (set {key.field}, {key.reference} or useIAM)",
        )
        for key in keys
        if not key.given
    ]
