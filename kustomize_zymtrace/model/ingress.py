"""spec.ingress: the gateway Ingress and the optional mTLS passthrough Ingress."""

from typing import Literal

from pydantic import Field

from .base import Annotations, Bool, Strict, doc, doc_factory


class IngressPath(Strict):
    path: str = doc("/", "URL path.")
    pathType: Literal["Prefix", "Exact", "ImplementationSpecific"] = doc("Prefix", "Path matching rule.")


def _root_path() -> list[dict[str, str]]:
    return [{"path": "/", "pathType": "Prefix"}]


class MtlsHost(Strict):
    enabled: Bool = doc(False, "Ingress for the mTLS listener (also needs services.gateway.mtls.enabled).")
    host: str = doc("", "Host of the mTLS Ingress.")
    paths: list[IngressPath] = doc_factory(_root_path, "Paths routed to the mTLS port.")
    annotations: Annotations = doc_factory(dict, "Annotations of the mTLS Ingress only.")


class GatewayHost(Strict):
    enabled: Bool = doc(True, "Render the main gateway Ingress (when ingress.enabled).")
    host: str = doc("", "Public host; also the base of the OIDC redirect, token issuer and MCP host.")
    paths: list[IngressPath] = doc_factory(_root_path, "Paths routed to the gateway.")
    annotations: Annotations = doc_factory(dict, "Annotations of the main Ingress only.")
    mtls: MtlsHost = doc_factory(MtlsHost, "The mTLS Ingress.")


class Hosts(Strict):
    gateway: GatewayHost = Field(default_factory=GatewayHost)


class IngressTLS(Strict):
    secretName: str = doc("", "TLS Secret of these hosts.")
    hosts: list[str] = doc_factory(list, "Hosts covered by the Secret.")


class Ingress(Strict):
    enabled: Bool = doc(False, "Expose the gateway through an Ingress.")
    className: str = doc("nginx", "ingressClassName; nginx also adds the gRPC/HTTP2 annotations.")
    annotations: Annotations = doc_factory(dict, "Annotations of both Ingresses.")
    hosts: Hosts = doc_factory(Hosts, "Hosts.")
    tls: list[IngressTLS] = doc_factory(list, "TLS of the main Ingress; non-empty also makes derived URLs https.")
