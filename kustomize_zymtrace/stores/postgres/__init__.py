"""PostgreSQL: one strategy per postgres.mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...settings import assert_never
from .base import PostgresMode

if TYPE_CHECKING:
    from ...settings import Settings

__all__ = ["PostgresMode", "postgres"]


def postgres(s: Settings) -> PostgresMode:
    mode = s.spec.postgres.mode
    # Only the mode in use is imported: the others cost start-up time and are never read.
    match mode:
        case "create":
            from . import create

            return create.MODE
        case "use_existing":
            from . import use_existing

            return use_existing.MODE
        case "aws_aurora":
            from . import aws_aurora

            return aws_aurora.MODE
        case "gcp_cloudsql":
            from . import gcp_cloudsql

            return gcp_cloudsql.MODE
        case _:
            assert_never(mode)
