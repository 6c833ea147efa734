"""storage.use_existing.type gcs: Google Cloud Storage through its S3-compatible API (HMAC keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import Served
from .base import Outside, bucket_env, endpoint_problem, outside_node, required_keys

if TYPE_CHECKING:
    from ...model.credential import Credential
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.storage.use_existing.gcs"


class Gcs(Outside):
    kind = "gcs"
    gcs_names = True

    def endpoint(self, s: Settings) -> str:
        return s.spec.storage.use_existing.gcs.endpoint

    def config_env(self, s: Settings) -> dict[str, str]:
        return bucket_env(s, self.endpoint(s))

    def served(self, s: Settings) -> Served:
        return outside_node(s, "Google Cloud Storage", self.endpoint(s))

    def checks(self, s: Settings) -> list[Result]:
        return endpoint_problem(WHERE, s.spec.storage.use_existing.gcs.endpoint) + required_keys(WHERE, self.keys(s))

    def keys(self, s: Settings) -> tuple[Credential, Credential]:
        gcs = s.spec.storage.use_existing.gcs
        return gcs.access_key_credential, gcs.secret_key_credential


MODE = Gcs()
