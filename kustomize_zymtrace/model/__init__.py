"""The typed ZymtraceBackend config: the one source of defaults, validation and JSON Schema.

The classes load on first use (module __getattr__), so importing the package for its constants costs
nothing; validation (compiled.py) returns instances of these classes.
"""

from typing import TYPE_CHECKING, Any

from ..api import API_VERSION, KIND

if TYPE_CHECKING:
    from .backend import Metadata, Spec, ZymtraceBackend

__all__ = ["API_VERSION", "KIND", "Metadata", "Spec", "ZymtraceBackend"]


def __getattr__(name: str) -> Any:
    if name in ("Metadata", "Spec", "ZymtraceBackend"):
        from . import backend

        return getattr(backend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
