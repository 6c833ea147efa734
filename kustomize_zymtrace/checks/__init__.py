"""Cross-field rules the schema cannot express: the chart's render-time failures (inventory 8.3), the ones
users would expect and the chart lacks, and warnings for risky but valid settings. All are collected.

Each rule reads the resolved settings (settings.py) and the component registry, never the renderers, so
a derived value (the effective auth type, a service's HPA settings, a port number) has one definition for
the checks and the output alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..results import Result, mask
from ..settings import Settings

if TYPE_CHECKING:
    from ..model import ZymtraceBackend

Check = Callable[[Settings], list[Result]]


def url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def shown(value: str) -> str:
    """A value quoted in a message, without the user:password@ it may carry."""
    return repr(mask(value))


def given(section: Any, field: str) -> bool:
    """A credential is given inline or through an existing Secret."""
    return bool(getattr(section, field) or getattr(section, f"{field}SecretName", ""))


def check(backend: ZymtraceBackend) -> list[Result]:
    from .addresses import RULES as ADDRESS_RULES
    from .data import RULES as DATA_RULES
    from .ports import RULES as PORT_RULES
    from .secrets import RULES as SECRET_RULES
    from .services import RULES as SERVICE_RULES

    ctx = Settings(backend)
    rules = (*ADDRESS_RULES, *DATA_RULES, *SERVICE_RULES, *PORT_RULES, *SECRET_RULES)
    return [result for rule in rules for result in rule(ctx)]
