"""One-shot Jobs: schema migration, MinIO bucket creation, and the check of an existing bucket.

They are plain Jobs, not Helm hooks. The finalizer names each after a hash of its pod template, so a
changed Job is a new Job and an unchanged one is left alone by the reconciler.
"""

from __future__ import annotations

import shlex

from .cloudsql import proxy_sidecars
from .context import Context, Obj
from .pods import app_scheduling, env_block, pull_secrets, resources, scheduling, workload_env
from .wiring import env_sources, service_account


def render(ctx: Context) -> list[Obj]:
    jobs = []
    if not ctx.spec.global_.skipDBMigrations:
        jobs.append(migrate(ctx))
    if ctx.minio_in_cluster:
        jobs.append(minio_init(ctx))
    else:
        jobs.append(bucket_check(ctx))
    return jobs


def _shell(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


def _wait_loop(what: str, command: str) -> str:
    return f'until {command}; do\n  echo "Waiting for {what}..."\n  sleep 5\ndone\necho "{what} is ready."\n'


def _job(ctx: Context, suffix: str, pod: Obj, **spec: int) -> Obj:
    template = {"metadata": {"labels": ctx.selector(suffix)}, "spec": {**pod, "restartPolicy": "OnFailure"}}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": ctx.metadata(suffix, app=suffix),
        "spec": {**spec, "template": template},
    }


def _with_annotations(job: Obj, annotations: dict[str, str]) -> Obj:
    if annotations:
        job["spec"]["template"]["metadata"]["annotations"] = dict(sorted(annotations.items()))
    return job


def migrate(ctx: Context) -> Obj:
    spec, svc = ctx.spec, ctx.spec.services.migrate
    literals = dict(svc.env)
    # One env list: the chart's second env: block for these flags clobbered the first. The flags are for
    # zymtrace-cli alone, as in the chart: the wait containers get the Job's env without them.
    wait_env = workload_env(ctx, "migrate", dict(literals))
    if spec.global_.skipPostgresMigration:
        literals["SKIP_PSQL_MIGRATE"] = "true"
    if spec.global_.skipClickHouseMigration:
        literals["SKIP_CH_MIGRATE"] = "true"
    env = workload_env(ctx, "migrate", literals)
    extra = resources(svc.resources)

    def wait(name: str, image: str, what: str, command: str) -> Obj:
        return {
            "name": name,
            "image": image,
            "imagePullPolicy": ctx.pull_policy,
            "command": _shell(_wait_loop(what, command)),
            **wait_env,
            **extra,
        }

    init = proxy_sidecars(ctx, "migrate")
    if ctx.clickhouse_in_cluster:
        ch = spec.clickhouse.create
        probe = (
            f"clickhouse-client --host={ctx.name('clickhouse')} --port={ch.service.native.port} "
            '--user="${CLICKHOUSE_USER}" --password="${CLICKHOUSE_PASSWORD}" --query="SELECT 1"'
        )
        init.append(wait("wait-for-clickhouse", ctx.db_image(ch.image.repository, ch.image.tag), "ClickHouse", probe))
    postgres_image = ctx.db_image(spec.postgres.create.image.repository, spec.postgres.create.image.tag)
    if ctx.postgres_in_cluster:
        probe = (
            f'PGPASSWORD="${{POSTGRES_PASSWORD}}" psql -h {ctx.name("postgres")} '
            f'-p {spec.postgres.create.service.port} -U "${{POSTGRES_USER}}" -d postgres -c "SELECT 1"'
        )
        init.append(wait("wait-for-postgres", postgres_image, "PostgreSQL", probe))
    elif ctx.cloudsql:
        host, port = ctx.postgres_address.rsplit(":", 1)
        user = shlex.quote(ctx.postgres_user)
        probe = f'psql -h {host} -p {port} -U {user} -d postgres -c "SELECT 1"'
        init.append(wait("wait-for-gcp-cloudsql", postgres_image, "the Cloud SQL proxy", probe))
    script = (
        'echo "Running database migrations..."\n'
        "# Everything zymtrace-cli needs comes from the environment.\n"
        "if zymtrace-cli migrate; then\n"
        '  echo "Migrations completed successfully"\n'
        "  exit 0\n"
        "fi\n"
        'echo "Migration failed; waiting 2 minutes to allow for troubleshooting..."\n'
        "sleep 120\n"
        "exit 1\n"
    )
    container = {
        "name": "migrate",
        "image": ctx.app_image("migrate"),
        "imagePullPolicy": ctx.pull_policy,
        "command": _shell(script),
        **env,
        **extra,
    }
    pod: Obj = {**app_scheduling(ctx, "migrate"), **pull_secrets(ctx)}
    account = service_account(ctx, "migrate")
    if account:
        pod["serviceAccountName"] = account
    if init:
        pod["initContainers"] = init
    pod["containers"] = [container]
    job = _job(ctx, "migrate", pod, activeDeadlineSeconds=svc.timeoutSeconds, backoffLimit=2)
    return _with_annotations(job, svc.podAnnotations)


def minio_init(ctx: Context) -> Obj:
    create = ctx.spec.storage.create
    image = ctx.db_image(create.image.repository, create.image.tag)
    env = env_block(ctx, [("ConfigMap", "config"), ("Secret", "minio-secrets")])
    alias = (
        f"mc alias set zymtrace http://{ctx.name('minio')}:{create.service.api.port} "
        '"${MINIO_ROOT_USER}" "${MINIO_ROOT_PASSWORD}"'
    )
    bucket = shlex.quote(ctx.spec.storage.buckets.symbols)
    create_script = f'{alias}\nmc mb --ignore-existing zymtrace/{bucket}\necho "Bucket {bucket} is ready"\n'
    extra = resources(create.jobResources)
    wait_container = {
        "name": "wait-for-minio",
        "image": image,
        "imagePullPolicy": ctx.pull_policy,
        "command": _shell(_wait_loop("MinIO", alias)),
        **env,
        **extra,
    }
    container = {
        "name": "create-buckets",
        "image": image,
        "imagePullPolicy": ctx.pull_policy,
        "command": _shell(create_script),
        **env,
        **extra,
    }
    pod = {**scheduling(ctx.spec.storage), "initContainers": [wait_container], "containers": [container]}
    return _job(ctx, "minio-init", pod, backoffLimit=5)


def bucket_check(ctx: Context) -> Obj:
    storage = ctx.spec.storage
    kind = ctx.storage_type
    bucket = shlex.quote(storage.buckets.symbols)
    args = [
        f"--bucket-name {bucket}",
        '--aws-access-key-id "${SYMDB__SYMBOL_BUCKET__AWS_ACCESS_KEY_ID}"',
        '--aws-secret-access-key "${SYMDB__SYMBOL_BUCKET__AWS_SECRET_ACCESS_KEY}"',
    ]
    if kind == "s3":
        if storage.use_existing.s3.useIAM:
            args.append('--use-iam "${SYMDB__SYMBOL_BUCKET__USE_IAM}"')
        args.append('--aws-region "${SYMDB__SYMBOL_BUCKET__AWS_REGION}"')
    if kind != "s3" or storage.use_existing.s3.endpoint:
        args.append('--aws-endpoint "${SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT}"')
    script = (
        f'echo "Checking bucket {bucket} ({kind}) at ${{SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT}}"\n'
        "zymtrace-cli check-bucket \\\n  " + " \\\n  ".join(args) + "\n"
    )
    svc = ctx.spec.services.migrate
    container: Obj = {
        "name": "bucket-check",
        "image": ctx.app_image("migrate"),
        "imagePullPolicy": ctx.pull_policy,
        "command": _shell(script),
        **env_block(ctx, env_sources(ctx, "bucket-check"), dict(svc.env)),
    }
    container.update(resources(svc.resources))
    # Field by field: services.bucket-check (the key the chart reads), else the migrate Job's placement.
    placement = {**app_scheduling(ctx, "migrate"), **scheduling(ctx.spec.services.bucket_check)}
    pod: Obj = {**placement, **pull_secrets(ctx)}
    account = service_account(ctx, "bucket-check")
    if account:
        pod["serviceAccountName"] = account
    pod["containers"] = [container]
    return _job(ctx, "bucket-check", pod, activeDeadlineSeconds=600, backoffLimit=6)
