"""Checks of the databases, their volumes and object storage."""

from __future__ import annotations

import re

from ..components import DATABASES
from ..model.scalars import CLOUDSQL_INSTANCE as CLOUDSQL_PATTERN
from ..model.scalars import gcs_bucket_problem, s3_bucket_problem
from ..results import Result, error, warning
from ..settings import Settings
from .common import shown, url

CLOUDSQL_INSTANCE = re.compile(f"^{CLOUDSQL_PATTERN}$")


def clickhouse(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    ch, out = spec.clickhouse, []
    if ch.mode == "use_existing":
        host = ch.use_existing.host
        if not host:
            out.append(error("spec.clickhouse.use_existing.host", "required with mode use_existing"))
        elif not url(host):
            out.append(
                error("spec.clickhouse.use_existing.host", f"must start with http:// or https:// (found {shown(host)})")
            )
    return out


def postgres(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    pg, out = spec.postgres, []
    where = f"spec.postgres.{pg.mode}"
    if pg.mode in ("use_existing", "aws_aurora") and not getattr(pg, pg.mode).host:
        out.append(error(f"{where}.host", f"required with mode {pg.mode}"))
    if pg.mode == "aws_aurora" and not pg.aws_aurora.region:
        out.append(error(f"{where}.region", "required with mode aws_aurora (IAM tokens are signed per region)"))
    if pg.mode == "use_existing":
        existing = pg.use_existing
        if existing.useIAM and not existing.awsIamRegion:
            out.append(error(f"{where}.awsIamRegion", "required with useIAM: aws"))
        if not existing.useIAM and not existing.password_credential.given:
            out.append(warning(f"{where}.password", "no password and no passwordSecretName: connecting without one"))
    if pg.mode == "gcp_cloudsql":
        out += _cloudsql(ctx)
    elif pg.gcp_cloudsql.instance and not CLOUDSQL_INSTANCE.match(pg.gcp_cloudsql.instance):
        # Unused in this mode, yet the JSON Schema (and so the editor) rejects it: say so here too.
        out.append(_bad_instance(pg.gcp_cloudsql.instance))
    return out


def _bad_instance(instance: str) -> Result:
    return error("spec.postgres.gcp_cloudsql.instance", f"must be PROJECT:REGION:INSTANCE (found {shown(instance)})")


def _cloudsql(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    sql, out = spec.postgres.gcp_cloudsql, []
    where = "spec.postgres.gcp_cloudsql"
    if not sql.instance:
        out.append(error(f"{where}.instance", "required with mode gcp_cloudsql (PROJECT:REGION:INSTANCE)"))
    elif not CLOUDSQL_INSTANCE.match(sql.instance):
        out.append(_bad_instance(sql.instance))
    if not sql.user:
        out.append(error(f"{where}.user", "required with mode gcp_cloudsql (the IAM database user)"))
    proxy_sa, sa = sql.proxy.serviceAccount, sql.serviceAccount
    if proxy_sa and sa and proxy_sa != sa:
        out.append(warning(f"{where}.proxy.serviceAccount", f"wins over {where}.serviceAccount ({shown(sa)})"))
    if sql.workloadIdentity.enabled and not (proxy_sa or sa):
        out.append(
            warning(f"{where}.serviceAccount", "empty: the proxy runs as the namespace's default ServiceAccount")
        )
    if sql.proxy.placement == "sidecar" and sql.hpa.enabled:
        out.append(warning(f"{where}.hpa.enabled", "ignored with proxy.placement sidecar (no proxy Deployment)"))
    return out


def data_volumes(ctx: Settings) -> list[Result]:
    out = []
    for database in DATABASES:
        if not ctx.in_cluster(database):
            continue
        section = database.mode_section
        values = ctx.at(section)
        volume, where = values.create.storage, f"spec.{section}.create.storage"
        if volume.type == "existing_pvc" and not volume.existing_pvc.pvcName:
            out.append(error(f"{where}.existing_pvc.pvcName", "required with storage.type existing_pvc"))
        if volume.type != "existing_pvc" and volume.existing_pvc.pvcName:
            out.append(
                error(
                    f"{where}.existing_pvc.pvcName",
                    f"set, but storage.type is {volume.type!r}: set type existing_pvc for the claim to be used",
                )
            )
        if values.create.replicas > 1:
            out.append(warning(f"spec.{section}.create.replicas", "all replicas would share one ReadWriteOnce volume"))
    return out


def object_storage(ctx: Settings) -> list[Result]:
    spec = ctx.spec
    storage, out = spec.storage, []
    gcs = storage.mode == "use_existing" and storage.use_existing.type == "gcs"
    out += _bucket("spec.storage.buckets.symbols", storage.buckets.symbols, gcs)
    out += _bucket("spec.globalSymbolization.config.bucketName", spec.globalSymbolization.config.bucketName, False)
    if storage.mode != "use_existing":
        return out
    kind = storage.use_existing.type
    section = getattr(storage.use_existing, kind)
    where = f"spec.storage.use_existing.{kind}"
    # MinIO and GCS need an endpoint; S3's is optional (the chart's bucket-check checks, inventory 6.3).
    if (kind != "s3" or section.endpoint) and not url(section.endpoint):
        found = shown(section.endpoint)
        out.append(error(f"{where}.endpoint", f"must be a URL starting with http:// or https:// (found {found})"))
    if kind == "s3":
        if not section.region:
            out.append(error(f"{where}.region", "required for S3"))
        if section.useIAM:
            return out
    for key in storage.use_existing.bucket_keys():
        if key.given:
            continue
        field = key.field
        if kind == "s3":  # the seed's own S3 example leaves both keys empty: allowed, but said out loud
            message = f"empty: the pod's default AWS credentials are used (set {field}, {field}SecretName or useIAM)"
            out.append(warning(f"{where}.{field}", message))
        else:
            out.append(error(f"{where}.{field}", f"required: set {field} or {field}SecretName"))
    return out


def _bucket(path: str, name: str, gcs: bool) -> list[Result]:
    """The store's own naming rules (the model checks the shape every store shares)."""
    if not name:
        return []
    problem = gcs_bucket_problem(name) if gcs else s3_bucket_problem(name)
    return [error(path, f"{problem} (found {shown(name)})")] if problem else []


RULES = (clickhouse, postgres, data_volumes, object_storage)
