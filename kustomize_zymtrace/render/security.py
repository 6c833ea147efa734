"""Pod and container hardening, from what each image needs (docs/security.md explains every row).

baseline (default): seccomp RuntimeDefault, no privilege escalation, no service-account token, and
every capability dropped where the process needs none (NET_RAW only where the image's entrypoint
switches users or binds a low port as root). restricted: the Pod Security Standards restricted
profile: non-root users, all capabilities dropped, read-only root filesystems with scratch volumes.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..values import merge_values, plain, strip_nulls
from .context import Context, Obj


class Needs(NamedTuple):
    user: int  # the uid it runs as under restricted (the image's own user where it has one)
    drop_all: bool  # baseline can drop every capability: the process never needs root's powers
    writable: tuple[str, ...]  # paths written outside mounted volumes: scratch volumes when read-only
    low_port: bool = False  # binds a port below 1024
    non_root_image: bool = False  # the image itself runs as a non-root user with nothing to write


IMAGES: dict[str, Needs] = {
    "backend": Needs(65532, True, ("/tmp",)),
    "gateway": Needs(101, False, ("/tmp",), low_port=True),
    "ui": Needs(101, False, ("/tmp", "/var/cache/nginx", "/var/run"), low_port=True),
    "clickhouse": Needs(101, False, ("/tmp", "/var/log/clickhouse-server", "/etc/clickhouse-server/users.d")),
    "postgres": Needs(999, False, ("/tmp", "/var/run/postgresql")),
    "minio": Needs(1000, False, ("/tmp", "/.minio")),
    "proxy": Needs(65532, True, (), non_root_image=True),  # distroless, user nonroot
    "clickhouse-client": Needs(101, True, ("/tmp",)),
    "postgres-client": Needs(999, True, ("/tmp",)),
    "minio-client": Needs(1000, True, ("/tmp", "/.mc")),
}

# Container name (without the prefix) -> the image family it runs.
CONTAINERS: dict[str, str] = {
    "gateway": "gateway",
    "ui": "ui",
    "identity": "backend",
    "ingest": "backend",
    "symdb": "backend",
    "web": "backend",
    "migrate": "backend",
    "bucket-check": "backend",
    "clickhouse": "clickhouse",
    "postgres": "postgres",
    "minio": "minio",
    "cloud-sql-proxy": "proxy",
    "wait-for-clickhouse": "clickhouse-client",
    "wait-for-postgres": "postgres-client",
    "wait-for-gcp-cloudsql": "postgres-client",
    "wait-for-minio": "minio-client",
    "create-buckets": "minio-client",
}


def _overrides(ctx: Context, workload: str) -> Any:
    """The config section whose podSecurityContext/securityContext apply to a workload (by app name)."""
    spec = ctx.spec
    sections = {
        "migrate": spec.services.migrate,
        "bucket-check": spec.services.migrate,
        "minio-init": spec.storage.create,
        "minio": spec.storage.create,
        "clickhouse": spec.clickhouse.create,
        "postgres": spec.postgres.create,
        "postgres-proxy": spec.postgres.gcp_cloudsql.proxy,
    }
    return sections.get(workload) or getattr(spec.services, workload)


def _merged(*layers: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for layer in layers:
        result = merge_values(result, layer)
    return strip_nulls(result)


def _scratch_name(path: str) -> str:
    return "scratch" + path.replace("/", "-").replace(".", "")


def harden(ctx: Context, workload: Obj) -> None:
    pod = workload["spec"]["template"]["spec"]
    app = workload["spec"]["template"]["metadata"]["labels"]["app"].removeprefix(f"{ctx.prefix}-")
    overrides = _overrides(ctx, app)
    security = ctx.spec.security
    restricted = security.profile == "restricted"
    containers = pod.get("initContainers", []) + pod["containers"]
    needs = [IMAGES[CONTAINERS[c["name"].removeprefix(f"{ctx.prefix}-")]] for c in containers]
    pod_context: Obj = {}
    if restricted:
        main = needs[len(pod.get("initContainers", []))]
        pod_context = {"runAsNonRoot": True, "runAsUser": main.user, "runAsGroup": main.user, "fsGroup": main.user}
        if any(need.low_port for need in needs):
            # Non-root processes may bind port 80 (a safe sysctl, allowed by the restricted profile).
            pod_context["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
        _add_scratch_volumes(pod, containers, needs)
    pod_context["seccompProfile"] = {"type": "RuntimeDefault"}
    pod["securityContext"] = _merged(
        pod_context, plain(security.podSecurityContext), plain(overrides.podSecurityContext)
    )
    pod["automountServiceAccountToken"] = security.automountServiceAccountToken
    for container, need in zip(containers, needs, strict=True):
        context: Obj = {"allowPrivilegeEscalation": False}
        if restricted or need.non_root_image:
            context.update(runAsNonRoot=True, runAsUser=need.user, readOnlyRootFilesystem=True)
        context["capabilities"] = {"drop": ["ALL"] if restricted or need.drop_all else ["NET_RAW"]}
        container["securityContext"] = _merged(
            context, plain(security.containerSecurityContext), plain(overrides.securityContext)
        )


def _add_scratch_volumes(pod: Obj, containers: list[Obj], needs: list[Needs]) -> None:
    paths = sorted({path for need in needs for path in need.writable})
    pod.setdefault("volumes", []).extend({"name": _scratch_name(path), "emptyDir": {}} for path in paths)
    for container, need in zip(containers, needs, strict=True):
        mounts = container.setdefault("volumeMounts", [])
        mounts.extend({"name": _scratch_name(path), "mountPath": path} for path in need.writable)
