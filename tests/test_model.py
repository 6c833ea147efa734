"""The config model: defaults (chart inventory section 2, the seed README where it differs), merging and
validation messages."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import containers, find, render, render_errors

from kustomize_zymtrace.loading import load
from kustomize_zymtrace.model import Spec
from kustomize_zymtrace.model.defaults import default_values

DEFAULTS = default_values(Spec)


def at(path: str) -> Any:
    node: Any = DEFAULTS
    for key in path.split("."):
        node = node[key]
    return node


# (path, default, source): the seed README's Parameters table wins over the chart where they differ.
EXPECTED_DEFAULTS = [
    ("services.activateNetworkPolicies", True, "seed"),
    ("services.common.hpa.enabled", False, "seed"),
    ("services.common.hpa.minReplicas", 1, "seed"),
    ("services.common.hpa.maxReplicas", 5, "seed (chart: 10)"),
    ("services.common.hpa.targetCPUUtilizationPercentage", 80, "seed (chart: 60)"),
    ("services.ui.service.type", "ClusterIP", "seed"),
    ("services.ui.service.nodePort", "", "seed"),
    ("services.ingest.service.type", "ClusterIP", "seed"),
    ("services.common.nodeSelector", {}, "seed"),
    ("services.common.tolerations", [], "seed"),
    ("clickhouse.tolerations", [], "seed"),
    ("postgres.use_existing.database", "postgres", "seed (chart: zymtrace)"),
    ("postgres.use_existing.autoCreateDBs", False, "seed"),
    ("postgres.gcp_cloudsql.instance", "", "seed"),
    ("postgres.gcp_cloudsql.user", "", "seed"),
    ("postgres.gcp_cloudsql.database", "postgres", "seed (chart: zymtrace)"),
    ("postgres.gcp_cloudsql.autoCreateDBs", False, "seed"),
    ("postgres.gcp_cloudsql.proxy.image.repository", "gcr.io/cloud-sql-connectors/cloud-sql-proxy", "seed"),
    ("postgres.gcp_cloudsql.proxy.image.tag", "2.11.0", "seed (chart: 2.15.0)"),
    ("postgres.gcp_cloudsql.proxy.resources.requests.cpu", "100m", "seed"),
    ("postgres.gcp_cloudsql.proxy.resources.requests.memory", "128Mi", "seed"),
    ("postgres.gcp_cloudsql.proxy.resources.limits.cpu", "500m", "seed"),
    ("postgres.gcp_cloudsql.proxy.resources.limits.memory", "256Mi", "seed (chart: 556Mi)"),
    ("postgres.gcp_cloudsql.proxy.port", 5432, "seed"),
    ("postgres.gcp_cloudsql.serviceAccount", "", "seed (chart: zymtrace-cloudsql-sa)"),
    ("storage.mode", "create", "seed"),
    ("storage.use_existing.type", "minio", "seed"),
    ("storage.use_existing.minio.endpoint", "", "seed"),
    ("storage.use_existing.s3.endpoint", "", "seed"),
    ("storage.use_existing.s3.sessionToken", "", "seed"),
    ("storage.use_existing.gcs.endpoint", "https://storage.googleapis.com", "seed"),
    ("storage.buckets.symbols", "zymtrace-symdb", "seed"),
    ("global.namePrefix", "zymtrace", "chart"),
    ("global.imageRegistry", "docker.io", "chart"),
    ("global.appImageRegistry", "ghcr.io/zystem-io", "chart"),
    ("global.dataRetentionDays", 30, "chart"),
    ("global.licenseKeySecretKey", "license-key", "chart"),
    ("auth.type", "none", "chart"),
    ("auth.admin.roles", ["System Admin"], "chart"),
    ("auth.oidc.provider.issuerUri", "https://accounts.google.com", "chart"),
    ("auth.oidc.provider.scopes", ["openid", "email", "profile"], "chart"),
    ("auth.cookie.refreshMaxAgeSec", 31536000, "chart"),
    ("clickhouse.create.image.tag", "25.3.2.39", "chart"),
    ("clickhouse.create.storage.size", "30Gi", "chart"),
    ("clickhouse.create.storage.existing_pvc.subPath", "clickhouse", "chart"),
    ("clickhouse.create.healthProbes.liveness.failureThreshold", 5, "chart"),
    ("postgres.create.config.password", "postgres123", "chart"),
    ("postgres.create.storage.existing_pvc.subPath", "postgres/pgdata", "chart"),
    ("storage.create.image.tag", "RELEASE.2024-12-18T13-15-44Z", "chart"),
    ("services.web.resources.limits.memory", "4Gi", "chart"),
    ("services.ingest.resources.limits.cpu", "4000m", "chart"),
    ("services.ui.resources.requests.memory", "256Mi", "chart"),
    ("services.gateway.adminPort", 9901, "chart"),
    ("services.gateway.service.portName", "http", "chart"),
    ("services.gateway.mtls.port", 9090, "chart"),
    ("services.web.mcpAllowedHosts", "all", "chart"),
    ("services.migrate.timeoutSeconds", 3600, "chart"),
    ("ingress.className", "nginx", "chart"),
    ("ingress.hosts.gateway.paths", [{"path": "/", "pathType": "Prefix"}], "chart"),
    ("aiAssistant.requestSizeLimit", 20971520, "chart"),
    ("metricReporter.pollPeriodSec", 30, "chart"),
]


@pytest.mark.parametrize(("path", "expected", "source"), EXPECTED_DEFAULTS, ids=[p for p, _, _ in EXPECTED_DEFAULTS])
def test_default(path: str, expected: Any, source: str) -> None:
    assert at(path) == expected, source


def test_partial_maps_merge_onto_defaults_like_helm() -> None:
    """Setting one resource limit keeps the others, as `helm install -f` would."""
    objects = render({"services": {"web": {"resources": {"limits": {"memory": "8Gi"}}, "image": {"tag": "x"}}}})
    web = containers(find(objects, "Deployment", "zymtrace-web"))[0]
    assert web["resources"] == {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": "4000m", "memory": "8Gi"},
    }
    assert web["image"] == "ghcr.io/zystem-io/zymtrace-pub-backend:x"


def test_null_removes_a_default_like_helm() -> None:
    objects = render(
        {
            "services": {"web": {"env": None, "hpa": None, "image": None, "resources": {"limits": {"cpu": None}}}},
            "auth": {"validation": {"issuers": None}},
        }
    )
    web = find(objects, "Deployment", "zymtrace-web")
    assert web["spec"]["replicas"] == 1
    container = containers(web)[0]
    assert container["resources"]["limits"] == {"memory": "4Gi"}  # no CPU limit left
    assert container["image"] == "ghcr.io/zystem-io/zymtrace-pub-backend:26.8.4"  # a null section: defaults


def test_env_values_take_scalars_as_helm_quote_does() -> None:
    """Extra environment variables are the one text map that takes numbers and booleans (Helm's `quote`);
    an image tag, which must be exact, does not (tests/test_adversarial_model.py has the refusals)."""
    objects = render(
        {"postgres": {"create": {"image": {"tag": "17.4"}}}, "services": {"web": {"env": {"A": 1, "B": True}}}}
    )
    assert containers(find(objects, "StatefulSet", "zymtrace-postgres"))[0]["image"].endswith(":17.4")
    env = containers(find(objects, "Deployment", "zymtrace-web"))[0]["env"]
    assert env == [{"name": "A", "value": "1"}, {"name": "B", "value": "true"}]
    errors = render_errors({"postgres": {"create": {"image": {"tag": 17.4}}}})
    assert [(e.path, e.message.split(":")[0]) for e in errors] == [
        ("spec.postgres.create.image.tag", "must be text, not the number 17.4")
    ]


@pytest.mark.parametrize(
    ("spec", "path", "fragment"),
    [
        ({"postgres": {"mode": "create2"}}, "spec.postgres.mode", "did you mean 'create'"),
        (
            {"postgres": {"mode": "aurora"}},
            "spec.postgres.mode",
            "allowed: create, use_existing, aws_aurora, gcp_cloudsql",
        ),
        ({"storage": {"mode": "s3"}}, "spec.storage.mode", "found 's3'"),
        ({"servics": {}}, "spec.servics", "did you mean 'services'"),
        ({"services": {"web": {"replicas": "two"}}}, "spec.services.web.replicas", "must be an integer"),
        ({"services": {"web": {"portTrusted": 1}}}, "spec.services.web.portTrusted", "unknown key"),
        (
            {"services": {"web": {"resources": {"limits": {"cpu": "lots"}}}}},
            "spec.services.web.resources.limits.cpu",
            "quantity",
        ),
        ({"services": {"ui": {"service": {"nodePort": 80}}}}, "spec.services.ui.service.nodePort", "30000 and 32767"),
        ({"services": {"web": {"mcpAllowedHosts": "some"}}}, "spec.services.web.mcpAllowedHosts", '"all", "ingress"'),
        ({"global": {"namePrefix": "Zym_trace"}}, "spec.global.namePrefix", "DNS label"),
        (
            {"services": {"common": {"tolerations": [{"effect": "Never"}]}}},
            "spec.services.common.tolerations[0].effect",
            "NoSchedule",
        ),
        ({"auth": {"type": "saml"}}, "spec.auth.type", "allowed: none, basic, local, oidc"),
        ({"services": {"web": {"env": {"1BAD": "x"}}}}, "spec.services.web.env.1BAD", "environment variable name"),
        (
            {"services": {"common": {"nodeSelector": {"a b": "x"}}}},
            "spec.services.common.nodeSelector.a b",
            "label key",
        ),
        ({"services": {"ui": {"podLabels": {"tier": "front end"}}}}, "spec.services.ui.podLabels.tier", "label value"),
        ({"ingress": {"annotations": {"-x": "v"}}}, "spec.ingress.annotations.-x", "label key"),
    ],
)
def test_schema_errors_name_the_field(spec: dict, path: str, fragment: str) -> None:
    results = render_errors(spec)
    matching = [r for r in results if r.path == path]
    assert matching, [r.line() for r in results]
    assert fragment in matching[0].message, matching[0].message


def test_every_problem_is_reported_at_once() -> None:
    results = render_errors({"postgres": {"mode": "x"}, "clickhouse": {"mode": "y"}, "storage": {"mode": "z"}})
    assert {r.path for r in results} == {"spec.postgres.mode", "spec.clickhouse.mode", "spec.storage.mode"}


def test_secret_values_are_never_echoed() -> None:
    results = render_errors({"postgres": {"create": {"config": {"password": ["hunter2-secret"]}}}})
    assert results and all("hunter2" not in r.message for r in results)


def test_metadata_is_required() -> None:
    from kustomize_zymtrace.results import ConfigError

    with pytest.raises(ConfigError) as caught:
        load({"apiVersion": "zymtrace.io/v1alpha1", "kind": "ZymtraceBackend", "metadata": {"name": "zt"}})
    assert [r.path for r in caught.value.results] == ["metadata.namespace"]
    assert "written into objects and in-cluster addresses" in caught.value.results[0].message
    with pytest.raises(ConfigError) as wrong_kind:
        load({"apiVersion": "zymtrace.io/v1alpha1", "kind": "Zymtrace", "metadata": {"name": "a", "namespace": "b"}})
    assert wrong_kind.value.results[0].path == "kind"
