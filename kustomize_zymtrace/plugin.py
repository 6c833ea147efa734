"""Installs the legacy kustomize exec plugin where kustomize looks for it.

The installed script pins this interpreter's absolute path, so it is valid on this machine only: it
never goes into a git work tree (where it could be committed, or overwrite the repository's own
`plugin/` script, which finds the package on PATH instead).
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from .results import ConfigError, Result

RELATIVE = Path("zymtrace.io", "v1alpha1", "zymtracebackend", "ZymtraceBackend")
# The finishing transformer that base/ and the overlays list: the same program, under its own kind.
FINISH_RELATIVE = Path("zymtrace.io", "v1alpha1", "zymtracefinish", "ZymtraceFinish")
MARKER = "installed by kustomize-zymtrace install-plugin"


class Installed(NamedTuple):
    path: Path
    home: Path
    note: str  # why the home differs from the one asked for, or ""


def config_home() -> Path:
    """kustomize's default plugin home: $XDG_CONFIG_HOME/kustomize/plugin, else ~/.config/kustomize/plugin."""
    if os.environ.get("XDG_CONFIG_HOME"):
        return Path(os.environ["XDG_CONFIG_HOME"], "kustomize", "plugin")
    return Path.home() / ".config" / "kustomize" / "plugin"


def work_tree(path: Path) -> Path | None:
    """The git work tree that contains `path` (existing or not), if any."""
    for directory in [path, *path.parents]:
        try:
            if (directory / ".git").exists():
                return directory
        except OSError:
            continue  # a directory we may not look into is no work tree we could write into either
    return None


def script(python: str) -> str:
    # Pin the interpreter that has the package, so the plugin works whatever PATH kustomize runs with.
    quoted = shlex.quote(python)
    return (
        "#!/bin/sh\n"
        f"# kustomize legacy exec plugin for ZymtraceBackend and ZymtraceFinish ({MARKER})\n"
        f"if [ -x {quoted} ]; then\n"
        f'  exec {quoted} -m kustomize_zymtrace "$@"\n'
        "fi\n"
        f"echo '[error] ZymtraceBackend plugin: {python} no longer exists (its Python environment was removed);"
        " install kustomize-zymtrace again and rerun: kustomize-zymtrace install-plugin' >&2\n"
        "exit 1\n"
    )


def choose_home(home: Path | None) -> tuple[Path, str]:
    """The plugin home to write, and a note when $KUSTOMIZE_PLUGIN_HOME had to be passed over."""
    if home is not None:
        tree = work_tree(home.absolute())
        if tree is not None:
            raise ConfigError(
                [
                    Result(
                        f"--home {home} is inside the git work tree {tree}: the installed plugin pins this "
                        "machine's Python path and must not be committed; choose a directory outside it "
                        f"(for example {config_home()})"
                    )
                ]
            )
        return home, ""
    from_env = os.environ.get("KUSTOMIZE_PLUGIN_HOME")
    if from_env:
        tree = work_tree(Path(from_env).absolute())
        if tree is None:
            return Path(from_env), ""
        return config_home(), (
            f"KUSTOMIZE_PLUGIN_HOME={from_env} is inside the git work tree {tree}; "
            f"installed into {config_home()} instead"
        )
    return config_home(), ""


def _ours(target: Path) -> bool:
    """Whether `target` is a plugin this command installed (read through the bounded reader: whatever
    sits there, a directory, a FIFO or a device, is not one)."""
    from .yamlio import read

    try:
        return MARKER.encode() in read(str(target))
    except ConfigError:
        return False


def install(home: Path | None = None) -> Installed:
    """The generator plugin and the finishing transformer, both pinned to this interpreter. Both are
    written to temporary files first and renamed into place, so a failure leaves no half-written one."""
    chosen, note = choose_home(home)
    targets = [chosen / RELATIVE, chosen / FINISH_RELATIVE]
    for target in targets:
        if os.path.lexists(target) and not _ours(target):
            raise ConfigError([Result(f"{target} exists and was not installed by install-plugin; not overwriting it")])
    staged: list[tuple[Path, Path]] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
            staged.append((Path(name), target))
            with os.fdopen(fd, "w") as handle:
                handle.write(script(sys.executable))
            os.chmod(name, 0o755)
        for temporary, target in staged:
            os.replace(temporary, target)
    except OSError as exc:
        where = exc.filename or chosen
        raise ConfigError(
            [Result(f"cannot install the plugin into {chosen}: {where}: {exc.strerror or exc}")]
        ) from None
    finally:
        for temporary, _ in staged:
            if temporary.exists():
                temporary.unlink()
    return Installed(targets[0], chosen, note)
