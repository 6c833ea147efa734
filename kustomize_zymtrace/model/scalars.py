"""Validators of the values that are not a single JSON type (quantities, env values, node ports, MCP
hosts). Plain functions without pydantic, so the compiled validator can call them without importing
the model classes."""

import re
from typing import Any

# The regular expression Kubernetes uses for resource.Quantity.
QUANTITY_PATTERN = (
    r"^[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
    r"(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_QUANTITY = re.compile(QUANTITY_PATTERN)
# A Cloud SQL instance connection name, PROJECT:REGION:INSTANCE (a domain-scoped project keeps its colon);
# checks/data.py reports a mismatch, the JSON Schema carries it for editors.
CLOUDSQL_INSTANCE = r"[a-z0-9][a-z0-9:.\-]*:[a-z0-9-]+:[a-z0-9][a-z0-9-]*"


def quantity(value: Any) -> str | int | float:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("must be a Kubernetes quantity such as 500m, 2 or 1Gi")
    if isinstance(value, str) and not _QUANTITY.match(value):
        raise ValueError("must be a Kubernetes quantity such as 500m, 2 or 1Gi")
    return value


def env_value(value: Any) -> str:
    """Render a values-file scalar the way Helm's quote does (true, 1, 1.5)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    raise ValueError("must be a string, number or boolean")


def node_port(value: Any) -> int | str:
    if value is None or value == "":
        return ""  # the chart's default: let Kubernetes pick
    # An integer, as the JSON Schema says (a quoted "30080" is a string to editors and Kubernetes alike).
    if isinstance(value, int) and not isinstance(value, bool) and 30000 <= value <= 32767:
        return value
    raise ValueError("must be a node port between 30000 and 32767, or empty")


def mcp_hosts(value: Any) -> str | list[str]:
    if isinstance(value, str) and value.lower() in ("all", "ingress"):
        return value.lower()
    if isinstance(value, list) and all(isinstance(host, str) and host for host in value):
        return value
    raise ValueError('must be "all", "ingress" or a list of host names')
