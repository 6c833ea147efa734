"""Every workload of the backend, declared once: the services, the in-cluster databases, the Cloud SQL
proxy and the Jobs. Renderers, cross-field checks and docs read this table; none keeps its own list.

A component names where its settings live in the spec (dotted paths below `spec`), the ports it opens
(each bound to the field holding the number), the stores it talks to, the image family of each of its
containers (what hardening needs), whether it is autoscaled, and the port serving /metrics.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Store = Literal["clickhouse", "postgres", "storage"]
Kind = Literal["service", "database", "proxy", "job"]
Family = Literal[
    "backend",
    "gateway",
    "ui",
    "clickhouse",
    "postgres",
    "minio",
    "proxy",
    "clickhouse-client",
    "postgres-client",
    "minio-client",
]


class Port(NamedTuple):
    name: str  # container port name; the Service port's too unless name_field says otherwise
    field: str  # the field holding the number, relative to the component's section
    service: bool = True  # also a Service port
    when: str = ""  # a bool field (relative to the section) that must be true for the Service port
    name_field: str = ""  # a field holding the Service port's name (the gateway's portName)
    target_number: bool = False  # the Service's targetPort is the number, not the name (chart quirk)


class Needs(NamedTuple):
    """What an image family needs from the pod and container security contexts (docs/security.md)."""

    user: int  # the uid it runs as under restricted (the image's own user where it has one)
    drop_all: bool  # baseline can drop every capability: the process never needs root's powers
    writable: tuple[str, ...]  # paths written outside mounted volumes: scratch volumes when read-only
    low_port: bool = False  # binds a port below 1024
    non_root_image: bool = False  # the image itself runs as a non-root user with nothing to write


IMAGES: dict[Family, Needs] = {
    "backend": Needs(65532, True, ("/tmp",)),
    "gateway": Needs(101, False, ("/tmp",), low_port=True),
    "ui": Needs(101, False, ("/tmp", "/var/cache/nginx", "/var/run"), low_port=True),
    "clickhouse": Needs(101, False, ("/tmp", "/var/log/clickhouse-server", "/etc/clickhouse-server/users.d")),
    "postgres": Needs(999, False, ("/tmp", "/var/run/postgresql")),
    "minio": Needs(1000, False, ("/tmp", "/.minio")),
    "proxy": Needs(65532, True, (), non_root_image=True),  # distroless, user nonroot
    "clickhouse-client": Needs(101, True, ("/tmp",)),
    "postgres-client": Needs(999, True, ("/tmp",)),
    "minio-client": Needs(1000, True, ("/tmp", "/.mc")),
}


class Probe(NamedTuple):
    live_path: str
    ready_path: str
    port: str  # a port field of the section, or a container port name
    live: tuple[int, int, int, int]  # initialDelay, period, timeout (0: default), failureThreshold
    ready: tuple[int, int, int, int]


GATEWAY_PROBE = Probe("/ready", "/ready", "admin", (30, 60, 0, 5), (5, 10, 0, 5))
HEALTH_PROBE = Probe("/liveness", "/readiness", "portHealth", (60, 10, 5, 3), (15, 10, 5, 5))
WEB_PROBE = Probe("/liveness", "/readiness", "port", (30, 60, 0, 5), (5, 10, 0, 5))
UI_PROBE = Probe("/index.html", "/index.html", "port", (30, 60, 0, 5), (5, 10, 0, 5))


class Component(NamedTuple):
    key: str  # objects and the app label are <prefix>-<key>
    kind: Kind
    section: str  # its settings (ports, resources, security overrides), below spec
    scheduling: str  # nodeSelector/tolerations/affinity, below spec
    containers: tuple[tuple[str, Family], ...]  # container name (without prefix) -> image family
    ports: tuple[Port, ...] = ()
    stores: tuple[Store, ...] = ()
    calls: tuple[str, ...] = ()  # other services it reaches (their endpoints go into its config)
    autoscaled: bool = False  # an HPA (services.<key>.hpa over services.common.hpa) and a PDB
    metrics: str = ""  # container port name serving /metrics
    configs: tuple[str, ...] = ("config", "auth-config")  # generated ConfigMaps it loads (envFrom)
    features: tuple[tuple[str, str], ...] = ()  # (Secret suffix, spec switch): loaded while the switch is on
    command: str = ""  # the container's command; empty: the image's entrypoint
    probe: Probe | None = None
    data_mount: str = ""  # databases: where the data volume goes
    server_secret: str = ""  # databases: the generated Secret the server loads
    headless: bool = False  # databases: a headless Service

    @property
    def mode_section(self) -> str:
        """Databases: the section holding `mode` (create runs this component in the cluster)."""
        return self.section.split(".", 1)[0]

    @property
    def env_prefix(self) -> str:
        """The prefix of its settings in the shared ConfigMap and Secrets (INGEST__...)."""
        return self.key.upper().replace("-", "_")


HTTP = Port("http", "port")
BACKEND_PORTS = (HTTP, Port("http-trusted", "portTrusted"), Port("http-health", "portHealth"))
MIGRATE_CONTAINERS: tuple[tuple[str, Family], ...] = (
    ("migrate", "backend"),
    ("wait-for-clickhouse", "clickhouse-client"),
    ("wait-for-postgres", "postgres-client"),
    ("wait-for-gcp-cloudsql", "postgres-client"),
)


def _service(key: str, **fields: object) -> Component:
    return Component(key, "service", f"services.{key}", f"services.{key}", **fields)  # type: ignore[arg-type]


COMPONENTS: tuple[Component, ...] = (
    _service(
        "gateway",
        containers=(("gateway", "gateway"),),
        ports=(
            Port("http", "port", name_field="service.portName"),
            Port("http-trusted", "portTrusted", target_number=True),
            Port("admin", "adminPort"),
            # Declared on the container even without mTLS, as the chart does.
            Port("mtls", "mtls.port", when="mtls.enabled", target_number=True),
        ),
        configs=("gateway-config", "config"),
        autoscaled=True,
        probe=GATEWAY_PROBE,
    ),
    _service(
        "identity",
        containers=(("identity", "backend"),),
        ports=(HTTP, Port("http-health", "portHealth")),
        stores=("postgres",),
        autoscaled=True,
        metrics="http-health",
        command="zymtrace-identity",
        probe=HEALTH_PROBE,
    ),
    _service(
        "ingest",
        containers=(("ingest", "backend"),),
        ports=BACKEND_PORTS,
        stores=("clickhouse",),
        calls=("identity", "symdb"),
        autoscaled=True,
        metrics="http-health",
        command="zymtrace-ingest",
        probe=HEALTH_PROBE,
    ),
    _service(
        "symdb",
        containers=(("symdb", "backend"),),
        ports=BACKEND_PORTS,
        stores=("postgres", "storage"),
        calls=("identity",),
        autoscaled=True,
        metrics="http-health",
        features=(("global-symbolization-secrets", "globalSymbolization"),),
        command="zymtrace-symdb",
        probe=HEALTH_PROBE,
    ),
    _service(
        "ui",
        containers=(("ui", "ui"),),
        ports=(HTTP,),
        autoscaled=True,
        probe=UI_PROBE,
    ),
    _service(
        "web",
        containers=(("web", "backend"),),
        ports=(HTTP,),
        stores=("clickhouse", "postgres"),
        calls=("identity", "symdb"),
        autoscaled=True,
        metrics="http",
        features=(("ai-assistant-secrets", "aiAssistant"),),
        command="zymtrace-web",
        probe=WEB_PROBE,
    ),
    Component(
        "clickhouse",
        "database",
        "clickhouse.create",
        "clickhouse",
        containers=(("clickhouse", "clickhouse"),),
        ports=(Port("http", "service.http.port"), Port("native", "service.native.port")),
        data_mount="/var/lib/clickhouse",
        server_secret="clickhouse-secrets",
    ),
    Component(
        "postgres",
        "database",
        "postgres.create",
        "postgres",
        containers=(("postgres", "postgres"),),
        ports=(Port("psql", "service.port"),),
        data_mount="/var/lib/postgresql/data",
        server_secret="postgres-secrets",
        headless=True,
    ),
    Component(
        "minio",
        "database",
        "storage.create",
        "storage",
        containers=(("minio", "minio"),),
        ports=(Port("api", "service.api.port"), Port("console", "service.console.port")),
        data_mount="/data",
        server_secret="minio-secrets",
    ),
    # The shared proxy Deployment (its Service is <prefix>-postgres); in sidecar placement the same
    # container runs in every PostgreSQL client's pod, listening on the same port there.
    Component(
        "postgres-proxy",
        "proxy",
        "postgres.gcp_cloudsql.proxy",
        "postgres",
        containers=(("cloud-sql-proxy", "proxy"),),
        ports=(Port("psql", "port"),),
    ),
    Component(
        "migrate",
        "job",
        "services.migrate",
        "services.migrate",
        containers=MIGRATE_CONTAINERS,
        stores=("clickhouse", "postgres", "storage"),
    ),
    Component(
        "bucket-check",
        "job",
        "services.migrate",  # the chart places and sizes it with the migrate Job's settings
        "services.migrate",
        containers=(("bucket-check", "backend"),),
        stores=("storage",),
    ),
    Component(
        "minio-init",
        "job",
        "storage.create",
        "storage",
        containers=(("wait-for-minio", "minio-client"), ("create-buckets", "minio-client")),
    ),
)

BY_KEY: dict[str, Component] = {component.key: component for component in COMPONENTS}
SERVICES: tuple[Component, ...] = tuple(c for c in COMPONENTS if c.kind == "service")
DATABASES: tuple[Component, ...] = tuple(c for c in COMPONENTS if c.kind == "database")
AUTOSCALED: tuple[Component, ...] = tuple(c for c in COMPONENTS if c.autoscaled)
PROXY = BY_KEY["postgres-proxy"]
PROXY_CONTAINER = PROXY.containers[0][0]

# The Secret that carries each store's credentials to its clients, and the database serving it.
STORE_SECRET: dict[Store, str] = {
    "clickhouse": "clickhouse-secrets",
    "postgres": "postgres-secrets",
    "storage": "storage-secrets",
}
STORE_DATABASE: dict[Store, Component] = {
    "clickhouse": BY_KEY["clickhouse"],
    "postgres": BY_KEY["postgres"],
    "storage": BY_KEY["minio"],
}


def component(key: str) -> Component:
    """The component whose objects are named <prefix>-<key>; a KeyError names an unknown one."""
    return BY_KEY[key]


def clients_of(store: Store) -> tuple[Component, ...]:
    """Workloads wired to a store, in table order: also the peers its NetworkPolicy admits."""
    return tuple(c for c in COMPONENTS if store in c.stores)


def service_clients(store: Store) -> tuple[Component, ...]:
    """The services (not Jobs) that use a store: each has its own <SERVICE>__... settings for it."""
    return tuple(c for c in clients_of(store) if c.kind == "service")


def callers_of(key: str) -> tuple[Component, ...]:
    return tuple(c for c in COMPONENTS if key in c.calls)


def container_images() -> dict[str, Family]:
    """Container name (without the prefix) -> the image family it runs, over every component."""
    return {name: family for c in COMPONENTS for name, family in c.containers}
