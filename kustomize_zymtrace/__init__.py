"""kustomize-zymtrace: the zymtrace backend as plain, deterministic Kubernetes YAML."""

__version__ = "0.1.0"
