"""No credentials inside addresses: a user:password@ in a host, endpoint or URL would be written into a
ConfigMap (readable by anyone who reads the namespace's config) and echoed in Job logs. Credentials
belong in the password/key fields, which go through the credential path into Secrets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model.base import keys_of
from ..results import Result, error
from ..settings import Settings
from ..values import is_section

# Fields (by the end of their name) that hold a host, an endpoint, a URL or a list of them.
ADDRESS_SUFFIXES = ("host", "hosts", "endpoint", "url", "uri", "issuers", "registry")


def _fields(node: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) of a validated section's fields; nothing for plain values and maps."""
    if is_section(node):
        for key, name in keys_of(type(node)).items():
            yield key, getattr(node, name)


def _addresses(node: Any, path: str) -> Iterator[tuple[str, str]]:
    for name, value in _fields(node):
        where = f"{path}.{name}"
        if isinstance(value, str):
            if name.lower().endswith(ADDRESS_SUFFIXES):
                yield where, value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str) and name.lower().endswith(ADDRESS_SUFFIXES):
                    yield f"{where}[{index}]", item
                elif not isinstance(item, (str, int, float, bool, dict)):
                    yield from _addresses(item, f"{where}[{index}]")
        elif value is not None and not isinstance(value, (int, float, bool, dict)):
            yield from _addresses(value, where)


def credentials_in_addresses(ctx: Settings) -> list[Result]:
    out = []
    for path, value in _addresses(ctx.spec, "spec"):
        if "@" in value:
            # The value is not quoted: it holds a credential.
            message = (
                "must not carry credentials (user:password@): they would land in a ConfigMap and in logs; "
                "give the user and password in their own fields (or an existing Secret)"
            )
            out.append(error(path, message))
    return out


RULES = (credentials_in_addresses,)
