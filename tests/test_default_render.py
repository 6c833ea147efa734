"""The default render (every database in the cluster) against the chart inventory, section 1.5 and 3."""

from __future__ import annotations

from helpers import (
    ROOT,
    cli,
    containers,
    env_from_names,
    env_names,
    find,
    find_prefix,
    kinds,
    render,
    secret_data,
    tool_env,
)

APPS = ("gateway", "identity", "ingest", "symdb", "ui", "web")


def test_object_count_and_kinds_match_inventory_1_5() -> None:
    objects = render()
    assert len(objects) == 41
    assert kinds(objects) == {
        "ConfigMap": 4,
        "Secret": 5,
        "PersistentVolumeClaim": 3,
        "StatefulSet": 3,
        "Service": 9,
        "PodDisruptionBudget": 6,
        "NetworkPolicy": 3,
        "Job": 2,
        "Deployment": 6,
    }


def test_names_and_selectors_equal_the_charts() -> None:
    """C7: names and app selectors are what a Helm install created, so it can be adopted in place."""
    objects = render()
    for app in APPS:
        deployment = find(objects, "Deployment", f"zymtrace-{app}")
        assert deployment["spec"]["selector"] == {"matchLabels": {"app": f"zymtrace-{app}"}}
        assert deployment["spec"]["template"]["metadata"]["labels"] == {"app": f"zymtrace-{app}"}
        assert find(objects, "Service", f"zymtrace-{app}")["spec"]["selector"] == {"app": f"zymtrace-{app}"}
        assert find(objects, "PodDisruptionBudget", f"zymtrace-{app}-pdb")["spec"]["selector"]["matchLabels"] == {
            "app": f"zymtrace-{app}"
        }
    for db in ("clickhouse", "postgres", "minio"):
        sts = find(objects, "StatefulSet", f"zymtrace-{db}")
        assert sts["spec"]["selector"] == {"matchLabels": {"app": f"zymtrace-{db}"}}
        assert sts["spec"]["serviceName"] == f"zymtrace-{db}"
        claim = find(objects, "PersistentVolumeClaim", f"zymtrace-{db}")
        assert claim["metadata"]["labels"]["app"] == f"zymtrace-{db}"
        assert sts["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == f"zymtrace-{db}"
    for name in ("zymtrace-config", "zymtrace-gateway-config", "zymtrace-auth-config", "zymtrace-clickhouse-config"):
        find(objects, "ConfigMap", name)
    for name in ("auth", "clickhouse", "postgres", "storage", "minio"):
        find(objects, "Secret", f"zymtrace-{name}-secrets")


def test_images_and_tags_follow_chart_rules() -> None:
    objects = render()
    image = {app: containers(find(objects, "Deployment", f"zymtrace-{app}"))[0]["image"] for app in APPS}
    assert image["gateway"] == "ghcr.io/zystem-io/zymtrace-pub-gateway:26.8.4"
    assert image["ui"] == "ghcr.io/zystem-io/zymtrace-pub-ui:26.8.4"
    for app in ("identity", "ingest", "symdb", "web"):
        assert image[app] == "ghcr.io/zystem-io/zymtrace-pub-backend:26.8.4"
    db_images = {
        db: containers(find(objects, "StatefulSet", f"zymtrace-{db}"))[0]["image"]
        for db in ("clickhouse", "postgres", "minio")
    }
    assert db_images == {
        "clickhouse": "docker.io/clickhouse/clickhouse-server:25.3.2.39",
        "postgres": "docker.io/postgres:17.4",
        "minio": "docker.io/minio/minio:RELEASE.2024-12-18T13-15-44Z",
    }
    tagged = render({"services": {"common": {"imageTag": "27.0.0"}, "web": {"image": {"tag": "27.0.1"}}}})
    assert containers(find(tagged, "Deployment", "zymtrace-web"))[0]["image"].endswith(":27.0.1")
    assert containers(find(tagged, "Deployment", "zymtrace-ingest"))[0]["image"].endswith(":27.0.0")
    private = render({"global": {"registry": {"requirePullSecret": True, "username": "u", "password": "p"}}})
    web = find(private, "Deployment", "zymtrace-web")
    assert containers(web)[0]["image"] == "ghcr.io/zystem-io/zymtrace-backend:26.8.4"
    assert web["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "zymtrace-registry-cred"}]
    assert "imagePullSecrets" not in find(private, "StatefulSet", "zymtrace-postgres")["spec"]["template"]["spec"]


def test_commands_and_container_ports() -> None:
    objects = render()
    expected = {
        "gateway": (None, [("http", 80), ("http-trusted", 9900), ("admin", 9901), ("mtls", 9090)]),
        "identity": (["zymtrace-identity"], [("http", 7829), ("http-health", 7831)]),
        "ingest": (["zymtrace-ingest"], [("http", 8375), ("http-trusted", 8376), ("http-health", 8377)]),
        "symdb": (["zymtrace-symdb"], [("http", 6107), ("http-trusted", 6108), ("http-health", 6109)]),
        "ui": (None, [("http", 80)]),
        "web": (["zymtrace-web"], [("http", 9933)]),
    }
    for app, (command, ports) in expected.items():
        container = containers(find(objects, "Deployment", f"zymtrace-{app}"))[0]
        assert container["name"] == f"zymtrace-{app}"
        assert container.get("command") == command
        assert [(p["name"], p["containerPort"]) for p in container["ports"]] == ports


def test_services_headless_and_ports() -> None:
    objects = render()
    for app in ("identity", "ingest", "symdb", "ui", "web"):
        assert find(objects, "Service", f"zymtrace-{app}")["spec"]["clusterIP"] == "None"
    gateway = find(objects, "Service", "zymtrace-gateway")["spec"]
    assert "clusterIP" not in gateway and gateway["type"] == "ClusterIP"
    assert {(p["name"], p["port"]) for p in gateway["ports"]} == {("http", 80), ("http-trusted", 9900), ("admin", 9901)}
    assert find(objects, "Service", "zymtrace-postgres")["spec"]["clusterIP"] == "None"
    clickhouse = find(objects, "Service", "zymtrace-clickhouse")["spec"]
    assert [(p["name"], p["port"]) for p in clickhouse["ports"]] == [("http", 8123), ("native", 9000)]
    minio = find(objects, "Service", "zymtrace-minio")["spec"]
    assert [(p["name"], p["port"]) for p in minio["ports"]] == [("api", 9000), ("console", 9001)]


def test_env_from_order_per_inventory_3_0_6() -> None:
    objects = render()
    expected = {
        "gateway": ["zymtrace-gateway-config", "zymtrace-config", "zymtrace-auth-secrets"],
        "identity": ["zymtrace-config", "zymtrace-auth-config", "zymtrace-auth-secrets", "zymtrace-postgres-secrets"],
        "ingest": ["zymtrace-config", "zymtrace-auth-config", "zymtrace-auth-secrets", "zymtrace-clickhouse-secrets"],
        "symdb": [
            "zymtrace-config",
            "zymtrace-auth-config",
            "zymtrace-auth-secrets",
            "zymtrace-postgres-secrets",
            "zymtrace-storage-secrets",
        ],
        "web": [
            "zymtrace-config",
            "zymtrace-auth-config",
            "zymtrace-auth-secrets",
            "zymtrace-clickhouse-secrets",
            "zymtrace-postgres-secrets",
        ],
        "ui": ["zymtrace-config", "zymtrace-auth-config", "zymtrace-auth-secrets"],
    }
    for app, sources in expected.items():
        assert env_from_names(containers(find(objects, "Deployment", f"zymtrace-{app}"))[0]) == sources
    migrate = containers(find_prefix(objects, "Job", "zymtrace-migrate-"))[0]
    assert env_from_names(migrate) == [
        "zymtrace-config",
        "zymtrace-auth-config",
        "zymtrace-auth-secrets",
        "zymtrace-clickhouse-secrets",
        "zymtrace-postgres-secrets",
        "zymtrace-storage-secrets",
    ]
    assert env_from_names(containers(find(objects, "StatefulSet", "zymtrace-clickhouse"))[0]) == [
        "zymtrace-config",
        "zymtrace-clickhouse-secrets",
    ]


def test_database_wiring_in_config() -> None:
    objects = render()
    data = find(objects, "ConfigMap", "zymtrace-config")["data"]
    for prefix in ("INGEST__CLICKHOUSE", "INGEST__METRICS__CLICKHOUSE", "WEB__CLICKHOUSE", "WEB__METRICS__CLICKHOUSE"):
        assert data[f"{prefix}__ADDR"] == "http://zymtrace-clickhouse:8123"
        assert data[f"{prefix}__USERNAME"] == "clickhouse"
    assert data["INGEST__CLICKHOUSE__DATABASE"] == "zymtrace_profiling"
    assert data["WEB__METRICS__CLICKHOUSE__DATABASE"] == "zymtrace_metrics"
    for app in ("IDENTITY", "SYMDB", "WEB"):
        assert data[f"{app}__POSTGRES__ADDR"] == "zymtrace-postgres:5432"
        assert f"{app}__POSTGRES__DATABASE" not in data  # create mode uses the app's default database
    assert data["SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT"] == "http://zymtrace-minio:9000"
    assert data["SYMDB__SYMBOL_BUCKET__BUCKET_NAME"] == "zymtrace-symdb"
    assert data["INGEST__SYMDB__ENDPOINT"] == "http://zymtrace-gateway:80"
    assert data["INGEST__EVENT_TTL_HOURS"] == "720"
    assert data["WEB__METRIC_REPORTER__ENDPOINT"] == "http://zymtrace-ingest:8376"
    assert len(data) == 69  # the chart's default render has 69 keys (inventory 3.1)
    secrets = secret_data(find(objects, "Secret", "zymtrace-postgres-secrets"))
    assert secrets["PGDATA"] == "/var/lib/postgresql/data/pgdata"
    assert {secrets[k] for k in ("POSTGRES_PASSWORD", "IDENTITY__POSTGRES__PASSWORD", "WEB__POSTGRES__PASSWORD")} == {
        "postgres123"
    }
    storage = secret_data(find(objects, "Secret", "zymtrace-storage-secrets"))
    assert storage["SYMDB__SYMBOL_BUCKET__AWS_ACCESS_KEY_ID"] == "minio"


def test_namespace_and_cluster_domain_reach_objects_and_addresses() -> None:
    objects = render(namespace="observability")
    assert all(o["metadata"]["namespace"] == "observability" for o in objects)
    gateway = find(objects, "ConfigMap", "zymtrace-gateway-config")["data"]
    assert gateway["SYMDB_HASH_CLUSTER_ADDRESS"] == "zymtrace-symdb.observability.svc.cluster.local"
    custom = render({"global": {"clusterDomain": "corp.internal"}}, namespace="observability")
    web = find(custom, "ConfigMap", "zymtrace-gateway-config")["data"]["WEB_CLUSTER_ADDRESS"]
    assert web == "zymtrace-web.observability.svc.corp.internal"


def test_no_helm_mechanics() -> None:
    """No hook annotations, no TTL re-creation loops, no random values (inventory 8.1, 8.4)."""
    objects = render()
    for obj in objects:
        annotations = obj["metadata"].get("annotations", {})
        assert not [key for key in annotations if key.startswith("helm.sh/")], obj["metadata"]["name"]
        assert obj["metadata"]["labels"]["managed-by"] == "kustomize-zymtrace"
    for job in (o for o in objects if o["kind"] == "Job"):
        assert "ttlSecondsAfterFinished" not in job["spec"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"


def test_jobs_are_named_after_their_pod_template() -> None:
    base = render()
    again = render()
    changed = render({"services": {"migrate": {"env": {"RUST_LOG": "debug"}}}})
    name = find_prefix(base, "Job", "zymtrace-migrate-")["metadata"]["name"]
    assert name == find_prefix(again, "Job", "zymtrace-migrate-")["metadata"]["name"]
    assert name != find_prefix(changed, "Job", "zymtrace-migrate-")["metadata"]["name"]
    assert (
        find_prefix(base, "Job", "zymtrace-minio-init-")["metadata"]["name"]
        == find_prefix(changed, "Job", "zymtrace-minio-init-")["metadata"]["name"]
    )
    job = find_prefix(base, "Job", "zymtrace-migrate-")
    assert job["spec"]["template"]["metadata"]["labels"] == {"app": "zymtrace-migrate"}
    assert [c["name"] for c in containers(job, init=True)] == ["wait-for-clickhouse", "wait-for-postgres"]
    assert job["spec"]["activeDeadlineSeconds"] == 3600


def test_config_checksum_rolls_exactly_the_consumers() -> None:
    def checksums(objects: list[dict]) -> dict[str, str]:
        return {
            o["metadata"]["name"]: o["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            for o in objects
            if o["kind"] in ("Deployment", "StatefulSet")
        }

    base = checksums(render())
    password = checksums(render({"clickhouse": {"create": {"config": {"password": "s3cret-rotated"}}}}))
    changed = {name for name in base if base[name] != password[name]}
    # ingest and web load the ClickHouse Secret; so does ClickHouse itself. Nobody else rolls.
    assert changed == {"zymtrace-ingest", "zymtrace-web", "zymtrace-clickhouse"}


def test_render_is_deterministic_across_processes() -> None:
    config_file = ROOT / "base" / "generator" / "zymtrace.yaml"
    first = cli("render", str(config_file), env=tool_env(PYTHONHASHSEED="1"))
    second = cli("render", str(config_file), env=tool_env(PYTHONHASHSEED="99"))
    assert first.returncode == second.returncode == 0, first.stderr
    assert first.stdout == second.stdout and first.stdout.count("\nkind: ") + 1 >= 41


def test_migrate_skip_flags_share_one_env_list() -> None:
    """The chart wrote a second env: key here, which drops the first list; there is one list."""
    objects = render(
        {
            "global": {"skipPostgresMigration": True, "skipClickHouseMigration": True, "licenseKeySecretName": "lic"},
            "services": {"migrate": {"env": {"RUST_LOG": "debug"}}},
        }
    )
    job = find_prefix(objects, "Job", "zymtrace-migrate-")
    assert env_names(containers(job)[0]) == [
        "RUST_LOG",
        "SKIP_CH_MIGRATE",
        "SKIP_PSQL_MIGRATE",
        "WEB__LICENSE__KEY",
        "INGEST__LICENSE__KEY",
    ]
    # The flags are zymtrace-cli's, as in the chart: the containers that wait for the databases get the
    # Job's env without them (found by hack/compare-chart; docs/maintaining.md's worked example).
    waits = containers(job, init=True)
    assert [c["name"] for c in waits] == ["wait-for-clickhouse", "wait-for-postgres"]
    assert all(env_names(c) == ["RUST_LOG", "WEB__LICENSE__KEY", "INGEST__LICENSE__KEY"] for c in waits)
    assert "zymtrace-migrate" not in [o["metadata"]["name"] for o in render({"global": {"skipDBMigrations": True}})]
    skipped = render({"global": {"skipDBMigrations": True}})
    assert not [o for o in skipped if o["kind"] == "Job" and "migrate" in o["metadata"]["name"]]
