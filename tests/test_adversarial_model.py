"""An adversarial catalogue for the model's own refusals: numbers where text must be exact, values the API
server or a second YAML reader would take differently, oversized configs, credentials in plain text.

Each catalogue case runs the command line in-process and must end in exit code 1, name the field (and
for a number, what to do about it), write nothing, echo no credential, and answer within the time
bound. The other tests hold the rules the catalogue relies on, and what still passes: a number where
the model takes one, a quoted number, a converted values file, the same refusals through kustomize.
"""

from __future__ import annotations

import fnmatch
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from configs import credentials_from_secrets
from helpers import BIN_DIR, PLUGIN_HOME, config, render_errors, tool, tool_env, tools_versions
from test_adversarial import SPEC_CASES

from kustomize_zymtrace.helm_values import helm_text
from kustomize_zymtrace.loading import MAX_ENTRIES, MAX_TEXT, format_path, load, scalar_at, shape_errors
from kustomize_zymtrace.model.defaults import default_values
from kustomize_zymtrace.model.scalars import gcs_bucket_problem, is_secret_name, s3_bucket_problem
from kustomize_zymtrace.results import ConfigError

ROOT = Path(__file__).resolve().parent.parent
HEADER = "apiVersion: zymtrace.io/v1alpha1\nkind: ZymtraceBackend\nmetadata:\n  name: zymtrace\n  namespace: zymtrace\n"
SECONDS = 5.0  # every refusal costs at most this much CPU (measured as CPU time: a busy machine does not fail it)

TEXT = "must be text"
PG = "spec.postgres.create.config"
CH = "spec.clickhouse.create.config"
WEB = "spec.services.web"
GSYM = "spec.globalSymbolization.config"
BUCKET = "spec.storage.buckets.symbols"
EXISTING_MINIO = {"mode": "use_existing", "use_existing": {"type": "minio", "minio": {"user": "u", "password": "p"}}}
EXISTING_GCS = {"mode": "use_existing", "use_existing": {"type": "gcs", "gcs": {"accessKey": "a", "secretKey": "b"}}}
SECRETS_ELSEWHERE = credentials_from_secrets()
STRICT = {"gitops": {"strictSecrets": True}, **SECRETS_ELSEWHERE}


def spec_yaml(spec: dict[str, Any]) -> str:
    return yaml.safe_dump({"spec": spec}, sort_keys=False, width=1 << 30)


def nested(path: str, value: Any) -> dict[str, Any]:
    """{"a": {"b": value}} from "a.b"."""
    tree: Any = value
    for key in reversed(path.split(".")):
        tree = {key: tree}
    return dict(tree)


# (category, id, the YAML under `spec:` or a spec, the error's field path, fragments of its message,
#  a text that must not appear in the output: a credential)
Case = tuple[str, str, Any, str, tuple[str, ...], str]
CASES: list[Case] = [
    # ---------------------------------------------------------------- numbers where text must be exact
    (
        "number",
        "password-1e3",
        "spec:\n  postgres:\n    create:\n      config:\n        password: 7e3\n",
        f"{PG}.password",
        (TEXT, "quote it as written on line 10"),
        "7000",
    ),
    (
        "number",
        "clickhouse-password-int",
        "spec:\n  clickhouse:\n    create:\n      config:\n        password: 4711\n",
        f"{CH}.password",
        (TEXT, "line 10"),
        "4711",
    ),
    (
        "number",
        "user-octal",
        "spec:\n  clickhouse:\n    create:\n      config:\n        user: 0o17\n",
        f"{CH}.user",
        (TEXT, "'0o17'", "the number 15"),
        "",
    ),
    (
        "number",
        "existing-user-digits",
        "spec:\n  postgres:\n    mode: use_existing\n    use_existing:\n      host: db:5432\n      user: 1000\n",
        "spec.postgres.use_existing.user",
        (TEXT, "'1000'", "line 11"),
        "",
    ),
    (
        "number",
        "minio-user",
        "spec:\n  storage:\n    create:\n      config:\n        user: 1e3\n",
        "spec.storage.create.config.user",
        (TEXT, "line 10"),
        "",
    ),
    (
        "number",
        "database-prefix",
        "spec:\n  clickhouse:\n    create:\n      config:\n        database: 2024\n",
        f"{CH}.database",
        (TEXT, "'2024'"),
        "",
    ),
    (
        "number",
        "secret-name",
        "spec:\n  postgres:\n    create:\n      config:\n        passwordSecretName: 123\n",
        f"{PG}.passwordSecretName",
        (TEXT, "line 10"),
        "",
    ),
    (
        "number",
        "secret-key",
        "spec:\n  postgres:\n    create:\n      config:\n        passwordSecretKey: 1\n",
        f"{PG}.passwordSecretKey",
        (TEXT, "line 10"),
        "",
    ),
    (
        "number",
        "bucket",
        "spec:\n  storage:\n    buckets:\n      symbols: 123456\n",
        BUCKET,
        (TEXT, "'123456'"),
        "",
    ),
    (
        "number",
        "image-tag-17.10",
        "spec:\n  services:\n    web:\n      image:\n        tag: 17.10\n",
        f"{WEB}.image.tag",
        (TEXT, "'17.10'", "the number 17.1"),
        "",
    ),
    ("number", "app-version", "spec:\n  global:\n    appVersion: 26.8\n", "spec.global.appVersion", ("'26.8'",), ""),
    (
        "number",
        "common-image-tag",
        {"services": {"common": {"imageTag": 3}}},
        "spec.services.common.imageTag",
        (TEXT,),
        "",
    ),
    ("number", "chart-version", {"global": {"chartVersion": 26}}, "spec.global.chartVersion", (TEXT,), ""),
    (
        "number",
        "license-key",
        "spec:\n  global:\n    licenseKey: 123456789\n",
        "spec.global.licenseKey",
        (TEXT, "line 8"),
        "123456789",
    ),
    (
        "number",
        "ingress-host",
        {"ingress": {"hosts": {"gateway": {"host": 10}}}},
        "spec.ingress.hosts.gateway.host",
        (TEXT,),
        "",
    ),
    (
        "number",
        "postgres-host",
        {"postgres": {"mode": "use_existing", "use_existing": {"host": 5432, "user": "u"}}},
        "spec.postgres.use_existing.host",
        (TEXT,),
        "",
    ),
    (
        "number",
        "label-value",
        {"services": {"web": {"podLabels": {"version": 2}}}},
        f"{WEB}.podLabels.version",
        (TEXT,),
        "",
    ),
    (
        "number",
        "annotation-value",
        "spec:\n  services:\n    web:\n      podAnnotations:\n        prometheus.io/port: 8080\n",
        f"{WEB}.podAnnotations.prometheus.io/port",
        (TEXT, "'8080'"),
        "",
    ),
    ("number", "label-key", {"services": {"web": {"podLabels": {7: "x"}}}}, f"{WEB}.podLabels.7", (TEXT,), ""),
    (
        "number",
        "node-selector",
        {"services": {"common": {"nodeSelector": {"zone": 1}}}},
        "spec.services.common.nodeSelector.zone",
        (TEXT,),
        "",
    ),
    (
        "number",
        "aws-region",
        {"storage": {"mode": "use_existing", "use_existing": {"type": "s3", "s3": {"region": 1}}}},
        "spec.storage.use_existing.s3.region",
        (TEXT,),
        "",
    ),
    (
        "number",
        "oidc-client-id",
        {"auth": {"oidc": {"provider": {"clientId": 123456789}}}},
        "spec.auth.oidc.provider.clientId",
        (TEXT,),
        "",
    ),
    (
        "number",
        "oidc-client-secret",
        {"auth": {"oidc": {"provider": {"clientSecret": 987654}}}},
        "spec.auth.oidc.provider.clientSecret",
        (TEXT,),
        "987654",
    ),
    ("number", "admin-role", {"auth": {"admin": {"roles": [1]}}}, "spec.auth.admin.roles[0]", (TEXT,), ""),
    (
        "number",
        "registry-password",
        {"global": {"registry": {"password": 31337}}},
        "spec.global.registry.password",
        (TEXT,),
        "31337",
    ),
    (
        "number",
        "env-credential",
        "spec:\n  services:\n    web:\n      env:\n        DB_PASSWORD: 7e3\n",
        f"{WEB}.env",
        ("DB_PASSWORD", "credential must be text"),
        "7000",
    ),
    (
        "number",
        "env-api-key",
        {"services": {"migrate": {"env": {"API_KEY": 12}}}},
        "spec.services.migrate.env",
        ("API_KEY", "credential"),
        "",
    ),
    # ---------------------------------------------------------------- environment variables
    (
        "env",
        "name-254",
        {"services": {"web": {"env": {"A" * 254: "v"}}}},
        f"{WEB}.env.{'A' * 57}...",
        ("at most 253",),
        "",
    ),
    (
        "env",
        "common-name-254",
        {"services": {"common": {"env": {"B" * 254: "v"}}}},
        "spec.services.common.env.",
        ("at most 253",),
        "",
    ),
    ("env", "nul-in-value", {"services": {"web": {"env": {"A": "a\x00b"}}}}, f"{WEB}.env.A", ("NUL",), ""),
    (
        "env",
        "nul-in-secret-value",
        {"services": {"web": {"env": {"TOKEN": "s3cr\x00t"}}}},
        f"{WEB}.env.TOKEN",
        ("NUL",),
        "s3cr",
    ),
    ("env", "infinite", "spec:\n  services:\n    web:\n      env:\n        A: .inf\n", f"{WEB}.env.A", ("finite",), ""),
    (
        "env",
        "too-many",
        {"services": {"web": {"env": {f"K{i}": "v" for i in range(MAX_ENTRIES + 1)}}}},
        f"{WEB}.env",
        (f"at most {MAX_ENTRIES}",),
        "",
    ),
    # ---------------------------------------------------------------- images
    (
        "image",
        "empty-postgres-tag",
        {"postgres": {"create": {"image": {"tag": ""}}}},
        "spec.postgres.create.image.tag",
        ("must not be empty",),
        "",
    ),
    (
        "image",
        "empty-clickhouse-tag",
        {"clickhouse": {"create": {"image": {"tag": ""}}}},
        "spec.clickhouse.create.image.tag",
        ("must not be empty",),
        "",
    ),
    (
        "image",
        "empty-minio-tag",
        {"storage": {"create": {"image": {"tag": ""}}}},
        "spec.storage.create.image.tag",
        ("must not be empty",),
        "",
    ),
    (
        "image",
        "empty-proxy-tag",
        {"postgres": {"gcp_cloudsql": {"proxy": {"image": {"tag": ""}}}}},
        "spec.postgres.gcp_cloudsql.proxy.image.tag",
        ("must not be empty",),
        "",
    ),
    (
        "image",
        "empty-app-version",
        {"global": {"appVersion": ""}},
        "spec.global.appVersion",
        ("must not be empty",),
        "",
    ),
    # ---------------------------------------------------------------- cluster domain
    (
        "domain",
        "empty-label",
        {"global": {"clusterDomain": "cluster..local"}},
        "spec.global.clusterDomain",
        ("DNS domain",),
        "",
    ),
    (
        "domain",
        "leading-dot",
        {"global": {"clusterDomain": ".local"}},
        "spec.global.clusterDomain",
        ("DNS domain",),
        "",
    ),
    (
        "domain",
        "trailing-dot",
        {"global": {"clusterDomain": "cluster.local."}},
        "spec.global.clusterDomain",
        ("DNS domain",),
        "",
    ),
    (
        "domain",
        "label-64",
        {"global": {"clusterDomain": "a" * 64 + ".local"}},
        "spec.global.clusterDomain",
        ("DNS domain",),
        "",
    ),
    (
        "domain",
        "too-long",
        {"global": {"clusterDomain": ".".join(["a" * 60] * 5)}},
        "spec.global.clusterDomain",
        ("at most 253",),
        "",
    ),
    # ---------------------------------------------------------------- URLs
    (
        "url",
        "ftp-symbol-endpoint",
        {"globalSymbolization": {"config": {"endpoint": "ftp://symbols.example.com/x"}}},
        f"{GSYM}.endpoint",
        ("http:// or https://",),
        "",
    ),
    (
        "url",
        "ftp-minio-endpoint",
        {
            "storage": {
                **EXISTING_MINIO,
                "use_existing": {**EXISTING_MINIO["use_existing"], "minio": {"endpoint": "ftp://m:9000"}},
            }
        },
        "spec.storage.use_existing.minio.endpoint",
        ("http:// or https://",),
        "",
    ),
    (
        "url",
        "file-issuer",
        {"auth": {"oidc": {"provider": {"issuerUri": "file:///etc/passwd"}}}},
        "spec.auth.oidc.provider.issuerUri",
        ("http:// or https://",),
        "",
    ),
    (
        "url",
        "javascript-redirect",
        {"auth": {"oidc": {"provider": {"redirectUri": "javascript://x/%0aalert(1)"}}}},
        "spec.auth.oidc.provider.redirectUri",
        ("http:// or https://",),
        "",
    ),
    (
        "url",
        "gopher-llm",
        {"aiAssistant": {"customLLM": {"url": "gopher://llm.example.com"}}},
        "spec.aiAssistant.customLLM.url",
        ("http:// or https://",),
        "",
    ),
    (
        "url",
        "too-long",
        {"clickhouse": {"mode": "use_existing", "use_existing": {"host": "https://ch.example.com/" + "a" * 3000}}},
        "spec.clickhouse.use_existing.host",
        ("at most 2048",),
        "",
    ),
    # ---------------------------------------------------------------- bucket names
    ("bucket", "upper-case", {"storage": {"buckets": {"symbols": "Symbols"}}}, BUCKET, ("bucket name",), ""),
    ("bucket", "underscore-minio", {"storage": {"buckets": {"symbols": "my_bucket"}}}, BUCKET, ("S3 bucket name",), ""),
    (
        "bucket",
        "underscore-existing-minio",
        {"storage": {**EXISTING_MINIO, "buckets": {"symbols": "my_bucket"}}},
        BUCKET,
        ("S3 bucket name",),
        "",
    ),
    ("bucket", "xn-prefix", {"storage": {"buckets": {"symbols": "xn--bucket"}}}, BUCKET, ("'xn--'",), ""),
    ("bucket", "s3alias-suffix", {"storage": {"buckets": {"symbols": "bucket-s3alias"}}}, BUCKET, ("'-s3alias'",), ""),
    ("bucket", "ip-address", {"storage": {"buckets": {"symbols": "10.0.0.1"}}}, BUCKET, ("IP address",), ""),
    ("bucket", "dot-dash", {"storage": {"buckets": {"symbols": "a.-b"}}}, BUCKET, ("S3 bucket name",), ""),
    ("bucket", "s3-64", {"storage": {"buckets": {"symbols": "a" * 64}}}, BUCKET, ("S3 bucket name",), ""),
    ("bucket", "empty", {"storage": {"buckets": {"symbols": ""}}}, BUCKET, ("must not be empty",), ""),
    (
        "bucket",
        "gcs-goog-prefix",
        {"storage": {**EXISTING_GCS, "buckets": {"symbols": "goog-symbols"}}},
        BUCKET,
        ("'goog'",),
        "",
    ),
    (
        "bucket",
        "gcs-google-lookalike",
        {"storage": {**EXISTING_GCS, "buckets": {"symbols": "my-g00gle-symbols"}}},
        BUCKET,
        ("google",),
        "",
    ),
    (
        "bucket",
        "gcs-long-part",
        {"storage": {**EXISTING_GCS, "buckets": {"symbols": "a" * 64 + ".b"}}},
        BUCKET,
        ("GCS bucket name",),
        "",
    ),
    (
        "bucket",
        "symbolization",
        {"globalSymbolization": {"enabled": True, "config": {"bucketName": "Bad_Bucket!"}}},
        f"{GSYM}.bucketName",
        ("bucket name",),
        "",
    ),
    (
        "bucket",
        "symbolization-s3-rules",
        {"globalSymbolization": {"config": {"bucketName": "my_symbols"}}},
        f"{GSYM}.bucketName",
        ("S3 bucket name",),
        "",
    ),
    # ---------------------------------------------------------------- size limits, before any work
    (
        "limits",
        "annotation-2mb",
        "spec:\n  services:\n    web:\n      podAnnotations:\n        a: " + "x" * (2 * MAX_TEXT) + "\n",
        f"{WEB}.podAnnotations.a",
        (f"at most {MAX_TEXT}",),
        "",
    ),
    (
        "limits",
        "key-2mb",
        "spec:\n  services:\n    web:\n      podLabels:\n        ? " + "k" * (2 * MAX_TEXT) + "\n        : v\n",
        f"{WEB}.podLabels",
        ("a key has",),
        "",
    ),
    (
        "limits",
        "password-2mb",
        "spec:\n  postgres:\n    create:\n      config:\n        password: " + "p" * (2 * MAX_TEXT) + "\n",
        f"{PG}.password",
        (f"at most {MAX_TEXT}",),
        "pppppppp",
    ),
    (
        "limits",
        "tolerations-1001",
        {"services": {"web": {"tolerations": [{"operator": "Exists"}] * (MAX_ENTRIES + 1)}}},
        f"{WEB}.tolerations",
        ("items",),
        "",
    ),
    (
        "limits",
        "text-9mb",
        "spec:\n  services:\n    web:\n      podAnnotations:\n"
        + "".join(f"        a{i}: {'x' * (MAX_TEXT - 10)}\n" for i in range(9)),
        "",
        ("larger than 8 MiB",),  # the reader's cap on one input comes before the model's on all text
        "",
    ),
    (
        "limits",
        "values-20001",
        "spec:\n" + "".join(f"  s{n}:\n" + "".join(f"    k{i}: v\n" for i in range(900)) for n in range(23)),
        "",
        ("values: too large",),
        "",
    ),
    # ---------------------------------------------------------------- credentials with strictSecrets
    (
        "strict",
        "env-password",
        {**STRICT, "services": {"web": {"env": {"DB_PASSWORD": "hunter2"}}}},
        f"{WEB}.env.DB_PASSWORD",
        ("plain text", "strictSecrets"),
        "hunter2",
    ),
    (
        "strict",
        "common-env-token",
        {**STRICT, "services": {"common": {"env": {"GITHUB_TOKEN": "ghp_x"}}}},
        "spec.services.common.env.GITHUB_TOKEN",
        ("ConfigMap zymtrace-config",),
        "ghp_x",
    ),
    (
        "strict",
        "migrate-env-api-key",
        {**STRICT, "services": {"migrate": {"env": {"api-key": "k3y"}}}},
        "spec.services.migrate.env.api-key",
        ("migrate Job",),
        "k3y",
    ),
    (
        "strict",
        "env-secret-key",
        {**STRICT, "services": {"ingest": {"env": {"AWS_SECRET_ACCESS_KEY": "abc"}}}},
        "spec.services.ingest.env.AWS_SECRET_ACCESS_KEY",
        ("Deployment zymtrace-ingest",),
        "",
    ),
    (
        "strict",
        "with-schema-error",
        {
            **STRICT,
            "postgres": {"create": {"config": {"passwordSecretName": ""}}},
            "services": {"web": {"replicas": 0}},
        },
        "spec.postgres.create.config.password",
        ("strictSecrets",),
        "",
    ),
    (
        "strict",
        "with-check-error",
        {
            **STRICT,
            "postgres": {"create": {"config": {"passwordSecretName": ""}}},
            "services": {"web": {"hpa": {"enabled": True, "minReplicas": 5, "maxReplicas": 2}}},
        },
        "spec.postgres.create.config.password",
        ("strictSecrets",),
        "",
    ),
]


def _document(payload: Any) -> str:
    return HEADER + (payload if isinstance(payload, str) else spec_yaml(payload))


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("[error]")]


def _refused(
    args: list[str], path: str, fragments: tuple[str, ...], hidden: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command, in-process: exit 1 within the CPU-time bound, nothing on stdout, no traceback, an error
    at `path` holding every fragment, and `hidden` (a credential) nowhere."""
    from kustomize_zymtrace.cli import main

    started = time.process_time()
    code = main(args)
    elapsed = time.process_time() - started
    captured = capsys.readouterr()
    errors = _errors(captured.err)
    assert code == 1, f"exit {code}: {captured.err[-2000:]}"
    assert captured.out == ""
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    matching = [line for line in errors if f" {path}" in line and all(f in line for f in fragments)]
    assert matching, f"no error at {path} with {fragments}: {[e[:300] for e in errors]}"
    if hidden:
        assert hidden not in captured.err, "a credential was echoed"
    assert elapsed < SECONDS, f"{elapsed:.1f} s of CPU"


@pytest.mark.parametrize("case", CASES, ids=[f"{c}/{i}" for c, i, *_ in CASES])
def test_catalogue(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, payload, path, fragments, hidden = case
    config_file = tmp_path / "config.yaml"
    config_file.write_text(_document(payload))
    out = tmp_path / "out"
    _refused(["render", str(config_file), "-o", str(out)], path, fragments, hidden, capsys)
    assert not out.exists(), "an invalid config wrote output"


def test_catalogue_size() -> None:
    assert len(CASES) >= 40 and len({category for category, *_ in CASES}) >= 8


def test_strict_secrets_join_every_other_error() -> None:
    """One run lists every problem: a schema error, a cross-field error and every strictSecrets finding."""
    errors = render_errors(
        {
            "gitops": {"strictSecrets": True},
            "services": {"web": {"replicas": 0, "env": {"DB_PASSWORD": "x"}}},
            "postgres": {"mode": "use_existing", "use_existing": {"host": "", "password": "pw", "user": "u"}},
        }
    )
    paths = {e.path for e in errors if e.severity == "error"}
    assert {
        "spec.services.web.replicas",  # schema
        "spec.postgres.use_existing.host",  # cross-field check
        "spec.services.web.env.DB_PASSWORD",  # strictSecrets, env
        "spec.postgres.use_existing.password",  # strictSecrets, credential field
        "spec.clickhouse.create.config.password",  # strictSecrets, the chart's public default
    } <= paths, paths


@pytest.mark.parametrize(("category", "case", "spec", "path"), SPEC_CASES, ids=[f"{c}/{i}" for c, i, *_ in SPEC_CASES])
def test_strict_secrets_beside_every_catalogued_mistake(
    category: str, case: str, spec: dict[str, Any], path: str
) -> None:
    """The render's strictSecrets findings are computed beside every error of the main catalogue: never a
    crash, the catalogued error still named, and the inline default password reported with it."""
    from kustomize_zymtrace.values import merge_values

    with pytest.raises(ConfigError) as caught:
        load(config(merge_values(spec, {"gitops": {"strictSecrets": True}})))
    paths = [r.path for r in caught.value.results]
    assert any(p.startswith(path) for p in paths), paths


def test_without_strict_secrets_a_credential_variable_warns() -> None:
    _, findings = load(config({"services": {"web": {"env": {"DB_PASSWORD": "hunter2", "WORKERS": "4"}}}}))
    warned = [f for f in findings if f.path.startswith("spec.services.web.env")]
    assert [(f.path, f.severity) for f in warned] == [("spec.services.web.env.DB_PASSWORD", "warning")]
    assert "hunter2" not in warned[0].message


# ---------------------------------------------------------------- what still takes a number


def _leaves(tree: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(tree, dict) and tree:
        return [leaf for key, value in tree.items() for leaf in _leaves(value, f"{path}.{key}" if path else key)]
    return [(path, tree)]


def _takes_numbers() -> list[str]:
    """The first column of the compatibility document's table of fields that still take a number."""
    text = (ROOT / "docs" / "compatibility.md").read_text()
    table = text.split("fields that still take a number", 1)[1].split("\n\n", 2)[1]
    return [pattern for row in table.splitlines()[2:] for pattern in re.findall(r"`([^`]+)`", row.split("|")[1])]


def test_the_documented_number_fields_are_the_models() -> None:
    """Every text leaf of the default config refuses a number, except the fields the compatibility
    document lists; each of those takes one."""
    from kustomize_zymtrace.model import Spec

    listed = _takes_numbers()
    assert len(listed) == 5, listed
    from kustomize_zymtrace.values import merge_values

    texts = [path for path, default in _leaves(default_values(Spec)) if isinstance(default, str)]
    spec: dict[str, Any] = {}
    for path in texts:  # every text leaf a number at once: each refusal is reported at its own field
        spec = merge_values(spec, nested(path, 7))
    with pytest.raises(ConfigError) as caught:
        load(config(spec))
    at_fault = {r.path for r in caught.value.results}
    refused = [path for path in texts if f"spec.{path}" in at_fault]
    taken = [path for path in texts if f"spec.{path}" not in at_fault]
    documented = [p for p in taken if any(fnmatch.fnmatch(p, pattern) for pattern in listed)]
    assert taken == documented, f"take a number but are not documented: {sorted(set(taken) - set(documented))}"
    assert len(refused) > 150 and len(taken) > 20
    env = load(config({"services": {"web": {"env": {"WORKERS": 4, "RATIO": 0.5, "ON": True}}}}))[0]
    assert env.spec.services.web.env == {"WORKERS": "4", "RATIO": "0.5", "ON": "true"}
    port = load(config({"services": {"web": {"service": {"type": "NodePort", "nodePort": 30080}}}}))[0]
    assert port.spec.services.web.service.nodePort == 30080


def test_a_quoted_number_is_the_text_it_says() -> None:
    backend, _ = load(
        yaml.safe_load(
            HEADER + "spec:\n  postgres:\n    create:\n      image:\n        tag: '17.10'\n"
            "      config:\n        password: '1e3'\n    use_existing:\n      user: '0o17'\n"
        )
    )
    create = backend.spec.postgres.create
    assert (create.image.tag, create.config.password) == ("17.10", "1e3")
    assert backend.spec.postgres.use_existing.user == "0o17"


# ---------------------------------------------------------------- from-helm-values


VALUES_CASES = [
    (
        "password-1e3",
        "postgres:\n  create:\n    config:\n      password: 7e3\n",
        f"{PG}.password",
        ("line 4", "quote it"),
        "7e3",
    ),
    (
        "tag-17.10",
        "services:\n  web:\n    image:\n      tag: 17.10\n",
        f"{WEB}.image.tag",
        ("line 4", "'17.10'", "'17.1'"),
        "",
    ),
    (
        "user-octal",
        "clickhouse:\n  create:\n    config:\n      user: 0o17\n",
        f"{CH}.user",
        ("line 4", "the number 15"),
        "",
    ),
    (
        "large-int-label",
        "services:\n  web:\n    podLabels:\n      build: 1000000\n",
        f"{WEB}.podLabels.build",
        ("'1e+06'",),
        "",
    ),
    (
        "env-large-int",
        "services:\n  web:\n    env:\n      LIMIT: 1000000\n",
        f"{WEB}.env.LIMIT",
        ("line 4", "'1e+06'", "'1000000'"),
        "",
    ),
    (
        "env-credential",
        "services:\n  web:\n    env:\n      DB_PASSWORD: 4711\n",
        f"{WEB}.env.DB_PASSWORD",
        ("line 4", "credential"),
        "4711",
    ),
    (
        "env-map-2000",
        "services:\n  web:\n    env:\n" + "".join(f"      K{i}: v\n" for i in range(2000)),
        f"{WEB}.env",
        ("at most 1000",),
        "",
    ),
    (
        "values-3001",
        "".join(f"k{n}:\n" + "".join(f"  v{i}: x\n" for i in range(500)) for n in range(7)),
        "",
        ("values: too large",),
        "",
    ),
]


@pytest.mark.parametrize("case", VALUES_CASES, ids=[c for c, *_ in VALUES_CASES])
def test_from_helm_values_catalogue(
    case: tuple[str, str, str, tuple[str, ...], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, values, path, fragments, hidden = case
    values_file = tmp_path / "values.yaml"
    values_file.write_text(values)
    _refused(["from-helm-values", str(values_file)], path, fragments, hidden, capsys)


def test_from_helm_values_quotes_what_every_reader_reads_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tag: 17.4` is the text 17.4 to Helm, to the file's author and to this tool: quoted, not refused;
    an env value every reader prints alike stays as it is; the result renders the same image."""
    from kustomize_zymtrace.cli import main

    values = tmp_path / "values.yaml"
    values.write_text(
        "postgres:\n  create:\n    image:\n      tag: 17.4  # pinned\n"
        "services:\n  web:\n    env:\n      WORKERS: 4\n    podLabels:\n      build: 120\n"
    )
    assert main(["from-helm-values", str(values)]) == 0
    converted = capsys.readouterr().out
    assert re.search(r"\n +tag: '17.4' +# pinned\n", converted) and "WORKERS: 4\n" in converted
    assert "build: '120'\n" in converted
    config_file = tmp_path / "config.yaml"
    config_file.write_text(converted)
    assert main(["render", str(config_file)]) == 0
    objects = list(yaml.safe_load_all(capsys.readouterr().out))
    images = [
        c["image"] for o in objects if o["kind"] == "StatefulSet" for c in o["spec"]["template"]["spec"]["containers"]
    ]
    assert "docker.io/postgres:17.4" in images


# ---------------------------------------------------------------- the rules, one by one


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1000, "1000"),
        (1e3, "1000"),
        (123456, "123456"),
        (1000000, "1e+06"),
        (1234567, "1.234567e+06"),
        (17.4, "17.4"),
        (17.10, "17.1"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (0, "0"),
        (1e21, "1e+21"),
        (float("inf"), "+Inf"),
    ],
)
def test_helm_text_is_gos_percent_v(number: float, text: str) -> None:
    """What Helm printed for a values-file number (float64 through Go's %v)."""
    assert helm_text(number) == text


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("API_KEY", True),
        ("api-key", True),
        ("oauthClientSecret", True),
        ("GITHUB_TOKEN", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("LICENSE_KEY", True),
        ("key", True),
        ("CA", True),
        ("TOKEN_TTL", True),  # a false alarm the rule accepts (docs/security.md says so)
        ("WORKERS", False),
        ("CACHE_SIZE", False),
        ("KEYCLOAK_URL", False),
        ("CERTAIN", False),
    ],
)
def test_the_credential_name_rule(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    ("name", "s3", "gcs"),
    [
        ("zymtrace-symdb", True, True),
        ("a.b-c", True, True),
        ("my_bucket", False, True),
        ("a" * 63, True, True),
        ("a" * 64, False, False),
        (".".join(["a" * 63] * 3), False, True),
        ("sthree-x", False, True),
        ("goog-x", True, False),
        ("x-googl3", True, True),
        ("x-g0ogle", True, False),
        ("a--table-s3", False, True),
    ],
)
def test_bucket_rules_per_store(name: str, s3: bool, gcs: bool) -> None:
    assert (s3_bucket_problem(name) is None, gcs_bucket_problem(name) is None) == (s3, gcs)


def test_shape_errors_stop_at_what_they_refuse() -> None:
    """An oversized map is refused without walking it: the refusal costs the same at any size."""
    huge = {"spec": {"services": {"web": {"env": dict.fromkeys((f"K{i}" for i in range(200_000)), "v")}}}}
    started = time.process_time()
    errors = shape_errors(huge)
    assert time.process_time() - started < 0.5
    assert [(e.path, e.message) for e in errors] == [
        ("spec.services.web.env", f"has 200000 entries: at most {MAX_ENTRIES} are allowed")
    ]
    assert shape_errors({"spec": {"a": ["x"] * MAX_ENTRIES, "b": "y" * MAX_TEXT}}) == []


def test_a_long_key_is_shortened_in_a_path() -> None:
    path = format_path(("spec", "services", "web", "podLabels", "k" * 10_000))
    assert path == "spec.services.web.podLabels." + "k" * 57 + "..."


def test_scalar_at_finds_the_text_as_written() -> None:
    text = HEADER + "spec:\n  a:\n    - b: 1e3\n    - c: '1e3'\n  d: &x 0o17\n  e: *x\n"
    assert scalar_at(text, ("spec", "a", 0, "b")) == ("1e3", 8)
    assert scalar_at(text, ("spec", "a", 1, "c")) is None  # quoted: not a number
    assert scalar_at(text, ("spec", "d")) == ("0o17", 10)
    assert scalar_at(text, ("spec", "missing")) is None
    assert scalar_at("a: [", ("a",)) is None


# ---------------------------------------------------------------- through kustomize (the pinned binary)


def _generator(directory: Path, config_text: str, *, krm: bool) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = config_text
    if krm:
        exe = BIN_DIR / "kustomize-zymtrace"
        text = text.replace(
            "metadata:\n",
            f"metadata:\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: {exe}\n",
            1,
        )
    (directory / "zymtrace.yaml").write_text(text)
    (directory / "kustomization.yaml").write_text("generators:\n- zymtrace.yaml\n")
    return directory


def _kustomize(binary: str, directory: Path) -> tuple[int, str, str]:
    import subprocess

    result = subprocess.run(
        [binary, "build", "--enable-alpha-plugins", "--enable-exec", str(directory)],
        capture_output=True,
        text=True,
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
        timeout=120,
    )
    return result.returncode, result.stdout, result.stderr


UNQUOTED = HEADER + "spec:\n  postgres:\n    create:\n      config:\n        password: 7e3\n        user: 0o17\n"


@pytest.mark.parametrize("krm", [False, True], ids=["plugin", "krm-function"])
@pytest.mark.parametrize("release", ["kustomize", f"kustomize-{tools_versions()['KUSTOMIZE_KUBECTL_VERSION']}"])
def test_through_kustomize_a_number_for_text_is_refused(tmp_path: Path, release: str, krm: bool) -> None:
    """kustomize re-encodes the config before the generator sees it (`1e3` arrives as 1000, `0o17` as 15):
    the refusal names the field and the number that arrived; nothing is built."""
    binary = tool(release)
    code, out, err = _kustomize(binary, _generator(tmp_path / "gen", UNQUOTED, krm=krm))
    assert code != 0 and out == "", err
    assert "spec.postgres.create.config.password: must be text, not a number" in err
    assert "spec.postgres.create.config.user: must be text, not the number 15" in err
    assert "7000" not in err  # the password as it arrived is not echoed


@pytest.mark.parametrize("krm", [False, True], ids=["plugin", "krm-function"])
def test_through_kustomize_the_quoted_value_is_kept(tmp_path: Path, krm: bool) -> None:
    import base64

    quoted = UNQUOTED.replace("password: 7e3", "password: '1e3'").replace("user: 0o17", "user: 'u0o17'")
    code, out, err = _kustomize(tool("kustomize"), _generator(tmp_path / "gen", quoted, krm=krm))
    assert code == 0, err
    objects = {o["metadata"]["name"]: o for o in yaml.safe_load_all(out) if o}
    secret = objects["zymtrace-postgres-secrets"]
    values = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    values.update(secret.get("stringData") or {})
    assert values["POSTGRES_PASSWORD"] == "1e3"
    assert objects["zymtrace-config"]["data"]["POSTGRES_USER"] == "u0o17"
