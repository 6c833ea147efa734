"""storage.mode create: an in-cluster MinIO StatefulSet, its bucket made by the minio-init Job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...components import MINIO, MINIO_INIT
from ..base import InCluster, SecretEntries
from .base import StorageMode, bucket_env, bucket_secret

if TYPE_CHECKING:
    from ...settings import Settings


class Create(InCluster, StorageMode):
    def endpoint(self, s: Settings) -> str:
        return self.at(s, "api", "http")

    def config_env(self, s: Settings) -> dict[str, str]:
        return bucket_env(s, self.endpoint(s))

    def secret(self, s: Settings) -> SecretEntries:
        config = s.spec.storage.create.config
        return bucket_secret((config.user_credential, config.password_credential))

    def talks(self, s: Settings) -> list[tuple[str, str, str]]:
        return [(MINIO_INIT.key, self.database.key, "creates the bucket")]


MODE = Create(MINIO, "S3 API")
