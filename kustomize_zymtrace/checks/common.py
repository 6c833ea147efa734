"""Small helpers the rule modules share (the package's __init__ only gathers the rules)."""

from __future__ import annotations

from collections.abc import Callable

from ..results import Result, mask
from ..settings import Settings

Check = Callable[[Settings], list[Result]]


def url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def shown(value: str) -> str:
    """A value quoted in a message, without the user:password@ it may carry."""
    return repr(mask(value))
