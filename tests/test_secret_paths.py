"""Secrets by construction: one credential path for every value that lands in a Secret; no credentials in
addresses; messages never echo a secret in any shape; a checksum that does not reveal passwords."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import cli, config, find, render, render_errors

CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nS3CRETKEYMATERIAL\n-----END PRIVATE KEY-----\n"
MTLS = {"services": {"gateway": {"mtls": {"enabled": True, "cert": CERT, "key": KEY, "ca": CERT}}}}
REGISTRY = {"global": {"registry": {"requirePullSecret": True, "username": "robot", "password": "Reg1stry-Pw"}}}


def _findings(spec: dict[str, Any]) -> list[Any]:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render_with_findings

    backend, _ = load(config(spec))
    return render_with_findings(backend)[1]


def _strict_errors(spec: dict[str, Any]) -> list[Any]:
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import render_with_findings
    from kustomize_zymtrace.results import ConfigError

    backend, _ = load(config({**spec, "gitops": {"strictSecrets": True}}))
    with pytest.raises(ConfigError) as caught:
        render_with_findings(backend)
    return caught.value.results


# ------------------------------------------------------------------ one credential path


@pytest.mark.parametrize(
    ("spec", "path", "instead", "secret"),
    [
        (REGISTRY, "spec.global.registry.password", "spec.global.registry.pullSecretName", "Reg1stry-Pw"),
        (MTLS, "spec.services.gateway.mtls.key", "spec.services.gateway.mtls.existingSecret", "S3CRETKEYMATERIAL"),
    ],
)
def test_registry_password_and_mtls_key_take_the_credential_path(
    spec: dict[str, Any], path: str, instead: str, secret: str
) -> None:
    warned = [f for f in _findings(spec) if f.path == path]
    assert len(warned) == 1 and instead in warned[0].message and secret not in warned[0].message
    errors = {r.path: r for r in _strict_errors(spec)}
    assert path in errors and "strictSecrets" in errors[path].message
    assert all(secret not in r.message for r in errors.values())


def test_strict_secrets_pass_with_references_only() -> None:
    """The same features with existing Secrets render under strictSecrets: nothing is left inline."""
    spec = {
        "global": {"registry": {"requirePullSecret": True, "pullSecretName": "pull"}},
        "services": {"gateway": {"mtls": {"enabled": True, "existingSecret": "gateway-tls"}}},
        "clickhouse": {"create": {"config": {"passwordSecretName": "ch"}}},
        "postgres": {"create": {"config": {"passwordSecretName": "pg"}}},
        "storage": {"create": {"config": {"passwordSecretName": "minio"}}},
        "gitops": {"strictSecrets": True},
    }
    objects = render(spec)
    secrets = {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
    assert "zymtrace-registry-cred" not in secrets and "zymtrace-gateway-mtls" not in secrets


# ------------------------------------------------------------------ no credentials in addresses

SECRET = "pa/ss@w rd"  # a '/', an '@' and a space: the shapes a naive mask misses
ADDRESS_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "clickhouse host": (
        {
            "clickhouse": {
                "mode": "use_existing",
                "use_existing": {"host": f"https://admin:{SECRET}@ch.example.com:8443", "password": "x"},
            }
        },
        "spec.clickhouse.use_existing.host",
    ),
    "postgres host without //": (
        {"postgres": {"mode": "use_existing", "use_existing": {"host": f"admin:{SECRET}@pg:5432", "password": "x"}}},
        "spec.postgres.use_existing.host",
    ),
    "aurora host": (
        {"postgres": {"mode": "aws_aurora", "aws_aurora": {"host": f"u:{SECRET}@aurora:5432", "region": "eu-west-1"}}},
        "spec.postgres.aws_aurora.host",
    ),
    "minio endpoint": (
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {
                    "type": "minio",
                    "minio": {"endpoint": f"http://k:{SECRET}@minio:9000", "user": "a", "password": "b"},
                },
            }
        },
        "spec.storage.use_existing.minio.endpoint",
    ),
    "s3 endpoint": (
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {
                    "type": "s3",
                    "s3": {"endpoint": f"https://k:{SECRET}@s3.example.com", "region": "eu-west-1", "useIAM": "aws"},
                },
            }
        },
        "spec.storage.use_existing.s3.endpoint",
    ),
    "global symbolization endpoint": (
        {
            "globalSymbolization": {
                "enabled": True,
                "config": {"bucketName": "syms", "endpoint": f"https://k:{SECRET}@sym.example.com"},
            }
        },
        "spec.globalSymbolization.config.endpoint",
    ),
    "custom LLM url": (
        {"aiAssistant": {"enabled": True, "customLLM": {"url": f"https://k:{SECRET}@llm.example.com/v1"}}},
        "spec.aiAssistant.customLLM.url",
    ),
    "OIDC issuer": (
        {"auth": {"oidc": {"provider": {"issuerUri": f"https://k:{SECRET}@idp.example.com"}}}},
        "spec.auth.oidc.provider.issuerUri",
    ),
}


@pytest.mark.parametrize("case", ADDRESS_CASES)
def test_credentials_in_addresses_are_rejected_and_never_echoed(case: str) -> None:
    spec, path = ADDRESS_CASES[case]
    errors = render_errors(spec)
    assert path in {r.path for r in errors}, errors
    for r in errors:
        assert SECRET not in r.message and "w rd" not in r.message and "pa/ss" not in r.message, r


def test_credentials_in_an_address_never_reach_output_or_stderr(tmp_path: Path) -> None:
    spec, _ = ADDRESS_CASES["postgres host without //"]
    source = tmp_path / "zymtrace.yaml"
    source.write_text(yaml.safe_dump(config(spec)))
    result = cli("render", str(source))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "spec.postgres.use_existing.host" in result.stderr and "w rd" not in result.stderr


# ------------------------------------------------------------------ messages mask every shape


@pytest.mark.parametrize(
    "field",
    [
        ("clickhouse", "create", "config", "passwordSecretName"),
        ("global", "registry", "pullSecretName"),
        ("services", "gateway", "mtls", "existingSecret"),
    ],
)
def test_a_password_pasted_into_a_secret_name_field_is_not_echoed(field: tuple[str, ...]) -> None:
    spec: dict[str, Any] = {}
    node = spec
    for part in field[:-1]:
        node = node.setdefault(part, {})
    node[field[-1]] = "Hunter 2/@pass"
    errors = render_errors(spec)
    assert f"spec.{'.'.join(field)}" in {r.path for r in errors}
    assert all("Hunter" not in r.message for r in errors)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://u:p@host:1", "https://***@host:1"),
        ("u:p@host:5432", "***@host:5432"),
        ("https://u:pa/ss@host", "https://***@host"),
        ("https://u:p@ss w@host", "https://***@host"),
        ("no credentials", "no credentials"),
    ],
)
def test_mask(text: str, shown: str) -> None:
    from kustomize_zymtrace.results import mask

    assert mask(text) == shown


# ------------------------------------------------------------------ the pod-rolling checksum


def _checksum(objects: list[dict[str, Any]], name: str) -> str:
    return find(objects, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def test_checksum_is_not_a_fast_hash_of_the_secret() -> None:
    """The inputs hold no plaintext secret, only its salted scrypt seal; a password change still rolls."""
    from kustomize_zymtrace.derived import SCRYPT_N, checksum_inputs, seal
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import Context, objects

    password = "tiny"
    backend, _ = load(config({"clickhouse": {"create": {"config": {"password": password}}}}))
    ctx = Context(backend)
    inputs = checksum_inputs(objects(ctx), owner=f"{ctx.namespace}/{ctx.instance}")
    assert password not in json.dumps(list(inputs.values()))
    secret = inputs["Secret", "zymtrace", "zymtrace-clickhouse-secrets"]
    salt = "zymtrace/zymtrace"  # the deployment: namespace/instance
    assert secret["stringData.CLICKHOUSE_PASSWORD"] == seal(salt, password)
    assert secret["stringData.CLICKHOUSE_PASSWORD"] != hashlib.sha256(password.encode()).hexdigest()
    assert SCRYPT_N >= 2**13  # the cost that makes each guess slow
    # Another deployment of the same password gets another seal (no precomputed tables).
    assert seal("other-ns/zymtrace", password) != secret["stringData.CLICKHOUSE_PASSWORD"]


def test_checksum_rolls_on_an_inline_secret_change_only_where_consumed() -> None:
    base = render({"clickhouse": {"create": {"config": {"password": "one-password"}}}})
    changed = render({"clickhouse": {"create": {"config": {"password": "two-password"}}}})
    assert _checksum(base, "zymtrace-ingest") != _checksum(changed, "zymtrace-ingest")  # a ClickHouse client
    assert _checksum(base, "zymtrace-identity") == _checksum(changed, "zymtrace-identity")  # not one
