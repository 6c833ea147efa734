"""Every workload of the backend, declared once: the services, the in-cluster databases, the Cloud SQL
proxy and the Jobs. Renderers, cross-field checks, docs and the graph read these declarations; none keeps
its own list, and none branches on a component's key.

A component reads its settings from the spec through typed accessors (`section`, a port's `number`...),
so a renamed model field is a type error, not a run-time surprise. The dotted `path` strings kept beside
them only name the fields in messages; a test checks each against its accessor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple, TypedDict

if TYPE_CHECKING:
    from typing_extensions import NotRequired, Unpack

if TYPE_CHECKING:
    from .model.backend import Spec
    from .model.base import HealthProbes, Image, ProbeTiming
    from .model.databases import ClickHouseCreate, PostgresCreate
    from .model.kube import Scheduling
    from .model.security import SecurityOverrides
    from .model.services import (
        GatewayService,
        IdentityService,
        IngestService,
        MigrateService,
        Mtls,
        SymdbService,
        UiService,
        WebService,
    )
    from .model.storage import StorageCreate

    # The settings of any one service (services.<key>).
    AppSettings = GatewayService | IdentityService | IngestService | SymdbService | UiService | WebService

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
Timing = Mapping[str, int]


class Port(NamedTuple):
    name: str  # container port name; the Service port's too unless service_name says otherwise
    number: Callable[[Spec], int]
    path: str  # the field holding the number, below spec (for messages)
    service: bool = True  # also a Service port
    when: Callable[[Spec], bool] | None = None  # must hold for the Service port
    service_name: Callable[[Spec], str] | None = None  # the Service port's name (the gateway's portName)
    name_path: str = ""  # the field holding that name (for messages)
    target_number: bool = False  # the Service's targetPort is the number, not the name (chart quirk)

    def on_service(self, spec: Spec) -> bool:
        return self.service and (self.when is None or self.when(spec))

    def service_port_name(self, spec: Spec) -> str:
        return self.service_name(spec) if self.service_name is not None else self.name


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
    port: str  # one of the component's declared ports
    live: tuple[int, int, int, int]  # initialDelay, period, timeout (0: default), failureThreshold
    ready: tuple[int, int, int, int]
    by_name: bool = False  # the probe names the port instead of giving its number


GATEWAY_PROBE = Probe("/ready", "/ready", "admin", (30, 60, 0, 5), (5, 10, 0, 5), by_name=True)
HEALTH_PROBE = Probe("/liveness", "/readiness", "http-health", (60, 10, 5, 3), (15, 10, 5, 5))
WEB_PROBE = Probe("/liveness", "/readiness", "http", (30, 60, 0, 5), (5, 10, 0, 5))
UI_PROBE = Probe("/index.html", "/index.html", "http", (30, 60, 0, 5), (5, 10, 0, 5))


class Endpoint(NamedTuple):
    """An address a service's callers get in the shared ConfigMap: <CALLER>__<env> = scheme://target:port.
    The callers' NetworkPolicy rules are derived from the same declarations (network_policies.py)."""

    env: str
    target: str  # the component serving it (the gateway balances some services' traffic)
    port: str  # a port name of the target


class Route(NamedTuple):
    """A gateway route: <env>_ADDRESS/_PORT/_PORT_TRUSTED in the gateway's ConfigMap."""

    target: str
    env: str


class Certs(NamedTuple):
    """A TLS listener's certificates: a Secret mounted into the container while `section` is enabled."""

    section: Callable[[Spec], Mtls]
    secret: str  # the generated Secret (suffix) unless the section names an existing one
    mount: str


class Feature(NamedTuple):
    secret: str  # generated Secret (suffix) loaded while the switch is on
    enabled: Callable[[Spec], bool]


class Common(TypedDict):
    """What every component declares (the keyword arguments every kind takes)."""

    key: str  # objects and the app label are <prefix>-<key>
    path: str  # where `section` lives below spec (for messages)
    section: Callable[[Spec], SecurityOverrides]  # its ports, resources, security overrides
    containers: tuple[tuple[str, Family], ...]  # container name (without prefix) -> image family
    ports: NotRequired[tuple[Port, ...]]
    stores: NotRequired[tuple[Store, ...]]
    configs: NotRequired[tuple[str, ...]]  # generated ConfigMaps it loads (envFrom)
    features: NotRequired[tuple[Feature, ...]]


# Plain classes with slots, not dataclasses: the registry is built at every start-up, and generating
# dataclass methods for these kinds costs more than the rest of the module.
class Component:
    kind: ClassVar[Kind]
    __slots__ = ("configs", "containers", "features", "key", "path", "ports", "section", "stores")

    def __init__(self, **common: Unpack[Common]) -> None:
        self.key = common["key"]
        self.path = common["path"]
        self.section = common["section"]
        self.containers = common["containers"]
        self.ports = common.get("ports", ())
        self.stores = common.get("stores", ())
        self.configs = common.get("configs", ("config", "auth-config"))
        self.features = common.get("features", ())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r})"

    @property
    def env_prefix(self) -> str:
        """The prefix of its settings in the shared ConfigMap and Secrets (INGEST__...)."""
        return self.key.upper().replace("-", "_")

    def port(self, name: str) -> Port:
        """A declared port by name; a KeyError names an undeclared one."""
        for port in self.ports:
            if port.name == name:
                return port
        raise KeyError(f"{self.key} declares no port {name}")

    def has_port(self, name: str) -> bool:
        return any(port.name == name for port in self.ports)

    def port_number(self, spec: Spec, name: str) -> int:
        return self.port(name).number(spec)


class Service(Component):
    """A zymtrace service: a Deployment and a Service, autoscaled, configured under services.<key>."""

    kind = "service"
    __slots__ = (
        "announce",
        "app",
        "calls",
        "certs",
        "chart_policy",
        "command",
        "endpoints",
        "entry",
        "headless",
        "labelled_service",
        "metrics",
        "metrics_sink",
        "probe",
        "routes",
    )

    def __init__(
        self,
        *,
        app: Callable[[Spec], AppSettings],
        command: str = "",  # the container's command; empty: the image's entrypoint
        probe: Probe | None = None,
        metrics: str = "",  # container port name serving /metrics
        calls: tuple[str, ...] = (),  # other services it reaches (their endpoints go into its config)
        endpoints: tuple[Endpoint, ...] = (),  # what each of its callers is given to reach it
        routes: tuple[Route, ...] = (),  # services it routes to (the gateway)
        entry: tuple[str, ...] = (),  # ports open to the outside (gatewayFrom): the backend's entry point
        metrics_sink: str = "",  # the port every metric reporter pushes to
        announce: str = "",  # scheme of its <KEY>_SERVICE address in the shared ConfigMap, if it has one
        headless: bool = True,  # a ClusterIP Service without a cluster IP: Envoy sees every pod
        labelled_service: bool = False,  # the Service carries the app label (the chart's, kept for adoption)
        certs: Certs | None = None,
        chart_policy: bool = False,  # the chart's NetworkPolicy admits its routers even without isolation
        **common: Unpack[Common],
    ) -> None:
        super().__init__(**common)
        self.app = app
        self.command = command
        self.probe = probe
        self.metrics = metrics
        self.calls = calls
        self.endpoints = endpoints
        self.routes = routes
        self.entry = entry
        self.metrics_sink = metrics_sink
        self.announce = announce
        self.headless = headless
        self.labelled_service = labelled_service
        self.certs = certs
        self.chart_policy = chart_policy


class Database(Component):
    """An in-cluster database: a StatefulSet, a Service and a volume, while its store's mode is create."""

    kind = "database"
    __slots__ = (
        "args",
        "check",
        "config_file",
        "create",
        "data_mount",
        "headless",
        "placement",
        "server_secret",
        "store",
        "timings",
    )

    def __init__(
        self,
        *,
        store: Store,
        create: Callable[[Spec], ClickHouseCreate | PostgresCreate | StorageCreate],
        placement: Callable[[Spec], Scheduling],
        data_mount: str,
        server_secret: str,  # the generated Secret the server loads
        check: Callable[[Spec], list[str]],  # the probes' command
        timings: Callable[[Spec], tuple[Timing, Timing]],  # liveness, readiness
        args: Callable[[Spec], list[str]] | None = None,
        config_file: tuple[str, str, str] | None = None,  # (ConfigMap suffix, file name, mounted at)
        headless: bool = False,
        **common: Unpack[Common],
    ) -> None:
        super().__init__(**common)
        self.store = store
        self.create = create
        self.placement = placement
        self.data_mount = data_mount
        self.server_secret = server_secret
        self.check = check
        self.timings = timings
        self.args = args
        self.config_file = config_file
        self.headless = headless


class Proxy(Component):
    kind = "proxy"
    __slots__ = ("placement",)

    def __init__(self, *, placement: Callable[[Spec], Scheduling], **common: Unpack[Common]) -> None:
        super().__init__(**common)
        self.placement = placement


class Job(Component):
    kind = "job"
    __slots__ = ("image", "placement")

    def __init__(
        self,
        *,
        placement: Callable[[Spec], Scheduling],
        image: Callable[[Spec], Image] | None = None,  # a zymtrace image's section (None: a database image)
        **common: Unpack[Common],
    ) -> None:
        super().__init__(**common)
        self.placement = placement
        self.image = image


def _timing(probe: ProbeTiming) -> Timing:
    fields = {
        "initialDelaySeconds": probe.initialDelaySeconds,
        "periodSeconds": probe.periodSeconds,
        "timeoutSeconds": probe.timeoutSeconds,
        "failureThreshold": probe.failureThreshold,
    }
    return {name: value for name, value in fields.items() if value is not None}


def _configured(probes: HealthProbes) -> tuple[Timing, Timing]:
    return _timing(probes.liveness), _timing(probes.readiness)


# PostgreSQL's probe timings are the chart's fixed ones (its values file has no healthProbes for it).
POSTGRES_TIMINGS: tuple[Timing, Timing] = (
    {"initialDelaySeconds": 60, "periodSeconds": 30, "timeoutSeconds": 5, "failureThreshold": 10},
    {"initialDelaySeconds": 30, "periodSeconds": 10, "timeoutSeconds": 5},
)


def _http(section: str, number: Callable[[Spec], int]) -> Port:
    return Port("http", number, f"{section}.port")


GATEWAY = Service(
    key="gateway",
    path="services.gateway",
    section=lambda s: s.services.gateway,
    app=lambda s: s.services.gateway,
    containers=(("gateway", "gateway"),),
    ports=(
        Port(
            "http",
            lambda s: s.services.gateway.port,
            "services.gateway.port",
            service_name=lambda s: s.services.gateway.service.portName,
            name_path="services.gateway.service.portName",
        ),
        Port(
            "http-trusted", lambda s: s.services.gateway.portTrusted, "services.gateway.portTrusted", target_number=True
        ),
        Port("admin", lambda s: s.services.gateway.adminPort, "services.gateway.adminPort"),
        # Declared on the container even without mTLS, as the chart does.
        Port(
            "mtls",
            lambda s: s.services.gateway.mtls.port,
            "services.gateway.mtls.port",
            when=lambda s: s.services.gateway.mtls.enabled,
            target_number=True,
        ),
    ),
    configs=("gateway-config", "config"),
    probe=GATEWAY_PROBE,
    routes=(
        Route("ui", "UI_CLUSTER"),
        Route("web", "WEB_CLUSTER"),
        Route("ingest", "INGEST_RR_CLUSTER"),
        # symdb twice: by build-id hash and round robin.
        Route("symdb", "SYMDB_HASH_CLUSTER"),
        Route("symdb", "SYMDB_RR_CLUSTER"),
    ),
    entry=("http", "http-trusted", "mtls"),
    headless=False,
    labelled_service=True,
    certs=Certs(lambda s: s.services.gateway.mtls, "gateway-mtls", "/etc/envoy/certs"),
)

IDENTITY = Service(
    key="identity",
    path="services.identity",
    section=lambda s: s.services.identity,
    app=lambda s: s.services.identity,
    containers=(("identity", "backend"),),
    ports=(
        _http("services.identity", lambda s: s.services.identity.port),
        Port("http-health", lambda s: s.services.identity.portHealth, "services.identity.portHealth"),
    ),
    stores=("postgres",),
    metrics="http-health",
    command="zymtrace-identity",
    probe=HEALTH_PROBE,
    endpoints=(
        Endpoint("IDENTITY_SERVICE__ENDPOINT", "identity", "http"),
        Endpoint("IDENTITY_SERVICE__HEALTH_ENDPOINT", "identity", "http-health"),
    ),
)

INGEST = Service(
    key="ingest",
    path="services.ingest",
    section=lambda s: s.services.ingest,
    app=lambda s: s.services.ingest,
    containers=(("ingest", "backend"),),
    ports=(
        _http("services.ingest", lambda s: s.services.ingest.port),
        Port("http-trusted", lambda s: s.services.ingest.portTrusted, "services.ingest.portTrusted"),
        Port("http-health", lambda s: s.services.ingest.portHealth, "services.ingest.portHealth"),
    ),
    stores=("clickhouse",),
    calls=("identity", "symdb"),
    metrics="http-health",
    command="zymtrace-ingest",
    probe=HEALTH_PROBE,
    metrics_sink="http-trusted",
    announce="grpc",
)

SYMDB = Service(
    key="symdb",
    path="services.symdb",
    section=lambda s: s.services.symdb,
    app=lambda s: s.services.symdb,
    containers=(("symdb", "backend"),),
    ports=(
        _http("services.symdb", lambda s: s.services.symdb.port),
        Port("http-trusted", lambda s: s.services.symdb.portTrusted, "services.symdb.portTrusted"),
        Port("http-health", lambda s: s.services.symdb.portHealth, "services.symdb.portHealth"),
    ),
    stores=("postgres", "storage"),
    calls=("identity",),
    metrics="http-health",
    features=(Feature("global-symbolization-secrets", lambda s: s.globalSymbolization.enabled),),
    command="zymtrace-symdb",
    probe=HEALTH_PROBE,
    # symdb is reached through the gateway, which balances by build-id hash (chart 1.2).
    endpoints=(
        Endpoint("SYMDB__ENDPOINT", "gateway", "http"),
        Endpoint("SYMDB__ENDPOINT_TRUSTED", "gateway", "http-trusted"),
        Endpoint("SYMDB__HEALTH_ENDPOINT", "symdb", "http-health"),
    ),
    announce="grpc",
)

UI = Service(
    key="ui",
    path="services.ui",
    section=lambda s: s.services.ui,
    app=lambda s: s.services.ui,
    containers=(("ui", "ui"),),
    ports=(_http("services.ui", lambda s: s.services.ui.port),),
    probe=UI_PROBE,
    chart_policy=True,
)

WEB = Service(
    key="web",
    path="services.web",
    section=lambda s: s.services.web,
    app=lambda s: s.services.web,
    containers=(("web", "backend"),),
    ports=(_http("services.web", lambda s: s.services.web.port),),
    stores=("clickhouse", "postgres"),
    calls=("identity", "symdb"),
    metrics="http",
    features=(Feature("ai-assistant-secrets", lambda s: s.aiAssistant.enabled),),
    command="zymtrace-web",
    probe=WEB_PROBE,
    announce="http",
)

CLICKHOUSE = Database(
    key="clickhouse",
    path="clickhouse.create",
    section=lambda s: s.clickhouse.create,
    create=lambda s: s.clickhouse.create,
    placement=lambda s: s.clickhouse,
    store="clickhouse",
    containers=(("clickhouse", "clickhouse"),),
    ports=(
        Port("http", lambda s: s.clickhouse.create.service.http.port, "clickhouse.create.service.http.port"),
        Port("native", lambda s: s.clickhouse.create.service.native.port, "clickhouse.create.service.native.port"),
    ),
    data_mount="/var/lib/clickhouse",
    server_secret="clickhouse-secrets",
    check=lambda s: ["clickhouse-client", "--query", "SELECT 1"],
    timings=lambda s: _configured(s.clickhouse.create.healthProbes),
    config_file=("clickhouse-config", "system-logs.xml", "/etc/clickhouse-server/config.d/system-logs.xml"),
)

POSTGRES = Database(
    key="postgres",
    path="postgres.create",
    section=lambda s: s.postgres.create,
    create=lambda s: s.postgres.create,
    placement=lambda s: s.postgres,
    store="postgres",
    containers=(("postgres", "postgres"),),
    ports=(Port("psql", lambda s: s.postgres.create.service.port, "postgres.create.service.port"),),
    data_mount="/var/lib/postgresql/data",
    server_secret="postgres-secrets",
    # The chart probes as user postgres whatever the configured user; pg_isready only needs a role name.
    check=lambda s: ["pg_isready", "-U", s.postgres.create.config.user],
    timings=lambda s: POSTGRES_TIMINGS,
    headless=True,
)

MINIO = Database(
    key="minio",
    path="storage.create",
    section=lambda s: s.storage.create,
    create=lambda s: s.storage.create,
    placement=lambda s: s.storage,
    store="storage",
    containers=(("minio", "minio"),),
    ports=(
        Port("api", lambda s: s.storage.create.service.api.port, "storage.create.service.api.port"),
        Port("console", lambda s: s.storage.create.service.console.port, "storage.create.service.console.port"),
    ),
    data_mount="/data",
    server_secret="minio-secrets",
    check=lambda s: ["mc", "ready", "local"],
    timings=lambda s: _configured(s.storage.create.healthProbes),
    args=lambda s: ["server", "/data", "--console-address", f":{s.storage.create.service.console.port}"],
)

# The shared proxy Deployment (its Service is <prefix>-postgres); in sidecar placement the same
# container runs in every PostgreSQL client's pod, listening on the same port there.
PROXY = Proxy(
    key="postgres-proxy",
    path="postgres.gcp_cloudsql.proxy",
    section=lambda s: s.postgres.gcp_cloudsql.proxy,
    placement=lambda s: s.postgres,
    containers=(("cloud-sql-proxy", "proxy"),),
    ports=(Port("psql", lambda s: s.postgres.gcp_cloudsql.proxy.port, "postgres.gcp_cloudsql.proxy.port"),),
)


def _migrate(spec: Spec) -> MigrateService:
    return spec.services.migrate


MIGRATE = Job(
    key="migrate",
    path="services.migrate",
    section=_migrate,
    placement=_migrate,
    image=lambda s: s.services.migrate.image,
    containers=(
        ("migrate", "backend"),
        ("wait-for-clickhouse", "clickhouse-client"),
        ("wait-for-postgres", "postgres-client"),
        ("wait-for-gcp-cloudsql", "postgres-client"),
    ),
    stores=("clickhouse", "postgres", "storage"),
)

BUCKET_CHECK = Job(
    key="bucket-check",
    path="services.migrate",  # the chart places and sizes it with the migrate Job's settings
    section=_migrate,
    placement=_migrate,
    image=lambda s: s.services.migrate.image,
    containers=(("bucket-check", "backend"),),
    stores=("storage",),
)

MINIO_INIT = Job(
    key="minio-init",
    path="storage.create",
    section=lambda s: s.storage.create,
    placement=lambda s: s.storage,
    containers=(("wait-for-minio", "minio-client"), ("create-buckets", "minio-client")),
)

SERVICES: tuple[Service, ...] = (GATEWAY, IDENTITY, INGEST, SYMDB, UI, WEB)
DATABASES: tuple[Database, ...] = (CLICKHOUSE, POSTGRES, MINIO)
JOBS: tuple[Job, ...] = (MIGRATE, MINIO_INIT, BUCKET_CHECK)
COMPONENTS: tuple[Component, ...] = (*SERVICES, *DATABASES, PROXY, MIGRATE, BUCKET_CHECK, MINIO_INIT)

BY_KEY: dict[str, Component] = {component.key: component for component in COMPONENTS}
SERVICE_BY_KEY: dict[str, Service] = {service.key: service for service in SERVICES}
AUTOSCALED: tuple[Service, ...] = SERVICES  # each has an HPA (services.<key>.hpa over services.common.hpa) and a PDB
PROXY_CONTAINER = PROXY.containers[0][0]

# The Secret that carries each store's credentials to its clients, and the database serving it.
STORE_SECRET: dict[Store, str] = {
    "clickhouse": CLICKHOUSE.server_secret,
    "postgres": POSTGRES.server_secret,
    "storage": "storage-secrets",
}


def component(key: str) -> Component:
    """The component whose objects are named <prefix>-<key>; a KeyError names an unknown one."""
    return BY_KEY[key]


def clients_of(store: Store) -> tuple[Component, ...]:
    """Workloads wired to a store, in table order: also the peers its NetworkPolicy admits."""
    return tuple(c for c in COMPONENTS if store in c.stores)


def service_clients(store: Store) -> tuple[Service, ...]:
    """The services (not Jobs) that use a store: each has its own <SERVICE>__... settings for it."""
    return tuple(c for c in SERVICES if store in c.stores)


def callers_of(key: str) -> tuple[Service, ...]:
    return tuple(c for c in SERVICES if key in c.calls)


def routers_of(key: str) -> tuple[Service, ...]:
    """The services routing to `key` (the gateway to the services behind it)."""
    return tuple(c for c in SERVICES if any(route.target == key for route in c.routes))


def container_images() -> dict[str, Family]:
    """Container name (without the prefix) -> the image family it runs, over every component."""
    return {name: family for c in COMPONENTS for name, family in c.containers}
