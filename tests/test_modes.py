"""Database and object-storage modes (inventory sections 6 and 7): what each mode adds, removes and wires."""

from __future__ import annotations

from typing import Any

from configs import CLOUDSQL_INSTANCE, CLOUDSQL_SERVICE_ACCOUNT, CLOUDSQL_USER, cloudsql
from helpers import containers, env_from_names, env_names, find, find_prefix, names, render, secret_data


def config_data(objects: list[dict[str, Any]]) -> dict[str, str]:
    return find(objects, "ConfigMap", "zymtrace-config")["data"]


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def test_postgres_use_existing_removes_in_cluster_postgres_and_wires_the_host() -> None:
    objects = render(
        {
            "postgres": {
                "mode": "use_existing",
                "use_existing": {"host": "pg:5432", "user": "zt", "passwordSecretName": "pg", "secure": True},
            }
        }
    )
    listed = names(objects)
    assert "StatefulSet/zymtrace-postgres" not in listed and "Service/zymtrace-postgres" not in listed
    assert "NetworkPolicy/zymtrace-postgres-network-policy" not in listed
    data = config_data(objects)
    assert data["SYMDB__POSTGRES__ADDR"] == "pg:5432"
    assert data["WEB__POSTGRES__DATABASE"] == "postgres_web"  # the seed's default prefix
    assert data["IDENTITY__POSTGRES__SECURE"] == "true"
    # The password comes from the user's Secret, only in the containers that talk to PostgreSQL.
    assert secret_data(find(objects, "Secret", "zymtrace-postgres-secrets")) == {}
    for app in ("identity", "symdb", "web"):
        refs = containers(find(objects, "Deployment", f"zymtrace-{app}"))[0]["env"]
        pg = next(e for e in refs if e["name"] == f"{app.upper()}__POSTGRES__PASSWORD")
        assert pg["valueFrom"]["secretKeyRef"] == {"name": "pg", "key": "password"}
    for app in ("gateway", "ingest", "ui"):
        assert not [
            n for n in env_names(containers(find(objects, "Deployment", f"zymtrace-{app}"))[0]) if "POSTGRES" in n
        ]
    migrate = find_prefix(objects, "Job", "zymtrace-migrate-")
    assert [c["name"] for c in containers(migrate, init=True)] == ["wait-for-clickhouse"]


def test_postgres_iam_modes() -> None:
    aurora = render(
        {
            "postgres": {
                "mode": "aws_aurora",
                "aws_aurora": {"host": "a.rds", "user": "zt", "region": "us-west-2", "serviceAccount": "irsa"},
            }
        }
    )
    secrets = secret_data(find(aurora, "Secret", "zymtrace-postgres-secrets"))
    assert secrets["WEB__POSTGRES__USE_IAM"] == "aws" and secrets["WEB__POSTGRES__AWS_IAM_REGION"] == "us-west-2"
    for app in ("identity", "symdb", "web"):
        assert pod(find(aurora, "Deployment", f"zymtrace-{app}"))["serviceAccountName"] == "irsa"
    assert "serviceAccountName" not in pod(find(aurora, "Deployment", "zymtrace-ingest"))
    assert pod(find_prefix(aurora, "Job", "zymtrace-migrate-"))["serviceAccountName"] == "irsa"
    existing = render(
        {
            "postgres": {
                "mode": "use_existing",
                "use_existing": {"host": "h:5432", "user": "u", "useIAM": "aws", "awsIamRegion": "eu-west-1"},
            }
        }
    )
    secrets = secret_data(find(existing, "Secret", "zymtrace-postgres-secrets"))
    assert secrets["SYMDB__POSTGRES__USE_IAM"] == "aws" and "SYMDB__POSTGRES__PASSWORD" not in secrets


def test_cloudsql_shared_proxy_deployment() -> None:
    objects = render({"postgres": cloudsql()})
    proxy = find(objects, "Deployment", "zymtrace-postgres-proxy")
    spec = pod(proxy)
    assert spec["serviceAccountName"] == CLOUDSQL_SERVICE_ACCOUNT
    container = spec["containers"][0]
    assert container["image"] == "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0"
    assert container["command"] == [
        "/cloud-sql-proxy",
        "--address=0.0.0.0",
        "--port=5432",
        "--auto-iam-authn",
        CLOUDSQL_INSTANCE,
    ]
    assert container["resources"]["limits"] == {"cpu": "500m", "memory": "256Mi"}
    assert "rollme" not in proxy["spec"]["template"]["metadata"].get("annotations", {})
    service = find(objects, "Service", "zymtrace-postgres")["spec"]
    assert service["selector"] == {"app": "zymtrace-postgres-proxy"} and service["clusterIP"] == "None"
    policy = find(objects, "NetworkPolicy", "zymtrace-postgres-network-policy")["spec"]
    assert policy["podSelector"] == {"matchLabels": {"app": "zymtrace-postgres-proxy"}}
    peers = [rule["from"][0]["podSelector"]["matchLabels"]["app"] for rule in policy["ingress"]]
    assert peers == ["zymtrace-identity", "zymtrace-symdb", "zymtrace-web", "zymtrace-migrate"]
    assert config_data(objects)["WEB__POSTGRES__ADDR"] == "zymtrace-postgres:5432"
    assert "POSTGRES_USER" not in config_data(objects)
    migrate = find_prefix(objects, "Job", "zymtrace-migrate-")
    assert pod(migrate)["serviceAccountName"] == CLOUDSQL_SERVICE_ACCOUNT
    waits = containers(migrate, init=True)
    assert [c["name"] for c in waits] == ["wait-for-clickhouse", "wait-for-gcp-cloudsql"]
    assert f"-h zymtrace-postgres -p 5432 -U {CLOUDSQL_USER}" in waits[1]["command"][2]
    # The apps keep the namespace default ServiceAccount: only the proxy talks to Google.
    assert "serviceAccountName" not in pod(find(objects, "Deployment", "zymtrace-web"))


def test_cloudsql_proxy_switches_and_hpa() -> None:
    spec = cloudsql(
        privateIP=True, workloadIdentity={"enabled": False}, hpa={"enabled": True, "minReplicas": 2, "maxReplicas": 4}
    )
    objects = render({"postgres": spec})
    proxy = find(objects, "Deployment", "zymtrace-postgres-proxy")
    command = pod(proxy)["containers"][0]["command"]
    assert "--private-ip" in command and "--auto-iam-authn" not in command
    assert "replicas" not in proxy["spec"]
    hpa = find(objects, "HorizontalPodAutoscaler", "zymtrace-postgres-proxy")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 4)
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu", "memory"]


def test_proxy_service_account_key_of_the_seed_wins() -> None:
    objects = render({"postgres": cloudsql(proxy={"serviceAccount": "from-proxy"})})
    assert pod(find(objects, "Deployment", "zymtrace-postgres-proxy"))["serviceAccountName"] == "from-proxy"


def test_cloudsql_native_sidecar_placement() -> None:
    spec = cloudsql(proxy={"placement": "sidecar"})
    objects = render({"postgres": spec})
    listed = names(objects)
    assert "Deployment/zymtrace-postgres-proxy" not in listed and "Service/zymtrace-postgres" not in listed
    assert "NetworkPolicy/zymtrace-postgres-network-policy" not in listed  # nothing listens in the namespace
    assert config_data(objects)["IDENTITY__POSTGRES__ADDR"] == "127.0.0.1:5432"
    for app in ("identity", "symdb", "web"):
        spec_ = pod(find(objects, "Deployment", f"zymtrace-{app}"))
        sidecar = spec_["initContainers"][0]
        assert sidecar["restartPolicy"] == "Always" and "--address=127.0.0.1" in sidecar["command"]
        assert spec_["serviceAccountName"] == CLOUDSQL_SERVICE_ACCOUNT
    for app in ("gateway", "ingest", "ui"):
        assert "initContainers" not in pod(find(objects, "Deployment", f"zymtrace-{app}"))
    migrate = find_prefix(objects, "Job", "zymtrace-migrate-")
    init = [c["name"] for c in containers(migrate, init=True)]
    # The sidecar starts first, so the wait container (and then migrate) reach Cloud SQL through it.
    assert init == ["cloud-sql-proxy", "wait-for-clickhouse", "wait-for-gcp-cloudsql"]
    assert "-h 127.0.0.1 -p 5432" in containers(migrate, init=True)[2]["command"][2]


def test_clickhouse_use_existing() -> None:
    objects = render(
        {
            "clickhouse": {
                "mode": "use_existing",
                "use_existing": {
                    "host": "https://ch:8443",
                    "user": "zt",
                    "passwordSecretName": "ch",
                    "clusterName": "c1",
                    "database": "prof",
                },
            }
        }
    )
    listed = names(objects)
    for gone in (
        "StatefulSet/zymtrace-clickhouse",
        "ConfigMap/zymtrace-clickhouse-config",
        "PersistentVolumeClaim/zymtrace-clickhouse",
    ):
        assert gone not in listed
    assert "NetworkPolicy/zymtrace-clickhouse-network-policy" not in listed
    data = config_data(objects)
    assert data["WEB__CLICKHOUSE__ADDR"] == "https://ch:8443"
    assert data["INGEST__METRICS__CLICKHOUSE__DATABASE"] == "prof_metrics"
    assert data["WEB__METRICS__CLICKHOUSE__CLUSTER_NAME"] == "c1"
    assert data["INGEST__CLICKHOUSE__AUTO_CREATE_DBS"] == "false"
    ingest = containers(find(objects, "Deployment", "zymtrace-ingest"))[0]
    assert {"INGEST__CLICKHOUSE__PASSWORD", "WEB__CLICKHOUSE__PASSWORD"} <= set(env_names(ingest))
    migrate = find_prefix(objects, "Job", "zymtrace-migrate-")
    assert [c["name"] for c in containers(migrate, init=True)] == ["wait-for-postgres"]


def test_storage_modes_endpoints_and_credentials() -> None:
    minio = render(
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {"type": "minio", "minio": {"endpoint": "https://m", "user": "a", "password": "b"}},
            }
        }
    )
    assert config_data(minio)["SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT"] == "https://m"
    assert "StatefulSet/zymtrace-minio" not in names(minio) and "Secret/zymtrace-minio-secrets" not in names(minio)
    check = find_prefix(minio, "Job", "zymtrace-bucket-check-")
    assert "--aws-endpoint" in containers(check)[0]["command"][2]
    assert env_from_names(containers(check)[0])[-1] == "zymtrace-storage-secrets"

    s3 = render(
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {
                    "type": "s3",
                    "s3": {"region": "us-west-2", "accessKey": "AK", "secretKey": "SK", "sessionToken": "ST"},
                },
            }
        }
    )
    data = config_data(s3)
    assert data["SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT"] == "https://s3.dualstack.us-west-2.amazonaws.com"
    assert data["SYMDB__SYMBOL_BUCKET__AWS_REGION"] == "us-west-2"
    assert (
        secret_data(find(s3, "Secret", "zymtrace-storage-secrets"))["SYMDB__SYMBOL_BUCKET__AWS_SESSION_TOKEN"] == "ST"
    )

    custom = render(
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {
                    "type": "s3",
                    "s3": {"region": "r", "endpoint": "https://s3.example", "useIAM": "aws", "serviceAccount": "irsa"},
                },
            }
        }
    )
    assert config_data(custom)["SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT"] == "https://s3.example"
    assert config_data(custom)["SYMDB__SYMBOL_BUCKET__USE_IAM"] == "aws"
    assert secret_data(find(custom, "Secret", "zymtrace-storage-secrets")) == {}
    assert pod(find(custom, "Deployment", "zymtrace-symdb"))["serviceAccountName"] == "irsa"
    assert pod(find_prefix(custom, "Job", "zymtrace-bucket-check-"))["serviceAccountName"] == "irsa"
    assert "serviceAccountName" not in pod(find(custom, "Deployment", "zymtrace-web"))

    gcs = render(
        {
            "storage": {
                "mode": "use_existing",
                "use_existing": {"type": "gcs", "gcs": {"accessKeySecretName": "hmac", "secretKeySecretName": "hmac"}},
            }
        }
    )
    assert config_data(gcs)["SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT"] == "https://storage.googleapis.com"
    symdb = containers(find(gcs, "Deployment", "zymtrace-symdb"))[0]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in symdb["env"]}
    assert refs["SYMDB__SYMBOL_BUCKET__AWS_ACCESS_KEY_ID"] == {"name": "hmac", "key": "access-key"}
    assert refs["SYMDB__SYMBOL_BUCKET__AWS_SECRET_ACCESS_KEY"] == {"name": "hmac", "key": "secret-key"}


def test_bucket_check_job_is_reappliable_and_renamed_on_change() -> None:
    spec = {
        "storage": {
            "mode": "use_existing",
            "use_existing": {"type": "minio", "minio": {"endpoint": "https://m", "user": "a", "password": "b"}},
        }
    }
    first = find_prefix(render(spec), "Job", "zymtrace-bucket-check-")
    assert first["metadata"]["name"] == find_prefix(render(spec), "Job", "zymtrace-bucket-check-")["metadata"]["name"]
    spec["storage"]["buckets"] = {"symbols": "other-bucket"}
    second = find_prefix(render(spec), "Job", "zymtrace-bucket-check-")
    assert first["metadata"]["name"] != second["metadata"]["name"]
    assert "ttlSecondsAfterFinished" not in second["spec"]


def test_data_volume_types() -> None:
    objects = render(
        {
            "clickhouse": {"create": {"storage": {"type": "existing_pvc", "existing_pvc": {"pvcName": "ch-data"}}}},
            "postgres": {"create": {"storage": {"type": "empty_dir"}}},
            "storage": {"create": {"storage": {"className": "fast", "size": "50Gi"}}},
        }
    )
    listed = names(objects)
    assert (
        "PersistentVolumeClaim/zymtrace-clickhouse" not in listed
        and "PersistentVolumeClaim/zymtrace-postgres" not in listed
    )
    clickhouse = find(objects, "StatefulSet", "zymtrace-clickhouse")
    assert pod(clickhouse)["volumes"][0] == {"name": "data", "persistentVolumeClaim": {"claimName": "ch-data"}}
    assert containers(clickhouse)[0]["volumeMounts"][0]["subPath"] == "clickhouse"
    assert pod(find(objects, "StatefulSet", "zymtrace-postgres"))["volumes"][0] == {"name": "data", "emptyDir": {}}
    claim = find(objects, "PersistentVolumeClaim", "zymtrace-minio")["spec"]
    assert claim["storageClassName"] == "fast" and claim["resources"]["requests"]["storage"] == "50Gi"


def test_in_cluster_passwords_from_existing_secrets() -> None:
    objects = render(
        {
            "clickhouse": {"create": {"config": {"passwordSecretName": "ch"}}},
            "postgres": {"create": {"config": {"passwordSecretName": "pg", "passwordSecretKey": "pw"}}},
            "storage": {"create": {"config": {"userSecretName": "minio", "passwordSecretName": "minio"}}},
        }
    )
    for secret in ("clickhouse-secrets", "minio-secrets", "storage-secrets"):
        assert secret_data(find(objects, "Secret", f"zymtrace-{secret}")) == {}
    assert secret_data(find(objects, "Secret", "zymtrace-postgres-secrets")) == {
        "PGDATA": "/var/lib/postgresql/data/pgdata"
    }
    postgres = containers(find(objects, "StatefulSet", "zymtrace-postgres"))[0]
    ref = next(e for e in postgres["env"] if e["name"] == "POSTGRES_PASSWORD")["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "pg", "key": "pw"}
    minio = containers(find(objects, "StatefulSet", "zymtrace-minio"))[0]
    assert {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} <= set(env_names(minio))
    init = find_prefix(objects, "Job", "zymtrace-minio-init-")
    assert {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"} <= set(env_names(containers(init)[0]))
    wait = containers(find_prefix(objects, "Job", "zymtrace-migrate-"), init=True)[0]
    assert "CLICKHOUSE_PASSWORD" in env_names(wait)
