"""Object storage: one strategy per storage.mode, and per storage.use_existing.type outside the cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...settings import assert_never
from .base import StorageMode

if TYPE_CHECKING:
    from ...settings import Settings

__all__ = ["StorageMode", "storage"]


def storage(s: Settings) -> StorageMode:
    mode = s.spec.storage.mode
    # Only the mode in use is imported: the others cost start-up time and are never read.
    match mode:
        case "create":
            from . import create

            return create.MODE
        case "use_existing":
            return _existing(s)
        case _:
            assert_never(mode)


def _existing(s: Settings) -> StorageMode:
    kind = s.spec.storage.use_existing.type
    match kind:
        case "minio":
            from . import minio

            return minio.MODE
        case "s3":
            from . import s3

            return s3.MODE
        case "gcs":
            from . import gcs

            return gcs.MODE
        case _:
            assert_never(kind)
