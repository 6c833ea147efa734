"""The config's identity: importable without the model (and without pydantic)."""

API_VERSION = "zymtrace.io/v1alpha1"
KIND = "ZymtraceBackend"
SCHEMA_ID = "https://zymtrace.io/schemas/zymtracebackend-v1alpha1.json"
FINISH_KIND = "ZymtraceFinish"  # the finishing transformer's config (kustomize_zymtrace.finish)
# The annotation that marks the objects this generator made (NAMESPACE/INSTANCE), so a KRM re-render replaces
# exactly those and the finishing pass knows what is its own.
GENERATED_BY = "zymtrace.io/generated-by"
