"""Installs the legacy kustomize exec plugin where kustomize looks for it."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

RELATIVE = Path("zymtrace.io", "v1alpha1", "zymtracebackend", "ZymtraceBackend")


def default_home() -> Path:
    """kustomize's own order: $KUSTOMIZE_PLUGIN_HOME, $XDG_CONFIG_HOME/kustomize/plugin, ~/.config/..."""
    if os.environ.get("KUSTOMIZE_PLUGIN_HOME"):
        return Path(os.environ["KUSTOMIZE_PLUGIN_HOME"])
    if os.environ.get("XDG_CONFIG_HOME"):
        return Path(os.environ["XDG_CONFIG_HOME"], "kustomize", "plugin")
    return Path.home() / ".config" / "kustomize" / "plugin"


def script(python: str) -> str:
    # Pin the interpreter that has the package, so the plugin works whatever PATH kustomize runs with.
    return (
        "#!/bin/sh\n"
        "# kustomize legacy exec plugin for ZymtraceBackend (installed by kustomize-zymtrace install-plugin)\n"
        f'exec {shlex.quote(python)} -m kustomize_zymtrace "$@"\n'
    )


def install(home: Path | None = None) -> Path:
    target = (home or default_home()) / RELATIVE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(script(sys.executable))
    target.chmod(0o755)
    return target
