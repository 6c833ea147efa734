"""spec.clickhouse and spec.postgres: in-cluster databases or external ones."""

from typing import Any, Literal

from .base import (
    Bool,
    ConfigKey,
    DatabaseName,
    DatabaseUser,
    DataVolume,
    HealthProbes,
    HostPort,
    ObjectName,
    OptionalUser,
    Percent,
    PinnedImage,
    Port,
    Positive,
    Resources,
    SecretText,
    Strict,
    Url,
    data_volume,
    db_probes,
    doc,
    doc_factory,
    resources,
)
from .credential import CredentialOf
from .kube import Scheduling
from .scalars import CLOUDSQL_INSTANCE
from .security import SecurityOverrides


class ServicePort(Strict):
    port: Port = doc(8123, "Port number.")


def _port(number: int, what: str) -> Any:
    return doc_factory(lambda: {"port": number}, f"The {what} port.")


# ---------------------------------------------------------------- ClickHouse


class ClickHouseCredentials(Strict):
    user: DatabaseUser = doc("clickhouse", "Database user (CLICKHOUSE_USER and the apps' user name).")
    password: SecretText = doc("clickhouse123", "Password of that user (default is public: set your own).")
    passwordSecretName: ObjectName = doc("", "Extension: existing Secret holding the password; wins.")
    passwordSecretKey: ConfigKey = doc("password", "Extension: key inside passwordSecretName.")
    password_credential = CredentialOf("password")
    database: DatabaseName = doc("zymtrace", "Database prefix: <prefix>_profiling and <prefix>_metrics.")


class ClickHouseServices(Strict):
    http: ServicePort = _port(8123, "HTTP")
    native: ServicePort = _port(9000, "native protocol")


class ClickHouseCreate(SecurityOverrides):
    image: PinnedImage = doc_factory(
        lambda: {"repository": "clickhouse/clickhouse-server", "tag": "25.3.2.39"}, "ClickHouse image."
    )
    config: ClickHouseCredentials = doc_factory(ClickHouseCredentials, "User, password and database prefix.")
    service: ClickHouseServices = doc_factory(ClickHouseServices, "Service ports.")
    replicas: Positive = doc(1, "StatefulSet replicas (all replicas share one volume: keep 1).")
    resources: Resources = resources("500m", "1Gi", "2000m", "4Gi", "ClickHouse")
    storage: DataVolume = data_volume("30Gi", "clickhouse")
    healthProbes: HealthProbes = db_probes(5)


class ClickHouseExisting(Strict):
    host: Url = doc("", "URL of the HTTP interface, with scheme and port, e.g. https://ch.example.com:8443.")
    user: OptionalUser = doc("", "Database user.")
    password: SecretText = doc("", "Password of that user.")
    passwordSecretName: ObjectName = doc("", "Existing Secret holding the password; wins over password.")
    passwordSecretKey: ConfigKey = doc("password", "Key inside passwordSecretName.")
    password_credential = CredentialOf("password")
    database: DatabaseName = doc("zymtrace", "Database prefix: <prefix>_profiling and <prefix>_metrics.")
    clusterName: OptionalUser = doc("", "ClickHouse cluster name for ON CLUSTER (distributed) setups.")
    autoCreateDBs: Bool = doc(False, "Let ingest create the databases (needs CREATE DATABASE).")


class ClickHouse(Scheduling):
    mode: Literal["create", "use_existing"] = doc("create", "create (in-cluster) or use_existing.")
    create: ClickHouseCreate = doc_factory(ClickHouseCreate, "In-cluster ClickHouse (mode create).")
    use_existing: ClickHouseExisting = doc_factory(ClickHouseExisting, "External ClickHouse.")


# ---------------------------------------------------------------- PostgreSQL


class PostgresCredentials(Strict):
    user: DatabaseUser = doc("postgres", "Database user (POSTGRES_USER and the apps' user name).")
    password: SecretText = doc("postgres123", "Password of that user (default is public: set your own).")
    passwordSecretName: ObjectName = doc("", "Extension: existing Secret holding the password; wins.")
    passwordSecretKey: ConfigKey = doc("password", "Extension: key inside passwordSecretName.")
    password_credential = CredentialOf("password")


class PostgresCreate(SecurityOverrides):
    image: PinnedImage = doc_factory(lambda: {"repository": "postgres", "tag": "17.4"}, "PostgreSQL image.")
    config: PostgresCredentials = doc_factory(PostgresCredentials, "User and password.")
    service: ServicePort = _port(5432, "PostgreSQL")
    replicas: Positive = doc(1, "StatefulSet replicas (all replicas share one volume: keep 1).")
    resources: Resources = resources("200m", "512Mi", "1000m", "1Gi", "PostgreSQL")
    storage: DataVolume = data_volume("20Gi", "postgres/pgdata")


class PostgresExisting(Strict):
    host: HostPort = doc("", "host:port of the PostgreSQL server.")
    user: OptionalUser = doc("", "Database user.")
    password: SecretText = doc("", "Password of that user.")
    passwordSecretName: ObjectName = doc("", "Existing Secret holding the password; wins over password.")
    passwordSecretKey: ConfigKey = doc("password", "Key inside passwordSecretName.")
    password_credential = CredentialOf("password")
    database: DatabaseName = doc("postgres", "Database prefix: <prefix>_identity, <prefix>_symdb, <prefix>_web.")
    secure: Bool = doc(False, "Connect with TLS.")
    autoCreateDBs: Bool = doc(False, "Let the services create their databases (needs CREATEDB).")
    useIAM: Literal["", "aws"] = doc("", "aws: authenticate with AWS IAM instead of a password.")
    awsIamRegion: str = doc("", "AWS region for IAM authentication (required with useIAM aws).")


class PostgresAurora(Strict):
    host: HostPort = doc("", "Aurora cluster endpoint.")
    user: OptionalUser = doc("", "IAM database user (needs the rds_iam role).")
    database: DatabaseName = doc("zymtrace", "Database prefix.")
    region: str = doc("", "AWS region of the cluster.")
    autoCreateDBs: Bool = doc(False, "Let the services create their databases.")
    serviceAccount: ObjectName = doc("", "ServiceAccount with the IAM role (IRSA) for identity, symdb, web, migrate.")


class ProxyHpa(Strict):
    enabled: Bool = doc(False, "Autoscale the Cloud SQL Auth Proxy Deployment.")
    minReplicas: Positive = doc(1, "Minimum proxy replicas.")
    maxReplicas: Positive = doc(5, "Maximum proxy replicas.")
    targetCPUUtilizationPercentage: Percent | None = doc(80, "Target CPU utilization.")
    targetMemoryUtilizationPercentage: Percent | None = doc(80, "Target memory utilization.")


class CloudSqlProxy(SecurityOverrides):
    image: PinnedImage = doc_factory(
        lambda: {"repository": "gcr.io/cloud-sql-connectors/cloud-sql-proxy", "tag": "2.11.0"},
        "Cloud SQL Auth Proxy image (used verbatim, no registry prefix).",
    )
    resources: Resources = resources("100m", "128Mi", "500m", "256Mi", "Cloud SQL Auth Proxy")
    port: Port = doc(5432, "Port the proxy listens on (and the <prefix>-postgres Service port).")
    serviceAccount: ObjectName = doc(
        "", "ServiceAccount of the proxy (Workload Identity); wins over gcp_cloudsql.serviceAccount."
    )
    placement: Literal["deployment", "sidecar"] = doc(
        "deployment",
        "Extension: deployment (the chart's shared <prefix>-postgres-proxy) or sidecar (a native "
        "sidecar in every pod that uses PostgreSQL; Kubernetes 1.29+).",
    )


class WorkloadIdentity(Strict):
    enabled: Bool = doc(True, "Use IAM database authentication (--auto-iam-authn).")


class PostgresCloudSql(Strict):
    instance: str = doc(
        "",
        "Instance connection name PROJECT:REGION:INSTANCE.",
        json_schema_extra={"pattern": f"^({CLOUDSQL_INSTANCE})?$"},
    )
    user: OptionalUser = doc("", "IAM database user (service account e-mail without .gserviceaccount.com).")
    database: DatabaseName = doc("postgres", "Database prefix.")
    autoCreateDBs: Bool = doc(False, "Let the services create their databases.")
    privateIP: Bool = doc(False, "Connect to the instance's private IP (--private-ip).")
    workloadIdentity: WorkloadIdentity = doc_factory(WorkloadIdentity, "IAM authentication.")
    proxy: CloudSqlProxy = doc_factory(CloudSqlProxy, "The Cloud SQL Auth Proxy.")
    serviceAccount: ObjectName = doc(
        "", "ServiceAccount (bound to a GCP service account) of the proxy and the migrate Job."
    )
    replicas: Positive = doc(1, "Proxy replicas (ignored when its HPA is on).")
    hpa: ProxyHpa = doc_factory(ProxyHpa, "Proxy autoscaling.")


class Postgres(Scheduling):
    mode: Literal["create", "use_existing", "aws_aurora", "gcp_cloudsql"] = doc(
        "create", "create, use_existing, aws_aurora or gcp_cloudsql."
    )
    create: PostgresCreate = doc_factory(PostgresCreate, "In-cluster PostgreSQL (mode create).")
    use_existing: PostgresExisting = doc_factory(PostgresExisting, "An existing PostgreSQL server.")
    aws_aurora: PostgresAurora = doc_factory(PostgresAurora, "Amazon Aurora with IAM authentication.")
    gcp_cloudsql: PostgresCloudSql = doc_factory(PostgresCloudSql, "Google Cloud SQL through the Auth Proxy.")
