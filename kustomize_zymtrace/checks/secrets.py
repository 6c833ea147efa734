"""Credentials written where no Secret holds them: extra environment variables whose names say they carry
one (the credential fields themselves are reported by the render, which knows the Secret each goes to)."""

from __future__ import annotations

from ..model.scalars import is_secret_name
from ..results import Result, error, warning
from ..settings import Settings

STRICT = "spec.gitops.strictSecrets"


def env_credentials(ctx: Settings) -> list[Result]:
    """A variable named like a credential (model/scalars.is_secret_name: the name contains password, secret,
    token, apikey, accesskey, privatekey or licensekey, ignoring case, '_', '-' and '.', or is key, cert or
    ca) with a literal value: plain text in the output. A warning, an error under gitops.strictSecrets."""
    strict = ctx.spec.gitops.strictSecrets
    out = []
    for section, values in vars(ctx.spec.services).items():
        env = getattr(values, "env", None) or {}
        where = _holder(ctx, section)
        for name, value in env.items():
            if value == "" or not is_secret_name(name):
                continue
            message = (
                f"looks like a credential and is written in plain text into {where}; set it from a Secret "
                "instead (a kustomize patch adding the variable with valueFrom.secretKeyRef)"
            )
            path = f"spec.services.{section}.env.{name}"
            out.append(error(path, f"{message} ({STRICT})") if strict else warning(path, message))
    return out


def _holder(ctx: Settings, section: str) -> str:
    if section == "common":
        return f"ConfigMap {ctx.name('config')}"
    if section == "migrate":
        return "the migrate Job"
    return f"Deployment {ctx.name(section)}"


RULES = (env_credentials,)
