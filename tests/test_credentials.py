"""Credentials are declared once in the model (model/credential.py) and found by walking a config: every one
reaches the output as a secretKeyRef when it names an existing Secret, is reported (and refused under
gitops.strictSecrets) when written inline, is masked in messages, and the checks read the same value."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import config, render

from kustomize_zymtrace.model.base import ConfigKey, ObjectName, SecretText, Strict, doc
from kustomize_zymtrace.model.credential import Credential, CredentialOf, inventory
from kustomize_zymtrace.model.scalars import is_secret_name

# Features and store modes that between them use every credential the model declares (the test below
# fails when a new credential is used by none of them, or by no renderer at all).
HOST = {"ingress": {"hosts": {"gateway": {"host": "zt.example.com"}}}}
MODES: dict[str, dict[str, Any]] = {
    "defaults": {
        "aiAssistant": {"enabled": True},
        "globalSymbolization": {"enabled": True, "config": {"bucketName": "symbols"}},
    },
    "basic": {"auth": {"type": "basic", "basic": {"username": "u"}}},
    "local": {"auth": {"type": "local"}, **HOST},
    "oidc": {
        "auth": {"type": "oidc", "oidc": {"provider": {"clientId": "c", "issuerUri": "https://login.example"}}},
        **HOST,
    },
    "existing": {
        "clickhouse": {"mode": "use_existing", "use_existing": {"host": "http://ch:8123"}},
        "postgres": {"mode": "use_existing", "use_existing": {"host": "pg:5432", "user": "zt"}},
        "storage": {"mode": "use_existing", "use_existing": {"type": "minio", "minio": {"endpoint": "http://m:9000"}}},
    },
    "s3": {"storage": {"mode": "use_existing", "use_existing": {"type": "s3", "s3": {"region": "eu-west-1"}}}},
    "gcs": {"storage": {"mode": "use_existing", "use_existing": {"type": "gcs"}}},
}


def _default_inventory() -> dict[str, Credential]:
    from kustomize_zymtrace.loading import load

    backend, _ = load(config())
    return dict(inventory(backend.spec))


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
    return into


def _set(spec: dict[str, Any], path: str, value: str) -> None:
    *sections, key = path.split(".")[1:]
    node = spec
    for section in sections:
        node = node.setdefault(section, {})
    node[key] = value


def test_the_inventory_is_every_triple_of_the_values_file() -> None:
    """Walking the default config finds each credential once, at the path the values file spells, with its
    three keys in the published JSON Schema (what editors and users see) and the documented key default."""
    from kustomize_zymtrace.model import compiled
    from kustomize_zymtrace.schema import json_schema

    definitions = json_schema()["$defs"]
    found = _default_inventory()
    assert len(found) == 26
    for path, credential in found.items():
        properties = definitions[type(credential.section).__name__]["properties"]
        key = f"{credential.field}SecretKey"
        assert {credential.field, credential.reference, key} <= set(properties), path
        node: Any = compiled.defaults()
        for name in path.split(".")[1:-1]:
            node = node[name]
        assert credential.secret_key == node[key] and credential.secret_name == "" == node[credential.reference]
    assert "spec.auth.admin.password" in found and "spec.storage.use_existing.s3.sessionToken" in found


def test_every_credential_reaches_a_secret_key_ref() -> None:
    """Each credential named by an existing Secret becomes secretKeyRef env entries with its Secret and key,
    and its generated Secret key disappears; no mode renders a reference the model does not declare."""
    paths = list(_default_inventory())
    names = {path: f"cred-{index}" for index, path in enumerate(paths)}
    keys = {path: credential.secret_key for path, credential in _default_inventory().items()}
    reached: set[str] = set()
    for mode in MODES.values():
        spec = copy.deepcopy(mode)
        for path, name in names.items():
            _set(spec, f"{path}SecretName", name)
        refs = [
            env["valueFrom"]["secretKeyRef"]
            for obj in render(spec)
            for pod in [obj.get("spec", {}).get("template", {}).get("spec", {})]
            for container in pod.get("containers", []) + pod.get("initContainers", [])
            for env in container.get("env", [])
            if "secretKeyRef" in env.get("valueFrom", {})
        ]
        by_name = {ref["name"]: ref["key"] for ref in refs if ref["name"].startswith("cred-")}
        for path, name in names.items():
            if name in by_name:
                assert by_name[name] == keys[path], path
                reached.add(path)
    assert reached == set(paths)


def test_every_inline_credential_is_reported_and_refused_under_strict_secrets() -> None:
    """Written inline, every credential but a user name is a plaintext warning at its own path, naming the key
    to use instead, and an error under gitops.strictSecrets; the value is never in a message."""
    from kustomize_zymtrace.loading import load
    from kustomize_zymtrace.render import prepare
    from kustomize_zymtrace.results import ConfigError

    found = _default_inventory()
    values = {path: f"Value-{index}-x" for index, path in enumerate(found)}
    warned: set[str] = set()
    for mode in MODES.values():
        spec = copy.deepcopy(mode)
        for path, value in values.items():
            _set(spec, path, value)
        backend, _ = load(config(spec))
        _, findings = prepare(backend)
        for finding in findings:
            credential = found.get(finding.path)
            if credential is None:
                continue  # the chart's other inline secrets (public defaults of modes not used here)
            assert credential.reference in finding.message and values[finding.path] not in finding.message
            warned.add(finding.path)
        with pytest.raises(ConfigError) as caught:
            prepare(load(config(_merge(spec, {"gitops": {"strictSecrets": True}})))[0])
        assert {f.path for f in findings} == {r.path for r in caught.value.results}
    assert warned == {path for path, credential in found.items() if credential.field != "user"}


def test_every_credential_is_masked_in_messages() -> None:
    """The loader hides the values of fields named like secrets: that covers every credential's value (user
    names and the token-validation public key aside: not secrets) and its Secret name and key, where a pasted
    password sometimes lands."""
    public = {"user", "publicKey"}
    for path, credential in _default_inventory().items():
        fields = [credential.reference, f"{credential.field}SecretKey"]
        assert all(is_secret_name(field) for field in fields), path
        assert is_secret_name(credential.field) == (credential.field not in public), path


def test_a_check_reads_the_credential_given_by_reference() -> None:
    """auth.type basic needs a password: given by an existing Secret, the check is satisfied."""
    from helpers import render_errors

    errors = render_errors({"auth": {"type": "basic", "basic": {"username": "u"}}})
    assert [e.path for e in errors] == ["spec.auth.basic.password"]
    objects = render({"auth": {"type": "basic", "basic": {"username": "u", "passwordSecretName": "basic"}}})
    assert any(o["kind"] == "Deployment" for o in objects)


def test_a_triple_without_its_declaration_is_refused_when_the_section_is_defined() -> None:
    with pytest.raises(TypeError, match=r"credential fields \['token'\] but CredentialOf declarations \[\]"):

        class Undeclared(Strict):
            token: SecretText = doc("", "A token.")
            tokenSecretName: ObjectName = doc("", "Existing Secret holding it.")
            tokenSecretKey: ConfigKey = doc("token", "Key inside it.")

    with pytest.raises(TypeError, match=r"credential fields \[\] but CredentialOf declarations \['token'\]"):

        class Dangling(Strict):
            token: SecretText = doc("", "A token.")
            token_credential = CredentialOf("token")


def test_a_declared_credential_reads_its_three_fields() -> None:
    class Section(Strict):
        token: SecretText = doc("", "A token.")
        tokenSecretName: ObjectName = doc("", "Existing Secret holding it.")
        tokenSecretKey: ConfigKey = doc("token-key", "Key inside it.")
        token_credential = CredentialOf("token")

    inline, referenced = Section(token="t0k"), Section(tokenSecretName="vault")
    assert inline.token_credential == Credential(inline, "token", "t0k", "", "token-key")
    assert referenced.token_credential.given and referenced.token_credential.secret_name == "vault"
    assert not Section().token_credential.given and Section.token_credential.field == "token"
