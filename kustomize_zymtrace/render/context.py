"""The renderers' view of one config: the resolved settings plus what only rendering needs (the
contents of the generated Secrets)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ..api import GENERATED_BY
from ..settings import Obj, Settings, resource_name
from .credentials import SecretMaterial, secret_material

if TYPE_CHECKING:
    from ..model import ZymtraceBackend

__all__ = ["GENERATED_BY", "Context", "Obj", "resource_name"]


class Context(Settings):
    def __init__(self, backend: ZymtraceBackend) -> None:
        super().__init__(backend)

    @cached_property
    def secrets(self) -> dict[str, SecretMaterial]:
        """Contents of every generated Opaque Secret (computed once, read by Secrets and env wiring)."""
        return secret_material(self)
