"""The in-cluster databases: ClickHouse, PostgreSQL and MinIO, each a StatefulSet, a Service and a volume.

The three differ only in their registry entries (components.py): probes, arguments, configuration files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import stores
from ..components import DATABASES, Database
from .context import Context, Obj
from .pods import env_block, exec_probe, resources, scheduling
from .workloads import Rendered, Workload, workload

if TYPE_CHECKING:
    from ..model.base import DataVolume

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
# The contents of the databases' configuration files (components.Database.config_file), by file name.
CONFIG_FILES = {"system-logs.xml": CLICKHOUSE_SYSTEM_LOGS}


def render(ctx: Context) -> list[Rendered]:
    objects: list[Rendered] = []
    for db in DATABASES:
        if not stores.in_cluster(ctx, db):
            continue
        if db.config_file is not None:
            objects.append(_config_file(ctx, db.config_file))
        claim = persistent_volume_claim(ctx, db, db.create(ctx.spec).storage)
        if claim:
            objects.append(claim)
        objects.append(_statefulset(ctx, db))
        objects.append(_service(ctx, db, _ports(ctx, db)))
    return objects


def _ports(ctx: Context, db: Database) -> list[tuple[str, int]]:
    return [(port.name, port.number(ctx.spec)) for port in db.ports]


def persistent_volume_claim(ctx: Context, db: Database, volume: DataVolume) -> Obj | None:
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


def _data_volume(ctx: Context, db: Database, volume: DataVolume) -> tuple[Obj, Obj]:
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


def _container(ctx: Context, db: Database) -> tuple[Obj, list[Obj]]:
    """The server container and the pod's volumes."""
    create = db.create(ctx.spec)
    volume, mount = _data_volume(ctx, db, create.storage)
    container: Obj = {
        "name": ctx.name(db.key),
        "image": ctx.db_image(create.image.repository, create.image.tag),
        "imagePullPolicy": ctx.pull_policy,
    }
    container.update(resources(create.resources))
    volumes, mounts = [volume], [mount]
    if db.config_file is not None:
        config_map, file, path = db.config_file
        mounts.append({"name": "config", "mountPath": path, "subPath": file})
        volumes.append({"name": "config", "configMap": {"name": ctx.name(config_map)}})
    if db.args is not None:
        container["args"] = db.args(ctx.spec)
    check = db.check(ctx.spec)
    live, ready = db.timings(ctx.spec)
    container["ports"] = [{"name": name, "containerPort": port} for name, port in _ports(ctx, db)]
    container.update(env_block(ctx, [("ConfigMap", "config"), ("Secret", db.server_secret)]))
    container["volumeMounts"] = mounts
    container["livenessProbe"], container["readinessProbe"] = exec_probe(check, live), exec_probe(check, ready)
    return container, volumes


def _statefulset(ctx: Context, db: Database) -> Workload:
    container, volumes = _container(ctx, db)
    pod: Obj = {**scheduling(db.placement(ctx.spec)), "containers": [container], "volumes": volumes}
    obj = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": ctx.metadata(db.key, app=db.key),
        "spec": {
            "serviceName": ctx.name(db.key),
            "replicas": db.create(ctx.spec).replicas,
            "selector": {"matchLabels": ctx.selector(db.key)},
            "template": {"metadata": {"labels": ctx.selector(db.key)}, "spec": pod},
        },
    }
    return workload(ctx, db, obj)


def _service(ctx: Context, db: Database, ports: list[tuple[str, int]]) -> Obj:
    spec: Obj = {"clusterIP": "None"} if db.headless else {"type": "ClusterIP"}
    spec["ports"] = [{"name": name, "port": port, "targetPort": name} for name, port in ports]
    spec["selector"] = ctx.selector(db.key)
    return {"apiVersion": "v1", "kind": "Service", "metadata": ctx.metadata(db.key), "spec": spec}


def _config_file(ctx: Context, config_file: tuple[str, str, str]) -> Obj:
    config_map, file, _ = config_file
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": ctx.metadata(config_map),
        "data": {file: CONFIG_FILES[file]},
    }
