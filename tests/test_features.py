"""Service-level features (issue 4): the seed README's sections with their own YAML examples as inputs,
and the rest of what the chart renders around the six services."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import yaml
from helpers import containers, env_names, find, find_prefix, kinds, names, render, secret_data

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def seed(text: str) -> dict[str, Any]:
    """A YAML example copied from the seed README."""
    return yaml.safe_load(text)


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def data(objects: list[dict[str, Any]], name: str) -> dict[str, str]:
    return find(objects, "ConfigMap", name)["data"]


# ------------------------------------------------------------------ NetworkPolicies (seed section)


def test_network_policies_on_by_default_with_peers_from_the_wiring_table() -> None:
    objects = render()
    clickhouse = find(objects, "NetworkPolicy", "zymtrace-clickhouse-network-policy")["spec"]
    assert clickhouse["podSelector"] == {"matchLabels": {"app": "zymtrace-clickhouse"}}
    assert clickhouse["policyTypes"] == ["Ingress"]
    peers = [r["from"][0]["podSelector"]["matchLabels"]["app"] for r in clickhouse["ingress"]]
    assert peers == ["zymtrace-ingest", "zymtrace-web", "zymtrace-migrate"]
    assert {p["port"] for p in clickhouse["ingress"][0]["ports"]} == {8123, 9000}
    postgres = find(objects, "NetworkPolicy", "zymtrace-postgres-network-policy")["spec"]
    peers = [r["from"][0]["podSelector"]["matchLabels"]["app"] for r in postgres["ingress"]]
    assert peers == ["zymtrace-identity", "zymtrace-symdb", "zymtrace-web", "zymtrace-migrate"]
    ui = find(objects, "NetworkPolicy", "zymtrace-ui-network-policy")["spec"]
    assert ui["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"app": "zymtrace-gateway"}}}],
            "ports": [{"protocol": "TCP", "port": 80}],
        }
    ]


def test_every_network_policy_peer_is_wired_to_that_database() -> None:
    """The peers a database admits are exactly the workloads whose containers load its Secret."""
    objects = render()
    for store in ("clickhouse", "postgres"):
        policy = find(objects, "NetworkPolicy", f"zymtrace-{store}-network-policy")["spec"]
        peers = {r["from"][0]["podSelector"]["matchLabels"]["app"] for r in policy["ingress"]}
        wired = {
            o["spec"]["template"]["metadata"]["labels"]["app"]
            for o in objects
            if o["kind"] in ("Deployment", "Job")
            and any(
                source.get("secretRef", {}).get("name") == f"zymtrace-{store}-secrets"
                for c in containers(o)
                for source in c["envFrom"]
            )
        }
        assert peers == wired


def test_seed_example_disables_network_policies() -> None:
    objects = render(seed("services:\n  activateNetworkPolicies: false\n"))
    assert "NetworkPolicy" not in kinds(objects)


# ------------------------------------------------------------------ autoscaling (seed HPA section)


def test_seed_hpa_example() -> None:
    example = seed(
        """
services:
  web:
    hpa:
      enabled: true
      minReplicas: 1
      maxReplicas: 5
      targetCPUUtilizationPercentage: 80
"""
    )
    objects = render(example)
    hpa = find(objects, "HorizontalPodAutoscaler", "zymtrace-web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "zymtrace-web"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 5)
    assert hpa["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
    ]
    assert "behavior" not in hpa["spec"]
    assert find(objects, "PodDisruptionBudget", "zymtrace-web-pdb")["spec"]["maxUnavailable"] == "30%"
    assert find(objects, "PodDisruptionBudget", "zymtrace-ui-pdb")["spec"]["maxUnavailable"] == 1
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"] == ["zymtrace-web"]


BEHAVIOR = {"scaleDown": {"stabilizationWindowSeconds": 120}}

# (common hpa, service hpa, expected (min, max, cpu, memory, behavior) or None when off)
HPA_PRECEDENCE = [
    ({}, None, None),
    ({"enabled": True}, None, (1, 5, 80, None, None)),
    ({"enabled": True, "maxReplicas": 9, "targetMemoryUtilizationPercentage": 70}, None, (1, 9, 80, 70, None)),
    ({"enabled": True, "maxReplicas": 9}, {"enabled": True, "maxReplicas": 3}, (1, 3, 80, None, None)),
    ({"enabled": True, "behavior": BEHAVIOR}, {"enabled": True, "minReplicas": 2}, (2, 5, 80, None, BEHAVIOR)),
    ({"enabled": True}, {"maxReplicas": 3}, None),  # chart rule: a service block without enabled is off
    ({}, {"enabled": True, "targetCPUUtilizationPercentage": 50}, (1, 5, 50, None, None)),
    ({"enabled": True}, {"enabled": False}, None),
]


@pytest.mark.parametrize(("common", "own", "expected"), HPA_PRECEDENCE)
def test_hpa_precedence_key_by_key(common: dict, own: dict | None, expected: tuple | None) -> None:
    spec: dict[str, Any] = {"services": {"common": {"hpa": common}}}
    if own is not None:
        spec["services"]["symdb"] = {"hpa": own}
    objects = render(spec)
    hpas = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"}
    if expected is None:
        assert "zymtrace-symdb" not in hpas
        assert find(objects, "Deployment", "zymtrace-symdb")["spec"]["replicas"] == 1
        return
    low, high, cpu, memory, behavior = expected
    hpa = hpas["zymtrace-symdb"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (low, high)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]}
    assert targets.get("cpu") == cpu and targets.get("memory") == memory
    assert hpa.get("behavior") == behavior
    assert "replicas" not in find(objects, "Deployment", "zymtrace-symdb")["spec"]


def test_common_hpa_covers_all_six_services_never_databases_or_migrate() -> None:
    objects = render({"services": {"common": {"hpa": {"enabled": True}}}})
    hpas = sorted(o["metadata"]["name"] for o in objects if o["kind"] == "HorizontalPodAutoscaler")
    assert hpas == [f"zymtrace-{s}" for s in ("gateway", "identity", "ingest", "symdb", "ui", "web")]


# ------------------------------------------------------------------ node placement (seed section)


def test_seed_node_placement_examples() -> None:
    example = seed(
        """
services:
  common:
    nodeSelector:
      kubernetes.io/arch: amd64
      disk-type: ssd
    tolerations:
    - key: "dedicated"
      operator: "Equal"
      value: "zymtrace"
      effect: "NoSchedule"
clickhouse:
  nodeSelector:
    storage-type: high-performance
postgres:
  tolerations:
  - key: "node.kubernetes.io/memory-pressure"
    operator: "Exists"
    effect: "NoExecute"
    tolerationSeconds: 3600
"""
    )
    objects = render(example)
    common_toleration = [{"key": "dedicated", "operator": "Equal", "value": "zymtrace", "effect": "NoSchedule"}]
    for app in ("gateway", "identity", "ingest", "symdb", "ui", "web"):
        spec = pod(find(objects, "Deployment", f"zymtrace-{app}"))
        assert spec["nodeSelector"] == {"kubernetes.io/arch": "amd64", "disk-type": "ssd"}
        assert spec["tolerations"] == common_toleration
    # The Jobs schedule with what they serve: migrate with the services, minio-init with MinIO.
    assert pod(find_prefix(objects, "Job", "zymtrace-migrate-"))["tolerations"] == common_toleration
    assert "tolerations" not in pod(find_prefix(objects, "Job", "zymtrace-minio-init-"))
    assert pod(find(objects, "StatefulSet", "zymtrace-clickhouse"))["nodeSelector"] == {
        "storage-type": "high-performance"
    }
    assert "nodeSelector" not in pod(
        find(objects, "StatefulSet", "zymtrace-postgres")
    )  # common never reaches databases
    assert pod(find(objects, "StatefulSet", "zymtrace-postgres"))["tolerations"][0]["tolerationSeconds"] == 3600


def test_minio_init_follows_storage_placement_without_repeating_it() -> None:
    toleration = {"key": "dedicated", "operator": "Equal", "value": "storage", "effect": "NoSchedule"}
    objects = render({"storage": {"tolerations": [toleration], "nodeSelector": {"pool": "storage"}}})
    for workload in (
        find(objects, "StatefulSet", "zymtrace-minio"),
        find_prefix(objects, "Job", "zymtrace-minio-init-"),
    ):
        assert pod(workload)["tolerations"] == [toleration]
        assert pod(workload)["nodeSelector"] == {"pool": "storage"}


# (common, own, expected): a service's own field replaces common's as a whole, field by field.
PLACEMENT = [
    ({"nodeSelector": {"a": "1"}}, {}, {"nodeSelector": {"a": "1"}}),
    ({"nodeSelector": {"a": "1"}}, {"nodeSelector": {"b": "2"}}, {"nodeSelector": {"b": "2"}}),
    (
        {"nodeSelector": {"a": "1"}},
        {"affinity": {"nodeAffinity": {}}},
        {"nodeSelector": {"a": "1"}, "affinity": {"nodeAffinity": {}}},
    ),
    ({}, {}, {}),
]


@pytest.mark.parametrize(("common", "own", "expected"), PLACEMENT)
def test_placement_precedence(common: dict, own: dict, expected: dict) -> None:
    objects = render({"services": {"common": common, "web": own}})
    spec = pod(find(objects, "Deployment", "zymtrace-web"))
    assert {k: spec[k] for k in ("nodeSelector", "tolerations", "affinity") if k in spec} == expected


# ------------------------------------------------------------------ exposure


@pytest.mark.parametrize("service", ["ui", "ingest"])
def test_seed_service_type_and_node_port(service: str) -> None:
    objects = render({"services": {service: {"service": {"type": "NodePort", "nodePort": 30080}}}})
    spec = find(objects, "Service", f"zymtrace-{service}")["spec"]
    assert spec["type"] == "NodePort" and "clusterIP" not in spec
    assert spec["ports"][0]["nodePort"] == 30080
    balanced = render({"services": {service: {"service": {"type": "LoadBalancer"}}}})
    spec = find(balanced, "Service", f"zymtrace-{service}")["spec"]
    assert spec["type"] == "LoadBalancer" and "nodePort" not in spec["ports"][0]


def test_gateway_service_settings() -> None:
    objects = render(
        {
            "services": {
                "gateway": {
                    "service": {
                        "type": "NodePort",
                        "nodePort": 31000,
                        "portName": "grpc",
                        "annotations": {"cloud.google.com/neg": "{}"},
                        "labels": {"team": "obs"},
                    },
                    "podLabels": {"sidecar.istio.io/inject": "true"},
                    "podAnnotations": {"prometheus.io/scrape": "true"},
                }
            }
        }
    )
    service = find(objects, "Service", "zymtrace-gateway")
    assert service["spec"]["ports"][0] == {
        "name": "grpc",
        "port": 80,
        "targetPort": "http",
        "protocol": "TCP",
        "nodePort": 31000,
    }
    assert service["metadata"]["annotations"]["cloud.google.com/neg"] == "{}"
    assert service["metadata"]["labels"]["team"] == "obs" and service["metadata"]["labels"]["app"] == "zymtrace-gateway"
    template = find(objects, "Deployment", "zymtrace-gateway")["spec"]["template"]["metadata"]
    assert template["labels"] == {"sidecar.istio.io/inject": "true", "app": "zymtrace-gateway"}
    assert template["annotations"]["prometheus.io/scrape"] == "true"


# ------------------------------------------------------------------ gateway, mTLS, ingress


def test_gateway_config_and_mtls_inline() -> None:
    objects = render(
        {
            "services": {
                "gateway": {
                    "xff_append": True,
                    "xff_num_trusted_hops": 1,
                    "mtls": {"enabled": True, "cert": PEM, "key": PEM, "ca": PEM, "port": 9443},
                }
            }
        }
    )
    config = data(objects, "zymtrace-gateway-config")
    assert config["SKIP_XFF_APPEND"] == "true" and config["XFF_NUM_TRUSTED_HOPS"] == "1"
    assert config["LISTENER_MTLS_PORT"] == "9443" and config["CA_CERT_PATH"] == "/etc/envoy/certs/ca.crt"
    secret = find(objects, "Secret", "zymtrace-gateway-mtls")
    assert secret["type"] == "kubernetes.io/tls"
    assert base64.b64decode(secret["data"]["tls.crt"]).decode() == PEM
    gateway = find(objects, "Deployment", "zymtrace-gateway")
    assert pod(gateway)["volumes"] == [
        {"name": "zymtrace-gateway-mtls", "secret": {"secretName": "zymtrace-gateway-mtls"}}
    ]
    assert containers(gateway)[0]["volumeMounts"][0]["mountPath"] == "/etc/envoy/certs"
    ports = {p["name"]: p["port"] for p in find(objects, "Service", "zymtrace-gateway")["spec"]["ports"]}
    assert ports["mtls"] == 9443


def test_mtls_from_an_existing_secret_renders_no_secret() -> None:
    objects = render({"services": {"gateway": {"mtls": {"enabled": True, "existingSecret": "gateway-tls"}}}})
    assert "Secret/zymtrace-gateway-mtls" not in names(objects)
    volume = pod(find(objects, "Deployment", "zymtrace-gateway"))["volumes"][0]
    assert volume["secret"] == {"secretName": "gateway-tls"}


def test_ingress_main_and_mtls() -> None:
    objects = render(
        {
            "services": {"gateway": {"mtls": {"enabled": True, "existingSecret": "gw"}}},
            "ingress": {
                "enabled": True,
                "annotations": {"nginx.ingress.kubernetes.io/backend-protocol": "GRPCS", "a": "1"},
                "hosts": {
                    "gateway": {
                        "host": "zt.example.com",
                        "annotations": {"b": "2"},
                        "mtls": {
                            "enabled": True,
                            "host": "mtls.example.com",
                            "annotations": {"nginx.ingress.kubernetes.io/ssl-passthrough": "true"},
                        },
                    }
                },
                "tls": [{"secretName": "zt-tls", "hosts": ["zt.example.com"]}],
            },
        }
    )
    main = find(objects, "Ingress", "zymtrace-gateway-ingress")
    annotations = main["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/backend-protocol"] == "GRPCS"  # the user's value wins, once
    assert annotations["nginx.ingress.kubernetes.io/http2-enable"] == "true" and annotations["b"] == "2"
    assert not [k for k in annotations if k.startswith("helm.sh/")]
    assert main["spec"]["ingressClassName"] == "nginx"
    assert main["spec"]["tls"] == [{"hosts": ["zt.example.com"], "secretName": "zt-tls"}]
    rule = main["spec"]["rules"][0]
    assert rule["host"] == "zt.example.com"
    assert rule["http"]["paths"][0]["backend"] == {"service": {"name": "zymtrace-gateway", "port": {"number": 80}}}
    mtls = find(objects, "Ingress", "zymtrace-gateway-ingress-mtls")
    assert mtls["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"] == 9090
    assert "tls" not in mtls["spec"]
    other = render({"ingress": {"enabled": True, "className": "traefik"}})
    assert "nginx.ingress.kubernetes.io/backend-protocol" not in find(other, "Ingress", "zymtrace-gateway-ingress")[
        "metadata"
    ].get("annotations", {})


# ------------------------------------------------------------------ auth


def test_auth_none_and_basic() -> None:
    none = render()
    assert secret_data(find(none, "Secret", "zymtrace-auth-secrets")) == {}
    assert data(none, "zymtrace-auth-config") == {
        "IDENTITY__AUTH__ADMIN__EMAIL": "admin@zymtrace.com",
        "IDENTITY__AUTH__ADMIN__ROLES": "System Admin",
    }
    basic = render({"auth": {"type": "basic", "basic": {"username": "ops", "passwordSecretName": "basic-auth"}}})
    secret = secret_data(find(basic, "Secret", "zymtrace-auth-secrets"))
    assert secret == {"UI_USER": "ops"}
    gateway = containers(find(basic, "Deployment", "zymtrace-gateway"))[0]
    ref = next(e for e in gateway["env"] if e["name"] == "UI_PASSWORD")
    assert ref["valueFrom"]["secretKeyRef"] == {"name": "basic-auth", "key": "basic-password"}


def test_auth_local_with_keys_and_service_tokens() -> None:
    objects = render(
        {
            "auth": {
                "type": "local",
                "serviceToken": {"enabled": True},
                "admin": {"passwordSecretName": "admin", "roles": ["System Admin", "Viewer"]},
                "validation": {
                    "keys": {"privateKeySecretName": "keys", "publicKeySecretName": "keys"},
                    "audiences": ["extra"],
                },
                "cookie": {"sameSite": "strict"},
                "info": {"displayName": "ACME SSO", "pictureUri": "https://acme/logo.png"},
            },
            "ingress": {
                "hosts": {"gateway": {"host": "zt.example.com"}},
                "tls": [{"secretName": "t", "hosts": ["zt.example.com"]}],
            },
        }
    )
    config = data(objects, "zymtrace-auth-config")
    assert config["WEB__AUTH__KIND"] == "local"
    assert config["WEB__AUTH__VALIDATION__ISSUERS"] == "https://zt.example.com"
    assert config["IDENTITY__AUTH__TOKEN__CLAIMS__ISSUER"] == "https://zt.example.com"
    assert config["WEB__AUTH__VALIDATION__AUDIENCES"] == "extra;zymtrace"
    assert config["INGEST__AUTH__ENABLED"] == config["SYMDB__AUTH__ENABLED"] == "true"
    assert config["WEB__AUTH__COOKIE__SAME_SITE"] == "strict"
    assert config["IDENTITY__AUTH__ADMIN__ROLES"] == "System Admin;Viewer"
    assert config["WEB__AUTH__INFO__PICTURE_URI"] == "https://acme/logo.png"
    assert secret_data(find(objects, "Secret", "zymtrace-auth-secrets")) == {}
    identity = containers(find(objects, "Deployment", "zymtrace-identity"))[0]
    assert {
        "IDENTITY__AUTH__ADMIN__PASSWORD",
        "IDENTITY__AUTH__TOKEN__PRIVATE_KEY__CONTENT",
        "WEB__AUTH__VALIDATION__PUBLIC_KEY__CONTENT",
    } <= set(env_names(identity))


def test_auth_oidc() -> None:
    objects = render(
        {
            "auth": {
                "type": "oidc",
                "oidc": {
                    "provider": {
                        "clientId": "client",
                        "clientSecret": "shh",
                        "issuerUri": "https://login.example",
                        "scopes": ["openid"],
                    }
                },
                "validation": {"issuers": ["https://issuer.example"]},
            },
            "ingress": {"hosts": {"gateway": {"host": "zt.example.com"}}},
        }
    )
    config = data(objects, "zymtrace-auth-config")
    assert config["IDENTITY__AUTH__OIDC__ENDPOINTS__REDIRECT_URI"] == "http://zt.example.com/api/v1/oauth2/callback"
    assert config["IDENTITY__AUTH__OIDC__SCOPES"] == "openid"
    assert config["IDENTITY__AUTH__OIDC__EXTRA_PARAMS"] == "prompt=consent;access_type=offline"
    assert config["WEB__AUTH__VALIDATION__ISSUERS"] == "https://issuer.example"
    secret = secret_data(find(objects, "Secret", "zymtrace-auth-secrets"))
    assert (
        secret["IDENTITY__AUTH__OIDC__CLIENT_ID"] == "client" and secret["IDENTITY__AUTH__OIDC__CLIENT_SECRET"] == "shh"
    )
    assert secret["IDENTITY__AUTH__ADMIN__PASSWORD"] == "admin"


# ------------------------------------------------------------------ the rest of the chart


def test_ai_assistant() -> None:
    objects = render(
        {
            "aiAssistant": {
                "enabled": True,
                "anthropic": {"apiKeySecretName": "llm"},
                "openai": {"apiKey": "sk-inline"},
                "customLLM": {"url": "https://llm.example/v1/chat/completions", "models": "a,b"},
                "mcpServers": [{"name": "docs", "endpoint": "http://mcp:1234/mcp"}],
            }
        }
    )
    secret = secret_data(find(objects, "Secret", "zymtrace-ai-assistant-secrets"))
    assert secret == {
        "WEB__ASSISTANT__API_KEYS__OPENAI": "sk-inline",
        "WEB__ASSISTANT__CUSTOM_LLM__MODELS": "a,b",
        "WEB__ASSISTANT__CUSTOM_LLM__URL": "https://llm.example/v1/chat/completions",
    }
    config = data(objects, "zymtrace-config")
    assert json.loads(config["WEB__ASSISTANT__MCP_SERVERS"]) == [{"endpoint": "http://mcp:1234/mcp", "name": "docs"}]
    assert config["WEB__ASSISTANT__REQUEST_SIZE_LIMIT"] == "20971520"
    web = containers(find(objects, "Deployment", "zymtrace-web"))[0]
    assert "zymtrace-ai-assistant-secrets" in [s.get("secretRef", {}).get("name") for s in web["envFrom"]]
    assert "WEB__ASSISTANT__API_KEYS__ANTHROPIC" in env_names(web)
    assert "WEB__ASSISTANT__API_KEYS__ANTHROPIC" not in env_names(
        containers(find(objects, "Deployment", "zymtrace-ingest"))[0]
    )
    with_token = render(
        {"aiAssistant": {"enabled": True, "mcpServers": [{"name": "x", "endpoint": "http://x", "authToken": "t0k"}]}}
    )
    assert "WEB__ASSISTANT__MCP_SERVERS" not in data(with_token, "zymtrace-config")
    assert (
        "t0k" in secret_data(find(with_token, "Secret", "zymtrace-ai-assistant-secrets"))["WEB__ASSISTANT__MCP_SERVERS"]
    )


def test_global_symbolization_license_registry_telemetry_demo() -> None:
    objects = render(
        {
            "globalSymbolization": {
                "enabled": True,
                "config": {"bucketName": "global-syms", "region": "us-east-1", "accessKeySecretName": "gs"},
            },
            "global": {
                "licenseKeySecretName": "license",
                "registry": {"requirePullSecret": True, "pullSecretName": "my-pull"},
            },
            "telemetry": {"disableAll": True},
            "prefillDemo": {"user": "demo", "password": "demo-pw"},
        }
    )
    config = data(objects, "zymtrace-config")
    assert config["SYMDB__GLOBAL_SYM_ENDPOINT__BUCKET_NAME"] == "global-syms"
    assert config["WEB__DISABLE_ALL_TELEMETRY"] == "true" and config["INGEST__TELEMETRY__ENABLED"] == "false"
    assert config["WEB__DEMO__USER__LOGIN"] == "demo" and "WEB__DEMO__USER__PASSWORD" not in config
    assert secret_data(find(objects, "Secret", "zymtrace-auth-secrets"))["WEB__DEMO__USER__PASSWORD"] == "demo-pw"
    symdb = containers(find(objects, "Deployment", "zymtrace-symdb"))[0]
    assert "SYMDB__GLOBAL_SYM_ENDPOINT__AWS_ACCESS_KEY_ID" in env_names(symdb)
    assert "Secret/zymtrace-registry-cred" not in names(objects)
    assert pod(find(objects, "Deployment", "zymtrace-ui"))["imagePullSecrets"] == [{"name": "my-pull"}]
    web = containers(find(objects, "Deployment", "zymtrace-web"))[0]
    license_ref = next(e for e in web["env"] if e["name"] == "WEB__LICENSE__KEY")["valueFrom"]["secretKeyRef"]
    assert license_ref == {"name": "license", "key": "license-key"}
    inline = render(
        {
            "global": {
                "licenseKey": "LIC-123",
                "registry": {"requirePullSecret": True, "username": "u", "password": 'p"w'},
            }
        }
    )
    assert secret_data(find(inline, "Secret", "zymtrace-auth-secrets"))["INGEST__LICENSE__KEY"] == "LIC-123"
    pull = find(inline, "Secret", "zymtrace-registry-cred")
    config_json = json.loads(base64.b64decode(pull["data"][".dockerconfigjson"]))
    assert config_json["auths"]["ghcr.io/zystem-io"]["password"] == 'p"w'


def test_metric_reporter_and_pod_monitors() -> None:
    objects = render(
        {
            "metricReporter": {
                "pollPeriodSec": 15,
                "console": True,
                "podMonitor": {"enabled": True, "interval": "30s", "additionalLabels": {"release": "kps"}},
            }
        }
    )
    config = data(objects, "zymtrace-config")
    assert (
        config["SYMDB__METRIC_REPORTER__POLL_PERIOD_SEC"] == "15" and config["WEB__METRIC_REPORTER__CONSOLE"] == "true"
    )
    monitors = {o["metadata"]["name"]: o for o in objects if o["kind"] == "PodMonitor"}
    assert sorted(monitors) == ["zymtrace-identity", "zymtrace-ingest", "zymtrace-symdb", "zymtrace-web"]
    assert monitors["zymtrace-web"]["spec"]["podMetricsEndpoints"] == [
        {"port": "http", "path": "/metrics", "interval": "30s"}
    ]
    assert monitors["zymtrace-ingest"]["spec"]["podMetricsEndpoints"][0]["port"] == "http-health"
    assert monitors["zymtrace-ingest"]["metadata"]["labels"]["release"] == "kps"
    assert "PodMonitor" not in kinds(render())


PROBES = [
    ({}, {}, (False, False)),
    ({"liveness": True, "readiness": True}, {}, (True, True)),
    ({"liveness": True}, {"liveness": False}, (False, False)),
    ({}, {"readiness": True}, (False, True)),
]


@pytest.mark.parametrize(("common", "own", "expected"), PROBES)
def test_health_probe_switches(common: dict, own: dict, expected: tuple[bool, bool]) -> None:
    spec: dict[str, Any] = {"services": {"healthProbes": common}}
    if own:
        spec["services"]["ingest"] = {"healthProbes": own}
    container = containers(find(render(spec), "Deployment", "zymtrace-ingest"))[0]
    assert ("livenessProbe" in container, "readinessProbe" in container) == expected
    if expected[0]:
        assert container["livenessProbe"] == {
            "httpGet": {"path": "/liveness", "port": 8377},
            "initialDelaySeconds": 60,
            "periodSeconds": 10,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        }


def test_probe_shapes_per_service() -> None:
    objects = render({"services": {"healthProbes": {"liveness": True, "readiness": True}}})
    gateway = containers(find(objects, "Deployment", "zymtrace-gateway"))[0]
    assert gateway["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "admin"}
    ui = containers(find(objects, "Deployment", "zymtrace-ui"))[0]
    assert ui["livenessProbe"]["httpGet"] == {"path": "/index.html", "port": 80}
    web = containers(find(objects, "Deployment", "zymtrace-web"))[0]
    assert web["readinessProbe"]["httpGet"] == {"path": "/readiness", "port": 9933}


def test_env_annotations_labels_and_common_env() -> None:
    objects = render(
        {
            "services": {
                "common": {"env": {"RUST_LOG": "info", "EMPTY": "", "INGEST__EVENT_TTL_HOURS": "48"}},
                "symdb": {
                    "env": {"SYMDB__MAX_SYMBFILE_SIZE": 157286400},
                    "podAnnotations": {"a": "b"},
                    "podLabels": {"tier": "backend"},
                },
                "identity": {"service": {"annotations": {"x": "y"}, "labels": {"l": "v"}}},
                "web": {"allowRecommendations": False, "mcpAllowedHosts": ["a.example", "b.example"]},
            }
        }
    )
    config = data(objects, "zymtrace-config")
    assert config["RUST_LOG"] == "info" and "EMPTY" not in config
    assert config["INGEST__EVENT_TTL_HOURS"] == "48"  # replaces the generated key, no duplicate
    assert config["WEB__ALLOW_RECOMMENDATIONS"] == "false"  # the chart could never turn it off
    assert config["WEB__REST__MCP_ALLOWED_HOSTS"] == "a.example;b.example"
    symdb = find(objects, "Deployment", "zymtrace-symdb")
    assert containers(symdb)[0]["env"][0] == {"name": "SYMDB__MAX_SYMBFILE_SIZE", "value": "157286400"}
    assert symdb["spec"]["template"]["metadata"]["annotations"]["a"] == "b"
    assert symdb["spec"]["template"]["metadata"]["labels"] == {"tier": "backend", "app": "zymtrace-symdb"}
    identity = find(objects, "Service", "zymtrace-identity")["metadata"]
    assert identity["annotations"]["x"] == "y" and identity["labels"]["l"] == "v" and "app" not in identity["labels"]
    ingress_host = render(
        {"services": {"web": {"mcpAllowedHosts": "INGRESS"}}, "ingress": {"hosts": {"gateway": {"host": "zt.example"}}}}
    )
    assert data(ingress_host, "zymtrace-config")["WEB__REST__MCP_ALLOWED_HOSTS"] == "zt.example"
