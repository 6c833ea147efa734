"""The ZymtraceBackend object: metadata plus a spec that takes the chart's values tree."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .auth import AiAssistant, Auth
from .base import DNS_LABEL, DNS_SUBDOMAIN, Strict, doc_factory
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


class Metadata(BaseModel):
    # Orchestrators add their own metadata (ids, paths): only name and namespace are ours.
    model_config = ConfigDict(extra="ignore", defer_build=True)

    name: str = Field(description="Name of this backend instance.", pattern=f"^{DNS_SUBDOMAIN}$", max_length=253)
    namespace: str = Field(
        description="Namespace the backend runs in; written into objects and in-cluster addresses.",
        pattern=f"^{DNS_LABEL}$",
        max_length=63,
    )
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class ZymtraceBackend(Strict):
    apiVersion: Literal["zymtrace.io/v1alpha1"]
    kind: Literal["ZymtraceBackend"]
    metadata: Metadata
    spec: Spec = Field(default_factory=Spec)
