"""`kustomize-zymtrace init`: a ready layout in a user's repository, for plain kustomize, kpt, Flux or
Argo CD. Every file comes from templates/ (package data), filled in with the config's name and
namespace and, where a tool reads a path from the repository's root (Flux, Argo CD, CI), the
directory's path there.

Writing never replaces anything: when one file (or another kustomization file kustomize would read
instead) is there already, nothing is written; when a write fails half-way, what this run wrote is
removed again.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

from .. import __version__
from ..results import ConfigError, Result

VARIANTS = ("kustomize", "kpt", "flux", "argocd")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
# A path Flux, Argo CD and a CI script read, written plain into YAML and shell.
PLAIN_PATH = re.compile(r"[A-Za-z0-9._/-]+")
REPO_URL_PLACEHOLDER = "https://github.com/YOUR-ORG/YOUR-REPOSITORY"


class File(NamedTuple):
    template: str  # under templates/
    target: str  # under DIR
    role: str  # what it is, shown after writing
    executable: bool = False


KUSTOMIZE = (
    File("kustomization.yaml", "kustomization.yaml", "builds the backend: the generator, then the finishing pass"),
    File("generator-kustomization.yaml", "generator/kustomization.yaml", "the generator directory"),
    File("config.yaml", "generator/zymtrace.yaml", "the config: edit it"),
    File("finish-kustomization.yaml", "finish/kustomization.yaml", "the finishing transformer, for transformers:"),
    File("finish.yaml", "finish/finish.yaml", "its config"),
)
LAYOUTS: dict[str, tuple[File, ...]] = {
    "kustomize": KUSTOMIZE,
    "kpt": (
        File("Kptfile", "Kptfile", "the package: the generator, then the finishing pass"),
        File("config.yaml", "zymtrace.yaml", "the config: edit it"),
        File("finish.yaml", "finish.yaml", "the finishing pass's config"),
    ),
    "flux": (
        *KUSTOMIZE,
        File("hydrate.sh", "hydrate.sh", "renders the kustomization into hydrated/ (CI runs it)", executable=True),
        File("ci-workflow.yaml", "ci-workflow.yaml", "a GitHub Actions workflow: copy it to .github/workflows/"),
        File("flux.yaml", "flux/zymtrace.yaml", "the Flux objects that apply hydrated/ in stages"),
    ),
    "argocd": (*KUSTOMIZE, File("application.yaml", "argocd/application.yaml", "the Argo CD Application")),
}
# What each variant adds to spec.gitops.
GITOPS = {"argocd": "    argocd:\n      syncWaves: true # configuration, databases, Jobs, services in turn"}


class Layout(NamedTuple):
    directory: Path
    variant: str
    files: list[tuple[File, str]]  # each file with its text


def plan(directory: Path, variant: str, name: str, namespace: str, repo_url: str = "") -> Layout:
    """The files of `variant` for `directory`, filled in; a ConfigError when they cannot be written."""
    root, path = _place(directory, needs_plain=variant in ("flux", "argocd"))
    values = {
        "name": name,
        "namespace": namespace,
        "path": path,
        "root": root,
        "flux_path": "./" + posixpath.normpath(posixpath.join(path, "hydrated")),
        "repo_url": json.dumps(repo_url or _origin(directory) or REPO_URL_PLACEHOLDER),
        "version": __version__,
        "gitops": GITOPS.get(variant, ""),
    }
    templates = files(__package__).joinpath("templates")
    layout = Layout(
        directory, variant, [(f, _fill(templates.joinpath(f.template).read_text(), values)) for f in LAYOUTS[variant]]
    )
    _check_config(layout)
    return layout


def _fill(text: str, values: dict[str, str]) -> str:
    """Each {{key}} replaced; a line that is only a placeholder whose value is empty goes away."""
    lines = []
    for line in text.splitlines(keepends=True):
        whole = PLACEHOLDER.fullmatch(line.strip())
        if whole and not values[whole.group(1)]:
            continue
        if whole:
            lines.append(values[whole.group(1)] + "\n")
        else:
            lines.append(PLACEHOLDER.sub(lambda m: values[m.group(1)], line))
    return "".join(lines)


def _check_config(layout: Layout) -> None:
    """The config as written must render: a bad --name or --namespace is reported before anything is written."""
    from ..loading import load_file_text

    for file, text in layout.files:
        if file.template == "config.yaml":
            load_file_text(text, str(layout.directory / file.target))


def _place(directory: Path, *, needs_plain: bool) -> tuple[str, str]:
    """(what paths are relative to, in words; the directory's path from there, '/'-separated). Flux, Argo
    CD and CI read paths from the repository's root: the nearest parent with .git, else the current
    directory."""
    absolute = Path(os.path.abspath(directory))
    root = next((p for p in (absolute, *absolute.parents) if (p / ".git").exists()), None)
    base, words = (root, "the repository's root") if root else (Path.cwd(), "this directory")
    try:
        relative = absolute.relative_to(base).as_posix() or "."
    except ValueError:
        if not needs_plain:
            return "anywhere", str(absolute)
        raise ConfigError(
            [
                Result(
                    f"{directory}: not inside a git repository nor the current directory: Flux and Argo CD read "
                    "paths from the repository's root; run init inside your repository"
                )
            ]
        ) from None
    if needs_plain and not PLAIN_PATH.fullmatch(relative):
        raise ConfigError(
            [
                Result(
                    f"{relative}: Flux, Argo CD and the CI script read this path: use letters, digits, '.', '_', "
                    "'-' and '/' only"
                )
            ]
        )
    return words, relative


def _origin(directory: Path) -> str:
    """The repository's `origin` URL, for the Argo CD Application ('' when there is none)."""
    absolute = Path(os.path.abspath(directory))
    start = next(p for p in (absolute, *absolute.parents) if p.is_dir())
    try:
        found = subprocess.run(
            ["git", "-C", str(start), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return found.stdout.strip() if found.returncode == 0 else ""


def conflicts(layout: Layout) -> list[Result]:
    """Everything in the way: a file of the layout that exists, another kustomization file beside one of
    ours (kustomize refuses a directory with two), a path whose parent is not a directory."""
    found = []
    for file, _ in layout.files:
        target = layout.directory / file.target
        siblings = KUSTOMIZATION_NAMES if target.name in KUSTOMIZATION_NAMES else (target.name,)
        for sibling in siblings:
            if os.path.lexists(target.with_name(sibling)):
                found.append(
                    Result(f"{target.with_name(sibling)} exists: init writes only new files, nothing was written")
                )
        for parent in target.relative_to(layout.directory).parents:
            where = layout.directory / parent
            if os.path.lexists(where) and not where.is_dir():
                found.append(Result(f"{where} is not a directory: nothing was written"))
    return list(dict.fromkeys(found))


def write(layout: Layout) -> list[Path]:
    """Write every file, none of which may exist; all or nothing."""
    problems = conflicts(layout)
    if problems:
        raise ConfigError(problems)
    made: list[Path] = []  # files and directories this run created, in order
    try:
        for file, text in layout.files:
            target = layout.directory / file.target
            made += _make_parents(target.parent)
            with open(target, "x", encoding="utf-8") as out:  # "x": never replaces one that appeared meanwhile
                made.append(target)
                out.write(text)
            if file.executable:
                target.chmod(0o755)
    except OSError as exc:
        _undo(made)
        where = exc.filename or layout.directory
        raise ConfigError([Result(f"cannot write {where}: {exc.strerror or exc}; nothing was written")]) from None
    return [layout.directory / file.target for file, _ in layout.files]


def _make_parents(directory: Path) -> list[Path]:
    missing = [p for p in (directory, *directory.parents) if not os.path.lexists(p)]
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def _undo(made: list[Path]) -> None:
    for path in reversed(made):
        with contextlib.suppress(OSError):  # the first error is the one to report
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
