"""Every render-time failure of the chart (inventory 8.3) and the checks it lacks: an error naming the field,
exit 1, no objects. Plus the warnings for risky but valid settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from configs import cloudsql
from helpers import cli, config, render_errors

from kustomize_zymtrace.loading import load

TOKEN = {"auth": {"type": "local"}}

# (id, spec, field path, message fragment). Chart numbers refer to inventory 8.3.
ERRORS = [
    (
        "8.3-1 clickhouse mode",
        {"clickhouse": {"mode": "external"}},
        "spec.clickhouse.mode",
        "allowed: create, use_existing",
    ),
    ("8.3-1 storage mode", {"storage": {"mode": "external"}}, "spec.storage.mode", "allowed: create, use_existing"),
    ("8.3-2 postgres mode", {"postgres": {"mode": "rds"}}, "spec.postgres.mode", "aws_aurora"),
    ("8.3-3 auth type", {"auth": {"type": "ldap"}}, "spec.auth.type", "allowed: none, basic, local, oidc"),
    (
        "8.3-4 clickhouse host scheme",
        {"clickhouse": {"mode": "use_existing", "use_existing": {"host": "ch:8123"}}},
        "spec.clickhouse.use_existing.host",
        "http:// or https://",
    ),
    (
        "8.3-5 storage type",
        {"storage": {"use_existing": {"type": "azure"}}},
        "spec.storage.use_existing.type",
        "minio, s3, gcs",
    ),
    (
        "8.3-6 global symbolization bucket",
        {"globalSymbolization": {"enabled": True}},
        "spec.globalSymbolization.config.bucketName",
        "required",
    ),
    ("8.3-7 metricReporter.enabled", {"metricReporter": {"enabled": False}}, "spec.metricReporter.enabled", "removed"),
    (
        "8.3-8 mcp ingress host",
        {"services": {"web": {"mcpAllowedHosts": "ingress"}}},
        "spec.services.web.mcpAllowedHosts",
        "ingress.hosts",
    ),
    (
        "8.3-9 mcp value",
        {"services": {"web": {"mcpAllowedHosts": 3}}},
        "spec.services.web.mcpAllowedHosts",
        "list of host",
    ),
    (
        "8.3-10 loadbalancer token auth",
        {**TOKEN, "services": {"gateway": {"service": {"type": "LoadBalancer"}}}},
        "spec.ingress.hosts.gateway.host",
        "LoadBalancer",
    ),
    (
        "8.3-11 half key pair",
        {**TOKEN, "auth": {"type": "local", "validation": {"keys": {"privateKey": "-----BEGIN PRIVATE KEY-----"}}}},
        "spec.auth.validation.keys.publicKey",
        "pair",
    ),
    (
        "8.3-11 half key pair via secret",
        {
            "auth": {
                "type": "oidc",
                "oidc": {"provider": {"clientId": "c", "redirectUri": "https://x/cb"}},
                "validation": {"keys": {"publicKeySecretName": "keys"}},
            }
        },
        "spec.auth.validation.keys.privateKey",
        "pair",
    ),
    (
        "8.3-12 oidc issuer",
        {
            "auth": {
                "type": "oidc",
                "oidc": {"provider": {"issuerUri": "", "clientId": "c", "redirectUri": "https://x/cb"}},
            }
        },
        "spec.auth.oidc.provider.issuerUri",
        "required",
    ),
    (
        "8.3-13 oidc redirect",
        {"auth": {"type": "oidc", "oidc": {"provider": {"clientId": "c"}}}},
        "spec.auth.oidc.provider.redirectUri",
        "ingress.hosts.gateway.host",
    ),
    (
        "oidc client id",
        {"auth": {"type": "oidc", "oidc": {"provider": {"redirectUri": "https://x/cb"}}}},
        "spec.auth.oidc.provider.clientId",
        "required",
    ),
    (
        "8.3-14 basic user",
        {"auth": {"type": "basic", "basic": {"password": "p"}}},
        "spec.auth.basic.username",
        "required",
    ),
    (
        "8.3-14 basic password",
        {"auth": {"type": "basic", "basic": {"username": "u"}}},
        "spec.auth.basic.password",
        "required",
    ),
    ("8.3-14 deprecated basic.enabled", {"auth": {"basic": {"enabled": True}}}, "spec.auth.basic.username", "required"),
    (
        "8.3-15 registry user",
        {"global": {"registry": {"requirePullSecret": True, "password": "p"}}},
        "spec.global.registry.username",
        "required",
    ),
    (
        "8.3-15 registry password",
        {"global": {"registry": {"requirePullSecret": True, "username": "u"}}},
        "spec.global.registry.password",
        "required",
    ),
    (
        "8.3-16 pvc name without type",
        {"postgres": {"create": {"storage": {"existing_pvc": {"pvcName": "pg"}}}}},
        "spec.postgres.create.storage.existing_pvc.pvcName",
        "set type existing_pvc",
    ),
    (
        "8.3-17 existing_pvc without name",
        {"clickhouse": {"create": {"storage": {"type": "existing_pvc"}}}},
        "spec.clickhouse.create.storage.existing_pvc.pvcName",
        "required",
    ),
    (
        "8.3-18 storage type",
        {"storage": {"create": {"storage": {"type": "hostPath"}}}},
        "spec.storage.create.storage.type",
        "empty_dir",
    ),
    (
        "8.3-19 minio endpoint empty",
        {"storage": {"mode": "use_existing", "use_existing": {"minio": {"user": "a", "password": "b"}}}},
        "spec.storage.use_existing.minio.endpoint",
        "http:// or https://",
    ),
    (
        "8.3-20 s3 endpoint",
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {"type": "s3", "s3": {"region": "r", "endpoint": "s3.example", "useIAM": "aws"}},
            }
        },
        "spec.storage.use_existing.s3.endpoint",
        "http:// or https://",
    ),
    (
        "8.3-21 gcs endpoint",
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {
                    "type": "gcs",
                    "gcs": {"endpoint": "storage.googleapis.com", "accessKey": "a", "secretKey": "b"},
                },
            }
        },
        "spec.storage.use_existing.gcs.endpoint",
        "http:// or https://",
    ),
    # Beyond the chart: what users would expect to be caught before anything reaches a cluster.
    (
        "cloudsql without instance",
        {"postgres": {"mode": "gcp_cloudsql", "gcp_cloudsql": {"user": "u"}}},
        "spec.postgres.gcp_cloudsql.instance",
        "required",
    ),
    (
        "cloudsql bad instance",
        {"postgres": {"mode": "gcp_cloudsql", "gcp_cloudsql": {"instance": "my-instance", "user": "u"}}},
        "spec.postgres.gcp_cloudsql.instance",
        "PROJECT:REGION:INSTANCE",
    ),
    (
        "cloudsql without user",
        {"postgres": {"mode": "gcp_cloudsql", "gcp_cloudsql": {"instance": "p:r:i"}}},
        "spec.postgres.gcp_cloudsql.user",
        "required",
    ),
    (
        "postgres use_existing host",
        {"postgres": {"mode": "use_existing"}},
        "spec.postgres.use_existing.host",
        "required",
    ),
    (
        "aurora host",
        {"postgres": {"mode": "aws_aurora", "aws_aurora": {"region": "r"}}},
        "spec.postgres.aws_aurora.host",
        "required",
    ),
    (
        "aurora region",
        {"postgres": {"mode": "aws_aurora", "aws_aurora": {"host": "h"}}},
        "spec.postgres.aws_aurora.region",
        "required",
    ),
    (
        "iam region",
        {"postgres": {"mode": "use_existing", "use_existing": {"host": "h:1", "useIAM": "aws"}}},
        "spec.postgres.use_existing.awsIamRegion",
        "required",
    ),
    (
        "clickhouse use_existing host",
        {"clickhouse": {"mode": "use_existing"}},
        "spec.clickhouse.use_existing.host",
        "required",
    ),
    (
        "s3 region",
        {"storage": {"mode": "use_existing", "use_existing": {"type": "s3", "s3": {"useIAM": "aws"}}}},
        "spec.storage.use_existing.s3.region",
        "required",
    ),
    (
        "gcs keys",
        {"storage": {"mode": "use_existing", "use_existing": {"type": "gcs"}}},
        "spec.storage.use_existing.gcs.accessKey",
        "required",
    ),
    (
        "bucket name upper case",
        {"storage": {"buckets": {"symbols": "Symbols"}}},
        "spec.storage.buckets.symbols",
        "must be a bucket name",
    ),
    (
        "bucket name ip",
        {"storage": {"buckets": {"symbols": "192.168.1.1"}}},
        "spec.storage.buckets.symbols",
        "IP address",
    ),
    ("bucket name short", {"storage": {"buckets": {"symbols": "ab"}}}, "spec.storage.buckets.symbols", "3 to 63"),
    ("bucket name dots", {"storage": {"buckets": {"symbols": "a..b"}}}, "spec.storage.buckets.symbols", "no '..'"),
    (
        "hpa min > max",
        {"services": {"web": {"hpa": {"enabled": True, "minReplicas": 6, "maxReplicas": 3}}}},
        "spec.services.web.hpa.minReplicas",
        "> maxReplicas 3",
    ),
    (
        "common hpa min > max",
        {"services": {"common": {"hpa": {"minReplicas": 9}}}},
        "spec.services.common.hpa.minReplicas",
        "> maxReplicas 5",
    ),
    (
        "hpa percent",
        {"services": {"common": {"hpa": {"targetCPUUtilizationPercentage": 120}}}},
        "spec.services.common.hpa.targetCPUUtilizationPercentage",
        "must be at most 100",
    ),
    (
        "proxy hpa min > max",
        {
            "postgres": cloudsql(hpa={"enabled": True, "minReplicas": 4, "maxReplicas": 2}),
        },
        "spec.postgres.gcp_cloudsql.hpa.minReplicas",
        "> maxReplicas",
    ),
    (
        "migrate hpa",
        {"services": {"migrate": {"hpa": {"enabled": True}}}},
        "spec.services.migrate.hpa.enabled",
        "never autoscaled",
    ),
    (
        "node port without NodePort",
        {"services": {"ui": {"service": {"nodePort": 30080}}}},
        "spec.services.ui.service.nodePort",
        "only allowed with type NodePort",
    ),
    (
        "node port range",
        {"services": {"ingest": {"service": {"type": "NodePort", "nodePort": 8080}}}},
        "spec.services.ingest.service.nodePort",
        "30000 and 32767",
    ),
    (
        "node port twice",
        {
            "services": {
                "ui": {"service": {"type": "NodePort", "nodePort": 30080}},
                "web": {"service": {"type": "NodePort", "nodePort": 30080}},
            }
        },
        "spec.services.web.service.nodePort",
        "already used",
    ),
    (
        "service type",
        {"services": {"ui": {"service": {"type": "ExternalName"}}}},
        "spec.services.ui.service.type",
        "NodePort",
    ),
    (
        "app pod label",
        {"services": {"gateway": {"podLabels": {"app": "x"}}}},
        "spec.services.gateway.podLabels.app",
        "reserved",
    ),
    (
        "mtls without certs",
        {"services": {"gateway": {"mtls": {"enabled": True}}}},
        "spec.services.gateway.mtls.cert",
        "PEM",
    ),
    ("namespace", {}, "metadata.namespace", "DNS label"),
]


@pytest.mark.parametrize(("spec", "path", "fragment"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error(spec: dict, path: str, fragment: str) -> None:
    meta = {"namespace": "Not_A_Namespace"} if path == "metadata.namespace" else {}
    results = render_errors(spec, **meta)
    at_path = [r for r in results if r.path == path and r.severity == "error"]
    assert at_path, f"no error at {path}: {[r.line() for r in results]}"
    assert fragment in at_path[0].message, at_path[0].message


def test_error_through_the_cli_exits_1_with_no_objects(tmp_path: Path) -> None:
    """One representative per family through the real process: message, exit code, empty stdout."""
    for name, spec, path, _ in ERRORS[::7]:
        meta = {"namespace": "Not_A_Namespace"} if path == "metadata.namespace" else {}
        file = tmp_path / "config.yaml"
        file.write_text(yaml.safe_dump(config(spec, **meta)))
        result = cli("render", str(file))
        assert result.returncode == 1, name
        assert result.stdout == "", name
        assert f"[error] {path}:" in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr


WARNINGS = [
    ("plaintext default password", {}, "spec.postgres.create.config.password", "public default"),
    (
        "s3 without keys",
        {"storage": {"mode": "use_existing", "use_existing": {"type": "s3", "s3": {"region": "r"}}}},
        "spec.storage.use_existing.s3.accessKey",
        "default AWS credentials",
    ),
    (
        "network policies off",
        {"services": {"activateNetworkPolicies": False}},
        "spec.services.activateNetworkPolicies",
        "any pod",
    ),
    (
        "hpa block without enabled",
        {"services": {"common": {"hpa": {"enabled": True}}, "web": {"hpa": {"maxReplicas": 3}}}},
        "spec.services.web.hpa.enabled",
        "turns the HPA off",
    ),
    (
        "hpa without cpu request",
        {"services": {"web": {"hpa": {"enabled": True}, "resources": {"requests": {"cpu": None}}}}},
        "spec.services.web.resources.requests.cpu",
        "needs a request",
    ),
    ("deprecated basic.enabled", {"auth": {"basic": {"enabled": False}}}, "spec.auth.basic.enabled", "deprecated"),
    ("ai defaultModel", {"aiAssistant": {"defaultModel": "x"}}, "spec.aiAssistant.defaultModel", "no effect"),
    ("db replicas", {"postgres": {"create": {"replicas": 2}}}, "spec.postgres.create.replicas", "ReadWriteOnce"),
    (
        "proxy sa conflict",
        {
            "postgres": cloudsql(serviceAccount="a", proxy={"serviceAccount": "b"}),
        },
        "spec.postgres.gcp_cloudsql.proxy.serviceAccount",
        "wins",
    ),
    (
        "proxy without sa",
        {"postgres": cloudsql(serviceAccount=None)},
        "spec.postgres.gcp_cloudsql.serviceAccount",
        "default ServiceAccount",
    ),
    (
        "migrate probes",
        {"services": {"migrate": {"healthProbes": {"liveness": True}}}},
        "spec.services.migrate.healthProbes",
        "no effect",
    ),
]


@pytest.mark.parametrize(("spec", "path", "fragment"), [w[1:] for w in WARNINGS], ids=[w[0] for w in WARNINGS])
def test_warning(spec: dict, path: str, fragment: str) -> None:
    from kustomize_zymtrace.render import render_with_findings

    backend, warnings = load(config(spec))
    _, notes = render_with_findings(backend)
    found = [r for r in warnings + notes if r.path == path]
    assert found and found[0].severity == "warning", [r.line() for r in warnings + notes]
    assert fragment in found[0].message


def test_schema_and_cross_field_errors_in_one_run() -> None:
    """A typo does not hide the rest: the checks run on the config with the faulty field reset."""
    results = render_errors(
        {"services": {"web": {"replicaz": 2}}, "postgres": {"mode": "gcp_cloudsql", "gcp_cloudsql": {"instance": "x"}}}
    )
    errors = {r.path for r in results if r.severity == "error"}
    assert errors == {
        "spec.services.web.replicaz",
        "spec.postgres.gcp_cloudsql.instance",
        "spec.postgres.gcp_cloudsql.user",
    }
    # A reset field is not judged again: an unknown mode is one error, not a cascade.
    assert [r.path for r in render_errors({"postgres": {"mode": "bogus"}})] == ["spec.postgres.mode"]


def test_metadata_keys_we_do_not_own_are_ignored_whatever_their_type() -> None:
    from kustomize_zymtrace.loading import load

    document = config()
    document["metadata"][7] = "orchestrator data"
    backend, _ = load(document)
    assert backend.metadata.name == document["metadata"]["name"]


def test_a_bad_metadata_name_is_described_as_an_object_name() -> None:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.results import ConfigError

    document = config()
    document["metadata"]["name"] = "Not_A_Name"
    with pytest.raises(ConfigError) as caught:
        load(document)
    assert [r.line() for r in caught.value.results] == [
        "[error] metadata.name: must be a Kubernetes object name: lowercase letters, digits, '-' and '.' "
        "(found 'Not_A_Name')"
    ]


def test_loading_leaves_the_callers_document_as_it_was() -> None:
    """The repair pass (cross-field checks on a config with its bad fields reset) works on a copy."""
    import copy

    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.results import ConfigError

    document = config({"services": {"web": {"replicas": 0}}})
    before = copy.deepcopy(document)
    with pytest.raises(ConfigError):
        load(document)
    assert document == before
