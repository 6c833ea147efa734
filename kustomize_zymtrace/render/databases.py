"""The in-cluster databases: ClickHouse, PostgreSQL and MinIO, each a StatefulSet, a Service and a volume.

The three differ only in their registry entries (components.py) and a few container details.
"""

from __future__ import annotations

from typing import Any

from ..components import DATABASES, Component
from .context import Context, Obj
from .pods import env_block, exec_probe, resources, scheduling

CLICKHOUSE_SYSTEM_LOGS = """<clickhouse>
    <query_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></query_log>
    <query_thread_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></query_thread_log>
    <trace_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></trace_log>
    <metric_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></metric_log>
    <asynchronous_metric_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></asynchronous_metric_log>
    <session_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></session_log>
    <part_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></part_log>
    <text_log><ttl>event_time + INTERVAL 23 HOUR DELETE</ttl></text_log>
</clickhouse>
"""


def render(ctx: Context) -> list[Obj]:
    objects: list[Obj] = []
    for db in DATABASES:
        if not ctx.in_cluster(db):
            continue
        section = ctx.at(db.mode_section)
        if db.key == "clickhouse":
            objects.append(_clickhouse_config(ctx))
        claim = persistent_volume_claim(ctx, db, section.create.storage)
        if claim:
            objects.append(claim)
        objects.append(_statefulset(ctx, db, section))
        objects.append(_service(ctx, db, _ports(ctx, db)))
    return objects


def _ports(ctx: Context, db: Component) -> list[tuple[str, int]]:
    return [(port.name, ctx.port_number(db, port)) for port in db.ports]


def persistent_volume_claim(ctx: Context, db: Component, volume: Any) -> Obj | None:
    if volume.type != "persistent":
        return None
    spec: Obj = {"accessModes": ["ReadWriteOnce"]}
    if volume.className:
        spec["storageClassName"] = volume.className
    spec["resources"] = {"requests": {"storage": volume.size}}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": ctx.metadata(db.key, app=db.key),
        "spec": spec,
    }


def _data_volume(ctx: Context, db: Component, volume: Any) -> tuple[Obj, Obj]:
    """(volume, volumeMount) of the data directory for a storage.type (chart 3.0.7)."""
    mount: Obj = {"name": "data", "mountPath": db.data_mount}
    if volume.type == "empty_dir":
        return {"name": "data", "emptyDir": {}}, mount
    claim = ctx.name(db.key)
    if volume.type == "existing_pvc":
        claim = volume.existing_pvc.pvcName
        if volume.existing_pvc.subPath:
            mount["subPath"] = volume.existing_pvc.subPath
    return {"name": "data", "persistentVolumeClaim": {"claimName": claim}}, mount


def _container(ctx: Context, db: Component, section: Any) -> tuple[Obj, list[Obj]]:
    """The server container and the pod's volumes."""
    create = section.create
    volume, mount = _data_volume(ctx, db, create.storage)
    container: Obj = {
        "name": ctx.name(db.key),
        "image": ctx.db_image(create.image.repository, create.image.tag),
        "imagePullPolicy": ctx.pull_policy,
    }
    container.update(resources(create.resources))
    volumes, mounts = [volume], [mount]
    if db.key == "clickhouse":
        check = ["clickhouse-client", "--query", "SELECT 1"]
        probes = (exec_probe(check, create.healthProbes.liveness), exec_probe(check, create.healthProbes.readiness))
        mounts.append(
            {
                "name": "config",
                "mountPath": "/etc/clickhouse-server/config.d/system-logs.xml",
                "subPath": "system-logs.xml",
            }
        )
        volumes.append({"name": "config", "configMap": {"name": ctx.name("clickhouse-config")}})
    elif db.key == "postgres":
        # The chart probes as user postgres whatever the configured user; pg_isready only needs a role name.
        check = ["pg_isready", "-U", create.config.user]
        live = {"initialDelaySeconds": 60, "periodSeconds": 30, "timeoutSeconds": 5, "failureThreshold": 10}
        ready = {"initialDelaySeconds": 30, "periodSeconds": 10, "timeoutSeconds": 5}
        probes = ({"exec": {"command": check}, **live}, {"exec": {"command": check}, **ready})
    else:
        container["args"] = ["server", "/data", "--console-address", f":{create.service.console.port}"]
        check = ["mc", "ready", "local"]
        probes = (exec_probe(check, create.healthProbes.liveness), exec_probe(check, create.healthProbes.readiness))
    container["ports"] = [{"name": name, "containerPort": port} for name, port in _ports(ctx, db)]
    container.update(env_block(ctx, [("ConfigMap", "config"), ("Secret", db.server_secret)]))
    container["volumeMounts"] = mounts
    container["livenessProbe"], container["readinessProbe"] = probes
    return container, volumes


def _statefulset(ctx: Context, db: Component, section: Any) -> Obj:
    container, volumes = _container(ctx, db, section)
    pod: Obj = {**scheduling(section), "containers": [container], "volumes": volumes}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": ctx.metadata(db.key, app=db.key),
        "spec": {
            "serviceName": ctx.name(db.key),
            "replicas": section.create.replicas,
            "selector": {"matchLabels": ctx.selector(db.key)},
            "template": {"metadata": {"labels": ctx.selector(db.key)}, "spec": pod},
        },
    }


def _service(ctx: Context, db: Component, ports: list[tuple[str, int]]) -> Obj:
    spec: Obj = {"clusterIP": "None"} if db.headless else {"type": "ClusterIP"}
    spec["ports"] = [{"name": name, "port": port, "targetPort": name} for name, port in ports]
    spec["selector"] = ctx.selector(db.key)
    return {"apiVersion": "v1", "kind": "Service", "metadata": ctx.metadata(db.key), "spec": spec}


def _clickhouse_config(ctx: Context) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": ctx.metadata("clickhouse-config"),
        "data": {"system-logs.xml": CLICKHOUSE_SYSTEM_LOGS},
    }
