"""Pieces of pod specs shared by every workload: scheduling, env wiring, probes, pull secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..values import plain
from .context import Context, Obj
from .wiring import env_from, env_sources

if TYPE_CHECKING:
    from ..components import Component
    from ..model.base import Resources
    from ..model.kube import Scheduling


def _placement(group: Scheduling) -> Obj:
    return {"nodeSelector": group.nodeSelector, "tolerations": group.tolerations, "affinity": group.affinity}


def scheduling(own: Scheduling, fallback: Scheduling | None = None) -> Obj:
    """Each field from `own` when set, else from `fallback`, as a whole (the chart never merges them)."""
    mine, shared = _placement(own), _placement(fallback) if fallback is not None else {}
    out: Obj = {}
    for name, value in mine.items():
        chosen = plain(value) or (plain(shared[name]) if shared else None)
        if chosen:
            out[name] = chosen
    return out


def app_scheduling(ctx: Context, own: Scheduling) -> Obj:
    """Services, migrate and bucket-check: services.<service>.*, else services.common.*."""
    return scheduling(own, ctx.spec.services.common)


def env_block(ctx: Context, sources: list[tuple[str, str]], literals: dict[str, str] | None = None) -> Obj:
    """envFrom for `sources` plus env: literal values first (sorted), then the user-Secret references
    of every generated Secret the container loads. A name given twice keeps its first entry."""
    env: list[Obj] = [{"name": key, "value": value} for key, value in sorted((literals or {}).items())]
    for kind, suffix in sources:
        if kind == "Secret" and suffix in ctx.secrets:
            env += ctx.secrets[suffix].refs
    unique: list[Obj] = []
    for entry in env:
        if all(entry["name"] != kept["name"] for kept in unique):
            unique.append(entry)
    block: Obj = {"envFrom": env_from(ctx, sources)}
    if unique:
        block["env"] = unique
    return block


def workload_env(ctx: Context, workload: Component, literals: dict[str, str] | None = None) -> Obj:
    return env_block(ctx, env_sources(ctx, workload), literals)


def http_probe(path: str, port: int | str, initial: int, period: int, *, timeout: int = 0, failure: int = 0) -> Obj:
    probe: Obj = {"httpGet": {"path": path, "port": port}, "initialDelaySeconds": initial, "periodSeconds": period}
    if timeout:
        probe["timeoutSeconds"] = timeout
    if failure:
        probe["failureThreshold"] = failure
    return probe


def exec_probe(command: list[str], timing: Mapping[str, int]) -> Obj:
    return {"exec": {"command": command}, **timing}


def pull_secrets(ctx: Context) -> Obj:
    return {"imagePullSecrets": [{"name": ctx.pull_secret}]} if ctx.pull_secret else {}


def resources(model: Resources) -> Obj:
    """`{"resources": ...}` for a container from a Resources model, without empty requests/limits; {} when
    both are empty, so callers can splice it into a container."""
    block = {key: dict(value) for key, value in (("requests", model.requests), ("limits", model.limits)) if value}
    return {"resources": block} if block else {}
