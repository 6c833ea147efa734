"""Validated model -> Kubernetes objects: one pure renderer per component, then the whole-output rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import compiled
from ..results import ConfigError, Result, error, warning
from . import (
    autoscaling,
    cloudsql,
    configmaps,
    databases,
    ingress,
    jobs,
    monitoring,
    network_policies,
    secrets,
    services,
)
from .context import GENERATED_BY, Context, Obj
from .credentials import Inline
from .render_pass import render_pass
from .workloads import Workload, objects_of

COMPONENTS = (
    configmaps,
    secrets,
    databases,
    cloudsql,
    services,
    jobs,
    autoscaling,
    network_policies,
    ingress,
    monitoring,
)

if TYPE_CHECKING:
    from ..model import ZymtraceBackend

__all__ = ["GENERATED_BY", "Context", "Obj", "objects", "prepare", "render", "render_with_findings"]


def render(backend: ZymtraceBackend) -> list[Obj]:
    return render_with_findings(backend)[0]


def render_with_findings(backend: ZymtraceBackend) -> tuple[list[Obj], list[Result]]:
    """The objects, and warnings about what they contain (credentials written inline)."""
    ctx, findings = prepare(backend)
    return objects(ctx), findings


def prepare(backend: ZymtraceBackend) -> tuple[Context, list[Result]]:
    """Everything that can still fail, before any object is produced: the context and its findings.
    Adapters that stream (KRM) prepare every instance first, so an error leaves no output behind."""
    ctx = Context(backend)
    findings = plaintext_findings(ctx)
    if backend.spec.gitops.strictSecrets and findings:
        # A production pipeline asked for no plaintext at all: each inline credential is an error.
        raise ConfigError([error(f.path, f"{f.message} (spec.gitops.strictSecrets)") for f in findings])
    return ctx, findings


def objects(ctx: Context) -> list[Obj]:
    """The finished objects of a prepared context, in apply order."""
    return render_with_workloads(ctx)[0]


def render_with_workloads(ctx: Context) -> tuple[list[Obj], list[Workload]]:
    """The finished objects, and the record of each workload among them (its component, as declared):
    for readers that want to know what a workload is without guessing it from labels."""
    rendered = [item for component in COMPONENTS for item in component.render(ctx)]
    return render_pass(ctx, objects_of(rendered)), [item for item in rendered if isinstance(item, Workload)]


def plaintext_findings(ctx: Context) -> list[Result]:
    """A warning per credential written inline into a generated Secret (so into git, unencrypted)."""
    holders: dict[str, list[str]] = {}
    inline: dict[str, Inline] = {}
    for suffix, material in ctx.secrets.items():
        for path, value in material.inline.items():
            holders.setdefault(path, []).append(ctx.name(suffix))
            inline[path] = value
    findings = []
    for path, owners in holders.items():
        public = " It is the chart's public default." if is_public_default(path, inline[path].value) else ""
        message = (
            f"written in plain text into Secret {' and '.join(owners)}; reference {inline[path].instead} instead."
            f"{public}"
        )
        findings.append(warning(path, message))
    return findings


def is_public_default(path: str, value: str) -> bool:
    """The value is the chart's published default at that field: no secret at all."""
    return value == _default_at(path)


def _default_at(path: str) -> object:
    """The model's default at a field path such as spec.postgres.create.config.password."""
    node: object = compiled.defaults()
    for key in path.split(".")[1:]:
        node = node.get(key) if isinstance(node, dict) else None
    return node
