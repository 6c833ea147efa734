"""The `init` subcommand (cli.py registers it here to stay small)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from ..console import STDOUT, add_identity, example
from . import REPO_URL_PLACEHOLDER, VARIANTS, Layout, plan, write


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init",
        help="write a ready layout into your repository (kustomize, kpt, Flux or Argo CD)",
        description=(
            "Write the files a repository needs to deploy the zymtrace backend: the config (commented), the "
            "generator and the finishing transformer wired as the tool needs them, and for Flux the hydrate "
            "script, a CI workflow and the Flux objects, for Argo CD the Application. Nothing that exists is "
            "replaced: when a file is in the way, nothing is written. It prints what to run next."
        ),
        **example(
            "kustomize-zymtrace init deploy/zymtrace                 # plain kustomize",
            "kustomize-zymtrace init deploy/zymtrace --for flux      # hydrated in CI, applied by Flux",
            "kustomize-zymtrace init deploy/zymtrace --for argocd --namespace observability",
        ),
    )
    init.add_argument("directory", metavar="DIR", nargs="?", default=".", help="where (default: here)")
    init.add_argument(
        "--for",
        dest="variant",
        choices=VARIANTS,
        default="kustomize",
        help="the tool that renders it (default: kustomize)",
    )
    add_identity(init)
    init.add_argument(
        "--repo-url",
        metavar="URL",
        default="",
        help="with --for argocd: the repository Argo CD reads (default: git's remote origin)",
    )
    init.set_defaults(handler=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    layout = plan(Path(args.directory), args.variant, args.name, args.namespace, args.repo_url)
    written = write(layout)
    lines = [f"wrote a {args.variant} layout in {args.directory}:"]
    width = max(len(str(path)) for path in written)
    lines += [f"  {path!s:<{width}}  {file.role}" for path, (file, _) in zip(written, layout.files, strict=True)]
    lines += ["", "next:", *(f"  {step}" for step in next_steps(layout, args.directory))]
    STDOUT.write("\n".join(lines) + "\n")
    return 0


def next_steps(layout: Layout, given: str) -> list[str]:
    d = shlex.quote(given)
    config = shlex.quote(str(Path(given) / ("zymtrace.yaml" if layout.variant == "kpt" else "generator/zymtrace.yaml")))
    steps = [f"$EDITOR {config}        # the config: the chart's values under spec"]
    if layout.variant == "kpt":
        return [*steps, f"kpt fn render --allow-exec {d}    # writes generated/ (kustomize-zymtrace on PATH)"]
    steps.append(f"kustomize-zymtrace doctor {d}")
    if layout.variant == "kustomize":
        return [
            *steps,
            "kustomize-zymtrace install-plugin        # once per machine: the plugin kustomize runs",
            f"kubectl kustomize --enable-alpha-plugins {d}",
        ]
    if layout.variant == "flux":
        hydrate = shlex.quote(str(Path(given) / "hydrate.sh"))
        return [
            *steps,
            f"{hydrate}        # writes hydrated/: commit it (CI refreshes it: ci-workflow.yaml)",
            f"mkdir -p .github/workflows && cp {shlex.quote(str(Path(given) / 'ci-workflow.yaml'))} "
            ".github/workflows/zymtrace-hydrate.yaml",
            f"kubectl apply -f {shlex.quote(str(Path(given) / 'flux' / 'zymtrace.yaml'))}   # or commit it where "
            "Flux reads (clusters/NAME/)",
        ]
    application = shlex.quote(str(Path(given) / "argocd" / "application.yaml"))
    if any(REPO_URL_PLACEHOLDER in text for _, text in layout.files):
        steps.append(f"$EDITOR {application}        # spec.source.repoURL: git has no remote 'origin' here")
    return [
        *steps,
        "set up the plugin sidecar once per Argo CD: examples/argocd of the kustomize-zymtrace repository",
        f"kubectl apply -f {application}",
    ]
