"""The `diff` and `graph` subcommands (cli.py registers them here to stay small)."""

from __future__ import annotations

import argparse

from ..console import STDOUT, example

FORMATS = ("text", "markdown")
SIDE_HELP = (
    "a ZymtraceBackend config, a rendered YAML stream ('-' for stdin), a hydrated directory, or REV:PATH of the "
    "git repository in the current directory"
)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = sub.add_parser(
        "diff",
        help="what applying NEW over OLD does: rollouts, Jobs, data, rejected changes, security",
        description=(
            "Compare two versions of the backend and say what an apply of NEW over OLD does: the objects "
            "created, changed (with the changed fields) and removed; the workloads that roll and why; the Jobs "
            "that run again; data-bearing objects removed or replaced and whether protection annotations keep "
            "them; changes the API server would reject; Pod Security and privilege changes."
        ),
        **example(
            "kustomize-zymtrace diff main:deploy/zymtrace.yaml deploy/zymtrace.yaml     # a change to the config",
            "kustomize-zymtrace diff hydrated/prod new.yaml --format markdown         # a PR comment",
            more="exit codes: 0 (also when there are differences, unless --exit-code), 1 invalid input",
        ),
    )
    diff.add_argument("old", metavar="OLD", help=SIDE_HELP)
    diff.add_argument("new", metavar="NEW", help=SIDE_HELP)
    diff.add_argument("--format", choices=FORMATS, default="text", help="text (default) or markdown for a PR comment")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when there are differences, like git diff")
    diff.set_defaults(handler=cmd_diff)

    graph = sub.add_parser(
        "graph",
        help="the backend as a Mermaid flowchart",
        description=(
            "Print a Mermaid flowchart of the backend a config renders: every component, the databases and "
            "external services each talks to, what is exposed and how, and the NetworkPolicy edges. Paste it "
            "into a ```mermaid block; GitHub and GitLab draw it."
        ),
        **example("kustomize-zymtrace graph zymtrace.yaml > backend.mmd"),
    )
    graph.add_argument("config", metavar="CONFIG", help="ZymtraceBackend config file ('-' for stdin)")
    graph.set_defaults(handler=cmd_graph)


def cmd_diff(args: argparse.Namespace) -> int:
    from ..results import ConfigError, Result
    from . import report
    from .consequences import consequences
    from .diff import diff_objects
    from .inputs import load_side

    if args.old == "-" and args.new == "-":
        raise ConfigError([Result("only one of OLD and NEW can be '-' (stdin)")])
    sides, problems = [], []
    for side in (args.old, args.new):  # both sides' problems in one run
        try:
            sides.append(load_side(side))
        except ConfigError as exc:
            problems += exc.results
    if problems:
        raise ConfigError(problems)
    changes = diff_objects(*sides)
    found = consequences(changes)
    write = report.markdown if args.format == "markdown" else report.text
    STDOUT.write(write(changes, found))
    return 1 if args.exit_code and not changes.empty else 0


def cmd_graph(args: argparse.Namespace) -> int:
    from ..loading import load_file_text
    from ..yamlio import read
    from .graph import mermaid

    backend, _ = load_file_text(read(args.config), args.config)
    STDOUT.write(mermaid(backend))
    return 0
