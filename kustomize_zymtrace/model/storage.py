"""spec.storage: the symbols bucket, in-cluster MinIO or an existing MinIO / S3 / GCS."""

from typing import Literal

from .base import (
    ConfigKey,
    DataVolume,
    HealthProbes,
    ObjectName,
    PinnedImage,
    Port,
    Positive,
    RequiredBucketName,
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
from .security import SecurityOverrides


class MinioCredentials(Strict):
    user: SecretText = doc("minio", "MinIO root user (also symdb's access key).")
    userSecretName: ObjectName = doc("", "Extension: existing Secret holding the root user.")
    userSecretKey: ConfigKey = doc("user", "Extension: key inside userSecretName.")
    user_credential = CredentialOf("user")
    password: SecretText = doc("minio123", "MinIO root password (default is public: set your own).")
    passwordSecretName: ObjectName = doc("", "Extension: existing Secret holding the root password.")
    passwordSecretKey: ConfigKey = doc("password", "Extension: key inside passwordSecretName.")
    password_credential = CredentialOf("password")


class MinioPort(Strict):
    port: Port = doc(9000, "Port number.")


class MinioServices(Strict):
    api: MinioPort = doc_factory(MinioPort, "S3 API port.")
    console: MinioPort = doc_factory(lambda: {"port": 9001}, "Console port.")


class StorageCreate(SecurityOverrides):
    image: PinnedImage = doc_factory(
        lambda: {"repository": "minio/minio", "tag": "RELEASE.2024-12-18T13-15-44Z"}, "MinIO image."
    )
    config: MinioCredentials = doc_factory(MinioCredentials, "Root credentials.")
    service: MinioServices = doc_factory(MinioServices, "Service ports.")
    replicas: Positive = doc(1, "StatefulSet replicas (all replicas share one volume: keep 1).")
    jobResources: Resources = resources("50m", "64Mi", "200m", "128Mi", "minio-init Job's (extension)")
    resources: Resources = resources("200m", "512Mi", "1000m", "1Gi", "MinIO")
    storage: DataVolume = data_volume("20Gi", "minio")
    healthProbes: HealthProbes = db_probes(None)


class ExistingMinio(Strict):
    endpoint: Url = doc("", "MinIO URL with http:// or https://.")
    user: SecretText = doc("", "Access key.")
    userSecretName: ObjectName = doc("", "Existing Secret holding the access key; wins over user.")
    userSecretKey: ConfigKey = doc("user", "Key inside userSecretName.")
    user_credential = CredentialOf("user")
    password: SecretText = doc("", "Secret key.")
    passwordSecretName: ObjectName = doc("", "Existing Secret holding the secret key; wins over password.")
    passwordSecretKey: ConfigKey = doc("password", "Key inside passwordSecretName.")
    password_credential = CredentialOf("password")


class ExistingS3(Strict):
    region: str = doc("", "AWS region of the bucket.")
    endpoint: Url = doc("", "Custom S3 endpoint (optional); default https://s3.dualstack.<region>.amazonaws.com.")
    accessKey: SecretText = doc("", "AWS access key id.")
    accessKeySecretName: ObjectName = doc("", "Existing Secret holding the access key id; wins.")
    accessKeySecretKey: ConfigKey = doc("access-key", "Key inside accessKeySecretName.")
    access_key_credential = CredentialOf("accessKey")
    secretKey: SecretText = doc("", "AWS secret access key.")
    secretKeySecretName: ObjectName = doc("", "Existing Secret holding the secret access key; wins.")
    secretKeySecretKey: ConfigKey = doc("secret-key", "Key inside secretKeySecretName.")
    secret_key_credential = CredentialOf("secretKey")
    sessionToken: SecretText = doc("", "AWS session token (optional).")
    sessionTokenSecretName: ObjectName = doc("", "Extension: existing Secret holding the session token.")
    sessionTokenSecretKey: ConfigKey = doc("session-token", "Extension: key inside sessionTokenSecretName.")
    session_token_credential = CredentialOf("sessionToken")
    useIAM: Literal["aws"] | None = doc(None, "aws: use the pod's IAM role instead of keys.")
    serviceAccount: ObjectName = doc("", "ServiceAccount with the IAM role (IRSA) for identity, symdb, web.")


class ExistingGcs(Strict):
    endpoint: Url = doc("https://storage.googleapis.com", "GCS S3-compatible endpoint.")
    accessKey: SecretText = doc("", "HMAC access key.")
    accessKeySecretName: ObjectName = doc("", "Existing Secret holding the HMAC access key; wins.")
    accessKeySecretKey: ConfigKey = doc("access-key", "Key inside accessKeySecretName.")
    access_key_credential = CredentialOf("accessKey")
    secretKey: SecretText = doc("", "HMAC secret.")
    secretKeySecretName: ObjectName = doc("", "Existing Secret holding the HMAC secret; wins.")
    secretKeySecretKey: ConfigKey = doc("secret-key", "Key inside secretKeySecretName.")
    secret_key_credential = CredentialOf("secretKey")


class StorageExisting(Strict):
    type: Literal["minio", "s3", "gcs"] = doc("minio", "minio, s3 or gcs.")
    minio: ExistingMinio = doc_factory(ExistingMinio, "An existing MinIO.")
    s3: ExistingS3 = doc_factory(ExistingS3, "Amazon S3.")
    gcs: ExistingGcs = doc_factory(ExistingGcs, "Google Cloud Storage (HMAC keys, S3 API).")


class Buckets(Strict):
    symbols: RequiredBucketName = doc("zymtrace-symdb", "Name of the symbols bucket (S3's rules; GCS also takes '_').")


class ObjectStorage(Scheduling):
    mode: Literal["create", "use_existing"] = doc("create", "create (in-cluster MinIO) or use_existing.")
    create: StorageCreate = doc_factory(StorageCreate, "In-cluster MinIO (mode create).")
    use_existing: StorageExisting = doc_factory(StorageExisting, "External object storage.")
    buckets: Buckets = doc_factory(Buckets, "Bucket names.")
