"""spec.global and the small top-level sections: telemetry, metricReporter, globalSymbolization, prefillDemo."""

from typing import Annotated, Literal

from .base import (
    Bool,
    BucketName,
    ConfigKey,
    ImageRegistry,
    Labels,
    LabelValue,
    NonNegative,
    ObjectName,
    Positive,
    RequiredTag,
    Rule,
    SecretText,
    Strict,
    Url,
    doc,
    doc_factory,
)
from .credential import CredentialOf

# A DNS label of at most 63 characters (a domain's parts; the API server's rule for names in DNS).
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"

# Prometheus durations (the PodMonitor CRD's pattern): 30s, 1m30s, 2h.
DURATION = r"^((([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?|0)$"
Duration = Annotated[str, Rule(pattern=DURATION)]


class Registry(Strict):
    requirePullSecret: Bool = doc(
        False,
        "true: pull the zymtrace images with a pull Secret and the private repository names; "
        "false: use the public zymtrace-pub-* images.",
    )
    username: SecretText = doc("", "Registry user written into the generated pull Secret.")
    password: SecretText = doc("", "Registry password written into the generated pull Secret.")
    pullSecretName: ObjectName = doc(
        "",
        "Extension: an existing kubernetes.io/dockerconfigjson Secret to use instead of generating "
        "<prefix>-registry-cred from username/password (keeps the password out of git).",
    )


class Global(Strict):
    licenseKey: str = doc("", "zymtrace license key (written into <prefix>-auth-secrets).")
    licenseKeySecretName: ObjectName = doc("", "Existing Secret holding the license key; wins over licenseKey.")
    licenseKeySecretKey: ConfigKey = doc("license-key", "Key inside licenseKeySecretName.")
    license_key_credential = CredentialOf("licenseKey")
    namePrefix: str = doc(
        "zymtrace",
        "Prefix of every object name and of every app label: a DNS label starting with a letter, as Service "
        "names must.",
        pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$",
        max_length=40,
    )
    imageRegistry: ImageRegistry = doc(
        "docker.io", "Registry of the database images; fallback for the zymtrace images."
    )
    appImageRegistry: ImageRegistry = doc("ghcr.io/zystem-io", "Registry of the zymtrace images.")
    dbImageRegistry: ImageRegistry = doc(
        "", "Registry of the database images, overriding imageRegistry (read by the chart)."
    )
    registry: Registry = doc_factory(Registry, "Image pull credentials for the zymtrace images.")
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] = doc(
        "IfNotPresent", "imagePullPolicy of every container."
    )
    dataRetentionDays: NonNegative = doc(30, "Days profiling events are kept (0 keeps them forever).")
    migrateServicesToHeadless: Bool = doc(
        True, "Accepted for compatibility; no effect (the chart's Service-migration hook needs a cluster lookup)."
    )
    skipCapabilityCheck: Bool = doc(False, "Accepted for compatibility; no effect (nothing is looked up).")
    skipDBMigrations: Bool = doc(False, "Do not render the migrate Job.")
    skipPostgresMigration: Bool = doc(False, "Set SKIP_PSQL_MIGRATE=true in the migrate Job's migrate container.")
    skipClickHouseMigration: Bool = doc(False, "Set SKIP_CH_MIGRATE=true in the migrate Job's migrate container.")
    clusterDomain: str = doc(
        "cluster.local",
        "Extension: the cluster DNS domain written into in-cluster addresses (gateway config).",
        pattern=rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$",
        max_length=253,
    )
    chartVersion: LabelValue = doc("26.8.4", "Extension: value of the chart-version label (a label value).")
    appVersion: RequiredTag = doc("26.8.4", "Extension: default tag of the zymtrace images (the last fallback).")


class Telemetry(Strict):
    disableAll: Bool = doc(False, "Disable telemetry reporting of every service and the UI.")


class PodMonitor(Strict):
    enabled: Bool = doc(False, "Render prometheus-operator PodMonitors for identity, ingest, symdb and web.")
    additionalLabels: Labels = doc_factory(dict, "Extra labels on the PodMonitors.")
    interval: Duration = doc("", "Scrape interval (a duration such as 30s or 1m); empty uses the operator's default.")


class MetricReporter(Strict):
    enabled: Bool | None = doc(None, "Removed by the chart: setting it to false is an error.")
    pollPeriodSec: Positive = doc(30, "How often self-metrics are collected.")
    exportPeriodSec: Positive = doc(60, "How often collected self-metrics are pushed to ingest.")
    alignTimestamps: Bool = doc(True, "Align exported metric timestamps to the poll period.")
    console: Bool = doc(False, "Also log self-metrics to the console.")
    podMonitor: PodMonitor = doc_factory(PodMonitor, "prometheus-operator PodMonitors.")


class GlobalSymbolizationConfig(Strict):
    bucketName: BucketName = doc("", "Bucket of the global symbolization service (required when enabled).")
    accessKey: SecretText = doc("", "Access key id for that bucket.")
    accessKeySecretName: ObjectName = doc("", "Extension: existing Secret holding the access key.")
    accessKeySecretKey: ConfigKey = doc("access-key", "Extension: key inside accessKeySecretName.")
    access_key_credential = CredentialOf("accessKey")
    secretKey: SecretText = doc("", "Secret access key for that bucket.")
    secretKeySecretName: ObjectName = doc("", "Extension: existing Secret holding the secret key.")
    secretKeySecretKey: ConfigKey = doc("secret-key", "Extension: key inside secretKeySecretName.")
    secret_key_credential = CredentialOf("secretKey")
    region: str = doc("", "Region of that bucket.")
    endpoint: Url = doc("", "S3-compatible endpoint of that bucket.")


class GlobalSymbolization(Strict):
    enabled: Bool = doc(False, "Let symdb use zymtrace's global symbolization bucket.")
    config: GlobalSymbolizationConfig = doc_factory(GlobalSymbolizationConfig)


class PrefillDemo(Strict):
    user: str = doc("", "Demo login pre-filled in the UI (read by the chart, undocumented there).")
    password: SecretText = doc("", "Demo password (kept in <prefix>-auth-secrets, not in a ConfigMap).")
    passwordSecretName: ObjectName = doc("", "Extension: existing Secret holding the demo password.")
    passwordSecretKey: ConfigKey = doc("demo-password", "Extension: key inside passwordSecretName.")
    password_credential = CredentialOf("password")
