"""The typed ZymtraceBackend config: the one source of defaults, validation and JSON Schema."""

from .backend import API_VERSION, KIND, Metadata, Spec, ZymtraceBackend

__all__ = ["API_VERSION", "KIND", "Metadata", "Spec", "ZymtraceBackend"]
