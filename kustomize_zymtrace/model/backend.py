"""The ZymtraceBackend object: metadata plus a spec that takes the chart's values tree."""

from typing import Literal

from .auth import AiAssistant, Auth
from .base import DNS_LABEL, DNS_SUBDOMAIN, Strict, doc, doc_factory
from .databases import ClickHouse, Postgres
from .gitops import GitOps
from .globals import Global, GlobalSymbolization, MetricReporter, PrefillDemo, Telemetry
from .ingress import Ingress
from .security import Security
from .services import Services
from .storage import ObjectStorage


class Spec(Strict):
    """The zymtrace backend chart's values, with the same keys and meanings."""

    global_: Global = doc_factory(Global, "Names, images, registry, retention, migrations.", alias="global")
    aiAssistant: AiAssistant = doc_factory(AiAssistant, "The web service's AI assistant.")
    auth: Auth = doc_factory(Auth, "Authentication.")
    globalSymbolization: GlobalSymbolization = doc_factory(GlobalSymbolization, "Global symbolization.")
    clickhouse: ClickHouse = doc_factory(ClickHouse, "ClickHouse (profiles and metrics).")
    postgres: Postgres = doc_factory(Postgres, "PostgreSQL (identity, symdb, web).")
    storage: ObjectStorage = doc_factory(ObjectStorage, "Object storage for symbols.")
    services: Services = doc_factory(Services, "The zymtrace services.")
    ingress: Ingress = doc_factory(Ingress, "Ingress for the gateway.")
    telemetry: Telemetry = doc_factory(Telemetry, "Telemetry.")
    metricReporter: MetricReporter = doc_factory(MetricReporter, "Self-metrics.")
    prefillDemo: PrefillDemo = doc_factory(PrefillDemo, "Demo login (read by the chart, undocumented).")
    gitops: GitOps = doc_factory(GitOps, "Extension: behaviour under Flux, Argo CD and kpt.")
    security: Security = doc_factory(Security, "Extension: pod and container hardening.")


class Metadata(Strict):
    # Orchestrators add their own metadata (ids, paths): only name and namespace are ours.
    __pydantic_config__ = {"extra": "ignore"}

    name: str = doc(..., "Name of this backend instance.", pattern=f"^{DNS_SUBDOMAIN}$", max_length=253)
    namespace: str = doc(
        ...,
        "Namespace the backend runs in; written into objects and in-cluster addresses.",
        pattern=f"^{DNS_LABEL}$",
        max_length=63,
    )
    labels: dict[str, str] = doc_factory(dict)
    annotations: dict[str, str] = doc_factory(dict)


class ZymtraceBackend(Strict):
    apiVersion: Literal["zymtrace.io/v1alpha1"] = doc(...)
    kind: Literal["ZymtraceBackend"] = doc(...)
    metadata: Metadata = doc(...)
    spec: Spec = doc_factory(Spec)
