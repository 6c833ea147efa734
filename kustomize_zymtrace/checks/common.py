"""What the rule modules share (the package's __init__ only gathers the rules)."""

from __future__ import annotations

from collections.abc import Callable

from ..results import Result
from ..settings import Settings

Check = Callable[[Settings], list[Result]]
