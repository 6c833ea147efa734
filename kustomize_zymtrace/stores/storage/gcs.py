"""storage.use_existing.type gcs: Google Cloud Storage through its S3-compatible API (HMAC keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Outside, endpoint_problem, required_keys

if TYPE_CHECKING:
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.storage.use_existing.gcs"


class Gcs(Outside):
    kind = "gcs"
    title = "Google Cloud Storage"
    gcs_names = True

    def endpoint(self, s: Settings) -> str:
        return s.spec.storage.use_existing.gcs.endpoint

    def checks(self, s: Settings) -> list[Result]:
        gcs = s.spec.storage.use_existing.gcs
        keys = (
            ("accessKey", gcs.accessKey, gcs.accessKeySecretName),
            ("secretKey", gcs.secretKey, gcs.secretKeySecretName),
        )
        return endpoint_problem(WHERE, gcs.endpoint) + required_keys(WHERE, keys)


MODE = Gcs()
