"""spec.ingress: the gateway Ingress and the optional mTLS passthrough Ingress."""

from typing import Annotated, Literal

from .base import After, Annotations, Bool, ObjectName, Strict, doc, doc_factory
from .scalars import check_ingress_path, ingress_host

Host = Annotated[str, After(ingress_host)]


class IngressPath(Strict):
    path: str = doc("/", "URL path.")
    pathType: Literal["Prefix", "Exact", "ImplementationSpecific"] = doc("Prefix", "Path matching rule.")

    def __post_init__(self) -> None:
        check_ingress_path(self)


def _root_path() -> list[dict[str, str]]:
    return [{"path": "/", "pathType": "Prefix"}]


class MtlsHost(Strict):
    enabled: Bool = doc(False, "Ingress for the mTLS listener (also needs services.gateway.mtls.enabled).")
    host: Host = doc("", "Host of the mTLS Ingress.")
    paths: list[IngressPath] = doc_factory(_root_path, "Paths routed to the mTLS port.", min_length=1)
    annotations: Annotations = doc_factory(dict, "Annotations of the mTLS Ingress only.")


class GatewayHost(Strict):
    enabled: Bool = doc(True, "Render the main gateway Ingress (when ingress.enabled).")
    host: Host = doc("", "Public host; also the base of the OIDC redirect, token issuer and MCP host.")
    paths: list[IngressPath] = doc_factory(_root_path, "Paths routed to the gateway.", min_length=1)
    annotations: Annotations = doc_factory(dict, "Annotations of the main Ingress only.")
    mtls: MtlsHost = doc_factory(MtlsHost, "The mTLS Ingress.")


class Hosts(Strict):
    gateway: GatewayHost = doc_factory(GatewayHost)


class IngressTLS(Strict):
    secretName: ObjectName = doc("", "TLS Secret of these hosts.")
    hosts: list[Host] = doc_factory(list, "Hosts covered by the Secret.")


class Ingress(Strict):
    enabled: Bool = doc(False, "Expose the gateway through an Ingress.")
    className: ObjectName = doc("nginx", "ingressClassName; nginx also adds the gRPC/HTTP2 annotations.")
    annotations: Annotations = doc_factory(dict, "Annotations of both Ingresses.")
    hosts: Hosts = doc_factory(Hosts, "Hosts.")
    tls: list[IngressTLS] = doc_factory(list, "TLS of the main Ingress; non-empty also makes derived URLs https.")
