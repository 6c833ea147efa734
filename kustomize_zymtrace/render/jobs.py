"""One-shot Jobs: schema migration, MinIO bucket creation, and the check of an existing bucket.

They are plain Jobs, not Helm hooks. The render pass names each after a hash of its pod template, so a
changed Job is a new Job and an unchanged one is left alone by the reconciler.
"""

from __future__ import annotations

import shlex

from .. import stores
from ..components import BUCKET_CHECK, MIGRATE, MINIO, MINIO_INIT, Job
from ..stores.storage.base import Outside
from .cloudsql import proxy_sidecars
from .context import Context, Obj
from .pods import app_scheduling, env_block, pull_secrets, resources, scheduling, workload_env
from .wiring import env_sources, service_account
from .workloads import Rendered, Workload, workload


def render(ctx: Context) -> list[Rendered]:
    jobs: list[Rendered] = []
    if not ctx.spec.global_.skipDBMigrations:
        jobs.append(migrate(ctx))
    storage = stores.storage(ctx)
    if isinstance(storage, Outside):
        jobs.append(bucket_check(ctx, storage))
    else:
        jobs.append(minio_init(ctx))
    return jobs


def _shell(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


def _wait_loop(what: str, command: str) -> str:
    return f'until {command}; do\n  echo "Waiting for {what}..."\n  sleep 5\ndone\necho "{what} is ready."\n'


def _job(ctx: Context, job: Job, pod: Obj, annotations: dict[str, str] | None = None, **spec: int) -> Workload:
    template: Obj = {"metadata": {"labels": ctx.selector(job.key)}, "spec": {**pod, "restartPolicy": "OnFailure"}}
    if annotations:
        template["metadata"]["annotations"] = dict(sorted(annotations.items()))
    obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": ctx.metadata(job.key, app=job.key),
        "spec": {**spec, "template": template},
    }
    return workload(ctx, job, obj)


def migrate(ctx: Context) -> Workload:
    spec, svc = ctx.spec, ctx.spec.services.migrate
    literals = dict(svc.env)
    # One env list: the chart's second env: block for these flags clobbered the first. The flags are for
    # zymtrace-cli alone, as in the chart: the wait containers get the Job's env without them.
    wait_env = workload_env(ctx, MIGRATE, dict(literals))
    if spec.global_.skipPostgresMigration:
        literals["SKIP_PSQL_MIGRATE"] = "true"
    if spec.global_.skipClickHouseMigration:
        literals["SKIP_CH_MIGRATE"] = "true"
    env = workload_env(ctx, MIGRATE, literals)
    extra = resources(svc.resources)
    init = proxy_sidecars(ctx, MIGRATE)
    for store in (stores.clickhouse(ctx), stores.postgres(ctx)):
        wait = store.wait(ctx)
        if wait is not None:
            command = _shell(_wait_loop(wait.what, wait.command))
            init.append(
                {"name": wait.name, "image": wait.image, "imagePullPolicy": ctx.pull_policy, "command": command}
                | wait_env
                | extra
            )
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
        "image": ctx.app_image(svc.image),
        "imagePullPolicy": ctx.pull_policy,
        "command": _shell(script),
        **env,
        **extra,
    }
    pod: Obj = {**app_scheduling(ctx, svc), **pull_secrets(ctx)}
    account = service_account(ctx, MIGRATE)
    if account:
        pod["serviceAccountName"] = account
    if init:
        pod["initContainers"] = init
    pod["containers"] = [container]
    return _job(ctx, MIGRATE, pod, svc.podAnnotations, activeDeadlineSeconds=svc.timeoutSeconds, backoffLimit=2)


def minio_init(ctx: Context) -> Workload:
    create = ctx.spec.storage.create
    image = ctx.db_image(create.image.repository, create.image.tag)
    env = env_block(ctx, [("ConfigMap", "config"), ("Secret", MINIO.server_secret)])
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
    pod = {**scheduling(MINIO_INIT.placement(ctx.spec)), "initContainers": [wait_container], "containers": [container]}
    return _job(ctx, MINIO_INIT, pod, backoffLimit=5)


def bucket_check(ctx: Context, storage: Outside) -> Workload:
    bucket = shlex.quote(ctx.spec.storage.buckets.symbols)
    args = [
        f"--bucket-name {bucket}",
        '--aws-access-key-id "${SYMDB__SYMBOL_BUCKET__AWS_ACCESS_KEY_ID}"',
        '--aws-secret-access-key "${SYMDB__SYMBOL_BUCKET__AWS_SECRET_ACCESS_KEY}"',
        *storage.check_args(ctx),
    ]
    script = (
        f'echo "Checking bucket {bucket} ({storage.kind}) at ${{SYMDB__SYMBOL_BUCKET__AWS_ENDPOINT}}"\n'
        "zymtrace-cli check-bucket \\\n  " + " \\\n  ".join(args) + "\n"
    )
    svc = ctx.spec.services.migrate
    container: Obj = {
        "name": BUCKET_CHECK.key,
        "image": ctx.app_image(svc.image),
        "imagePullPolicy": ctx.pull_policy,
        "command": _shell(script),
        **env_block(ctx, env_sources(ctx, BUCKET_CHECK), dict(svc.env)),
    }
    container.update(resources(svc.resources))
    # Field by field: services.bucket-check (the key the chart reads), else the migrate Job's placement.
    placement = {**app_scheduling(ctx, svc), **scheduling(ctx.spec.services.bucket_check)}
    pod: Obj = {**placement, **pull_secrets(ctx)}
    account = service_account(ctx, BUCKET_CHECK)
    if account:
        pod["serviceAccountName"] = account
    pod["containers"] = [container]
    return _job(ctx, BUCKET_CHECK, pod, activeDeadlineSeconds=600, backoffLimit=6)
