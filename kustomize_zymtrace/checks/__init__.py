"""Cross-field rules the schema cannot express: the chart's render-time failures (inventory 8.3), the ones
users would expect and the chart lacks, and warnings for risky but valid settings. All are collected.

Each rule reads the resolved settings (settings.py) and the component registry, never the renderers, so
a derived value (the effective auth type, a service's HPA settings, a port number) has one definition for
the checks and the output alike. The rules live in one module per concern; this package only gathers
them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..results import Result
from ..settings import Settings
from .addresses import RULES as ADDRESS_RULES
from .data import RULES as DATA_RULES
from .ports import RULES as PORT_RULES
from .secrets import RULES as SECRET_RULES
from .services import RULES as SERVICE_RULES

if TYPE_CHECKING:
    from ..model import ZymtraceBackend

RULES = (*ADDRESS_RULES, *DATA_RULES, *SERVICE_RULES, *PORT_RULES, *SECRET_RULES)


def check(backend: ZymtraceBackend) -> list[Result]:
    ctx = Settings(backend)
    return [result for rule in RULES for result in rule(ctx)]
