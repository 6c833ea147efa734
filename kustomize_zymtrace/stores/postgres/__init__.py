"""PostgreSQL: one strategy per postgres.mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...settings import assert_never
from . import aws_aurora, create, gcp_cloudsql, use_existing
from .base import PostgresMode

if TYPE_CHECKING:
    from ...settings import Settings

__all__ = ["PostgresMode", "postgres"]


def postgres(s: Settings) -> PostgresMode:
    mode = s.spec.postgres.mode
    match mode:
        case "create":
            return create.MODE
        case "use_existing":
            return use_existing.MODE
        case "aws_aurora":
            return aws_aurora.MODE
        case "gcp_cloudsql":
            return gcp_cloudsql.MODE
        case _:
            assert_never(mode)
