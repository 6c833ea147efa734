"""spec.services: the six zymtrace services, the migrate Job and the settings they share."""

from typing import Annotated, Any

from .base import (
    Annotations,
    Before,
    Bool,
    Env,
    Image,
    ImageTag,
    JsonSchema,
    Labels,
    NonNegative,
    ObjectName,
    Percent,
    Port,
    PortName,
    Positive,
    Resources,
    ServiceType,
    SharedEnv,
    Strict,
    doc,
    doc_factory,
    resources,
)
from .kube import HpaBehavior, Scheduling
from .scalars import mcp_hosts, node_port
from .security import SecurityOverrides

NodePort = Annotated[
    Any,
    Before(node_port),
    JsonSchema({"anyOf": [{"const": ""}, {"type": "null"}, {"type": "integer", "minimum": 30000, "maximum": 32767}]}),
]
McpHosts = Annotated[
    Any,
    Before(mcp_hosts),
    JsonSchema({"anyOf": [{"enum": ["all", "ingress"]}, {"type": "array", "items": {"type": "string"}}]}),
]


class ProbeSwitches(Strict):
    liveness: Bool = doc(False, "Liveness probes on every service unless the service overrides it.")
    readiness: Bool = doc(False, "Readiness probes on every service unless the service overrides it.")


class ProbeOverride(Strict):
    liveness: Bool | None = doc(None, "Override services.healthProbes.liveness for this service.")
    readiness: Bool | None = doc(None, "Override services.healthProbes.readiness for this service.")


class CommonHpa(Strict):
    enabled: Bool = doc(False, "HorizontalPodAutoscalers for every service unless the service overrides it.")
    minReplicas: Positive = doc(1, "Minimum replicas.")
    maxReplicas: Positive = doc(5, "Maximum replicas.")
    targetCPUUtilizationPercentage: Percent | None = doc(80, "Target CPU utilization (omitted when null).")
    targetMemoryUtilizationPercentage: Percent | None = doc(None, "Target memory utilization (when given).")
    behavior: HpaBehavior | None = doc(None, "autoscaling/v2 behavior block (when given).")


class ServiceHpa(Strict):
    """Per-service HPA; a key left out takes the services.common.hpa value, except enabled (see docs)."""

    enabled: Bool | None = doc(None, "Autoscale this service. When the block is given without it: false.")
    minReplicas: Positive | None = doc(None, "Minimum replicas (default: services.common.hpa).")
    maxReplicas: Positive | None = doc(None, "Maximum replicas (default: services.common.hpa).")
    targetCPUUtilizationPercentage: Percent | None = doc(None, "Target CPU utilization.")
    targetMemoryUtilizationPercentage: Percent | None = doc(None, "Target memory utilization.")
    behavior: HpaBehavior | None = doc(None, "autoscaling/v2 behavior block.")


class Common(Scheduling):
    imageTag: ImageTag = doc("", "Tag of every zymtrace image unless the service sets its own.")
    env: SharedEnv = doc_factory(dict, "Extra variables for every container (via <prefix>-config).")
    hpa: CommonHpa = doc_factory(CommonHpa, "Autoscaling defaults.")


class Exposure(Strict):
    type: ServiceType = doc("ClusterIP", "Service type: ClusterIP, NodePort or LoadBalancer.")
    nodePort: NodePort = doc("", "Node port (30000-32767) of the main port when type is NodePort.")
    annotations: Annotations = doc_factory(dict, "Extra Service annotations.")
    labels: Labels = doc_factory(dict, "Extra Service labels.")


class GatewayExposure(Exposure):
    portName: PortName = doc("http", "Name of the main Service port (grpc for Istio).")


def _image(repository: str) -> Any:
    return doc_factory(lambda: {"repository": repository, "tag": ""}, "Image; an empty tag uses common.imageTag.")


class AppService(Scheduling, SecurityOverrides):
    image: Image = _image("zymtrace-backend")
    replicas: Positive = doc(1, "Deployment replicas (left out when the HPA is on).")
    env: Env = doc_factory(dict, "Extra environment variables of the container.")
    podAnnotations: Annotations = doc_factory(dict, "Extra pod annotations.")
    podLabels: Labels = doc_factory(dict, "Extra pod labels (may not be app).")
    service: Exposure = doc_factory(Exposure, "The Service in front of the pods.")
    hpa: ServiceHpa | None = doc(None, "Autoscaling of this service.")
    healthProbes: ProbeOverride | None = doc(None, "Probe switches of this service.")


class IngestService(AppService):
    port: Port = doc(8375, "gRPC port.")
    portTrusted: Port = doc(8376, "Trusted port (self-metrics push).")
    portHealth: Port = doc(8377, "Health port.")
    resources: Resources = resources("500m", "512Mi", "4000m", "2Gi", "ingest")


class WebService(AppService):
    port: Port = doc(9933, "REST port.")
    resources: Resources = resources("500m", "512Mi", "4000m", "4Gi", "web")
    allowRecommendations: Bool = doc(True, "WEB__ALLOW_RECOMMENDATIONS (false now works; see compatibility).")
    mcpAllowedHosts: McpHosts = doc("all", "Host headers the /mcp endpoint accepts: all, ingress, or a list of hosts.")


class SymdbService(AppService):
    port: Port = doc(6107, "gRPC port.")
    portTrusted: Port = doc(6108, "Trusted port.")
    portHealth: Port = doc(6109, "Health port.")
    resources: Resources = resources("500m", "512Mi", "1000m", "1Gi", "symdb")


class UiService(AppService):
    image: Image = _image("zymtrace-ui")
    port: Port = doc(80, "HTTP port.")
    resources: Resources = resources("200m", "256Mi", "500m", "512Mi", "ui")


class IdentityService(AppService):
    port: Port = doc(7829, "API port.")
    portHealth: Port = doc(7831, "Health port.")
    resources: Resources = resources("200m", "512Mi", "500m", "512Mi", "identity")


class Mtls(Strict):
    enabled: Bool = doc(False, "mTLS listener on the gateway.")
    cert: str = doc("", "Server certificate (PEM).")
    key: str = doc("", "Server private key (PEM).")
    ca: str = doc("", "CA certificate (PEM) that signs the client certificates.")
    existingSecret: ObjectName = doc(
        "", "Extension: existing Secret with tls.crt, tls.key and ca.crt, used instead of cert/key/ca."
    )
    port: Port = doc(9090, "mTLS listener port.")


class GatewayService(AppService):
    image: Image = _image("zymtrace-gateway")
    port: Port = doc(80, "Main listener (gRPC and HTTP).")
    portTrusted: Port = doc(9900, "Trusted listener.")
    adminPort: Port = doc(9901, "Envoy admin port (probes).")
    xff_append: Bool = doc(False, "Written to SKIP_XFF_APPEND, as the chart does.")
    xff_num_trusted_hops: NonNegative = doc(2, "XFF_NUM_TRUSTED_HOPS.")
    service: GatewayExposure = doc_factory(GatewayExposure, "The gateway Service.")
    mtls: Mtls = doc_factory(Mtls, "Mutual TLS listener.")
    resources: Resources = resources("500m", "512Mi", "1000m", "1Gi", "gateway")


class MigrateHpa(Strict):
    enabled: Bool = doc(False, "Must stay false: the migrate Job is never autoscaled.")


class MigrateService(Scheduling, SecurityOverrides):
    image: Image = _image("zymtrace-backend")
    timeoutSeconds: Positive = doc(3600, "activeDeadlineSeconds of the migrate Job.")
    env: Env = doc_factory(dict, "Extra environment variables of the migrate Job.")
    podAnnotations: Annotations = doc_factory(dict, "Extension: extra annotations on the Job's pod.")
    resources: Resources = resources("200m", "256Mi", "500m", "512Mi", "migrate and bucket-check")
    hpa: MigrateHpa = doc_factory(MigrateHpa, "Accepted for compatibility.")
    healthProbes: ProbeOverride | None = doc(None, "Accepted for compatibility; a Job has no probes.")


class BucketCheck(Scheduling):
    """Placement of the bucket-check Job, read from the same key as the chart does."""


class Services(Strict):
    activateNetworkPolicies: Bool = doc(True, "NetworkPolicies for the in-cluster databases and the UI.")
    healthProbes: ProbeSwitches = doc_factory(ProbeSwitches, "Probe switches for every service.")
    common: Common = doc_factory(Common, "Settings every service inherits.")
    ingest: IngestService = doc_factory(IngestService)
    web: WebService = doc_factory(WebService)
    symdb: SymdbService = doc_factory(SymdbService)
    ui: UiService = doc_factory(UiService)
    identity: IdentityService = doc_factory(IdentityService)
    migrate: MigrateService = doc_factory(MigrateService)
    bucket_check: BucketCheck = doc_factory(
        BucketCheck,
        "nodeSelector, tolerations and affinity of the bucket-check Job (each else services.migrate's, else "
        "services.common's).",
        alias="bucket-check",
    )
    gateway: GatewayService = doc_factory(GatewayService)
