"""ClickHouse: one strategy per clickhouse.mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...settings import assert_never
from .base import ClickHouseMode

if TYPE_CHECKING:
    from ...settings import Settings

__all__ = ["ClickHouseMode", "clickhouse"]


def clickhouse(s: Settings) -> ClickHouseMode:
    mode = s.spec.clickhouse.mode
    # Only the mode in use is imported: the others cost start-up time and are never read.
    match mode:
        case "create":
            from . import create

            return create.MODE
        case "use_existing":
            from . import use_existing

            return use_existing.MODE
        case _:
            assert_never(mode)
