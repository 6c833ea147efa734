"""storage.use_existing.type minio: an existing MinIO (or any S3-compatible store with an endpoint)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import Served
from .base import Outside, bucket_env, endpoint_problem, outside_node, required_keys

if TYPE_CHECKING:
    from ...model.credential import Credential
    from ...results import Result
    from ...settings import Settings

WHERE = "spec.storage.use_existing.minio"


class Minio(Outside):
    kind = "minio"

    def endpoint(self, s: Settings) -> str:
        return s.spec.storage.use_existing.minio.endpoint

    def config_env(self, s: Settings) -> dict[str, str]:
        return bucket_env(s, self.endpoint(s))

    def served(self, s: Settings) -> Served:
        return outside_node(s, "MinIO (existing)", self.endpoint(s))

    def checks(self, s: Settings) -> list[Result]:
        return endpoint_problem(WHERE, self.endpoint(s)) + required_keys(WHERE, self.keys(s))

    def keys(self, s: Settings) -> tuple[Credential, Credential]:
        minio = s.spec.storage.use_existing.minio
        return minio.user_credential, minio.password_credential


MODE = Minio()
