"""The config's identity: importable without the model (and without pydantic)."""

API_VERSION = "zymtrace.io/v1alpha1"
KIND = "ZymtraceBackend"
SCHEMA_ID = "https://zymtrace.io/schemas/zymtracebackend-v1alpha1.json"
FINISH_KIND = "ZymtraceFinish"  # the finishing transformer's config (kustomize_zymtrace.finish)
