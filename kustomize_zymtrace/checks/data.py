"""Checks of the databases, their volumes and object storage: each store mode checks its own section
(stores/); what holds in every mode is checked here."""

from __future__ import annotations

from .. import stores
from ..components import DATABASES
from ..model.scalars import gcs_bucket_problem, s3_bucket_problem
from ..results import Result, error, shown, warning
from ..settings import Settings
from ..stores.postgres.base import instance_shape


def clickhouse(ctx: Settings) -> list[Result]:
    return stores.clickhouse(ctx).checks(ctx)


def postgres(ctx: Settings) -> list[Result]:
    store = stores.postgres(ctx)
    out = store.checks(ctx)
    if not store.uses_proxy:
        out += instance_shape(ctx)  # unused in this mode, yet the editor's schema rejects it
    return out


def data_volumes(ctx: Settings) -> list[Result]:
    out = []
    for database in DATABASES:
        if not stores.in_cluster(ctx, database):
            continue
        create = database.create(ctx.spec)
        volume, where = create.storage, f"spec.{database.path}.storage"
        if volume.type == "existing_pvc" and not volume.existing_pvc.pvcName:
            out.append(error(f"{where}.existing_pvc.pvcName", "required with storage.type existing_pvc"))
        if volume.type != "existing_pvc" and volume.existing_pvc.pvcName:
            out.append(
                error(
                    f"{where}.existing_pvc.pvcName",
                    f"set, but storage.type is {volume.type!r}: set type existing_pvc for the claim to be used",
                )
            )
        if create.replicas > 1:
            out.append(warning(f"spec.{database.path}.replicas", "all replicas would share one ReadWriteOnce volume"))
    return out


def object_storage(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    store = stores.storage(ctx)
    out = _bucket("spec.storage.buckets.symbols", spec.storage.buckets.symbols, store.gcs_names)
    out += _bucket("spec.globalSymbolization.config.bucketName", spec.globalSymbolization.config.bucketName, False)
    return out + store.checks(ctx)


def _bucket(path: str, name: str, gcs: bool) -> list[Result]:
    """The store's own naming rules (the model checks the shape every store shares)."""
    if not name:
        return []
    problem = gcs_bucket_problem(name) if gcs else s3_bucket_problem(name)
    return [error(path, f"{problem} (found {shown(name)})")] if problem else []


RULES = (clickhouse, postgres, data_volumes, object_storage)
