"""Command line: picks the mode, reads the input, hands it to the one code path, reports.

No arguments: KRM function (ResourceList on stdin). A file as the only argument: kustomize legacy exec
plugin. Otherwise a subcommand. Exit codes: 0 success, 1 invalid input, 2 usage error, 3 internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .results import ConfigError, Result

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
LAYOUTS = ("flat", "stages")  # output.LAYOUTS, kept here so --help costs no import
COMMANDS = ("render", "hydrate", "schema", "from-helm-values", "install-plugin", "doctor")


def _report(results: Sequence[Result], source: str = "") -> None:
    for result in results:
        print(result.line(source), file=sys.stderr)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError([Result(f"cannot read {path}: {exc.strerror or exc}")]) from None


def _guarded(run: Callable[[], int], debug: bool = False) -> int:
    """Every failure becomes one readable line; tracebacks only with --debug / ZYMTRACE_DEBUG=1."""
    try:
        return run()
    except ConfigError as exc:
        _report(exc.results)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in the generator: say so plainly
        if debug or os.environ.get("ZYMTRACE_DEBUG"):
            raise
        print(f"[error] internal error ({type(exc).__name__}): {exc}; rerun with --debug", file=sys.stderr)
        return EXIT_INTERNAL


# ------------------------------------------------------------------ modes


def run_krm() -> int:
    from .krm import process

    outcome = process(sys.stdin.buffer.read(), sys.stdout)
    for line in outcome.messages:
        print(line, file=sys.stderr)
    return outcome.exit_code


def run_plugin(config_path: str) -> int:
    """kustomize's legacy exec plugin: argv[1] is the generator config; a plain YAML stream out."""
    from . import yamlio
    from .loading import load_file_text
    from .render import render_with_findings

    backend, warnings = load_file_text(_read(config_path), config_path)
    objects, notes = render_with_findings(backend)
    _report(warnings + notes)
    sys.stdout.write(yamlio.dump_all(objects))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from . import yamlio
    from .loading import load_file_text
    from .render import render_with_findings

    backend, warnings = load_file_text(_read(args.config), args.config)
    objects, notes = render_with_findings(backend)
    _report(warnings + notes)
    if args.output:
        _write(objects, args.output, args.layout)
    else:
        sys.stdout.write(yamlio.dump_all(objects))
    return EXIT_OK


def _write(objects: list[dict], output: str, layout: str) -> None:
    from .output import write_directory

    written = write_directory(objects, Path(output), layout)
    print(f"wrote {written} objects to {output} ({layout} layout)", file=sys.stderr)


def cmd_hydrate(args: argparse.Namespace) -> int:
    """A YAML stream (kubectl kustomize output of an overlay) -> a directory for Flux or plain kustomize."""
    from . import yamlio

    documents = [d for d in yamlio.load_all(_read(args.stream), args.stream) if d is not None]
    bad = [n for n, d in enumerate(documents) if not isinstance(d, dict) or not (d.get("metadata") or {}).get("name")]
    if bad:
        raise ConfigError([Result(f"{args.stream}: document {bad[0] + 1} is not a Kubernetes object")])
    if not documents:
        raise ConfigError(
            [
                Result(
                    f"{args.stream}: no objects (kustomize rendered nothing: is the ZymtraceBackend config under "
                    "generators:? kustomize-zymtrace doctor KUSTOMIZATION_DIR says what is wrong)"
                )
            ]
        )
    _write(documents, args.output, args.layout)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from .schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
    return EXIT_OK


def cmd_from_helm_values(args: argparse.Namespace) -> int:
    from .helm_values import convert

    sys.stdout.write(
        convert(_read(args.values), args.values, name=args.name, namespace=args.namespace, schema=args.schema)
    )
    return EXIT_OK


def cmd_install_plugin(args: argparse.Namespace) -> int:
    from .plugin import install

    installed = install(Path(args.home) if args.home else None)
    if installed.note:
        print(f"[warning] {installed.note}", file=sys.stderr)
    print(f"installed {installed.path}", file=sys.stderr)
    print(f"use it with: KUSTOMIZE_PLUGIN_HOME={installed.home} kubectl kustomize --enable-alpha-plugins DIR")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import diagnose

    findings = diagnose(Path(args.directory))
    _report(findings)
    if any(f.severity == "error" for f in findings):
        return EXIT_INVALID
    if not findings:
        print(f"{args.directory}: the ZymtraceBackend generator and its config patches are wired as kustomize needs")
    return EXIT_OK


# ------------------------------------------------------------------ parsing


def build_parser() -> argparse.ArgumentParser:
    import argparse  # only the subcommands need it: the KRM and plugin modes start without it

    parser = argparse.ArgumentParser(
        prog="kustomize-zymtrace",
        description=(
            "Render the zymtrace backend from a ZymtraceBackend config. With no arguments, run as a KRM "
            "function (ResourceList on stdin); with a config file as the only argument, run as a kustomize "
            "exec plugin."
        ),
        epilog="exit codes: 0 success, 1 invalid input, 2 usage error, 3 internal error",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = sub.add_parser("render", help="render a config to a YAML stream or to files")
    render.add_argument("config", help="ZymtraceBackend config file ('-' for stdin)")
    render.add_argument("-o", "--output", metavar="DIR", help="write one file per object (and a kustomization.yaml)")
    render.add_argument("--layout", choices=LAYOUTS, default="flat", help="with -o: flat, or one directory per stage")
    render.set_defaults(handler=cmd_render)

    hydrate = sub.add_parser("hydrate", help="write a YAML stream (e.g. kubectl kustomize output) as files")
    hydrate.add_argument("stream", nargs="?", default="-", help="YAML stream ('-' or omitted: stdin)")
    hydrate.add_argument("-o", "--output", metavar="DIR", required=True, help="directory to write")
    hydrate.add_argument("--layout", choices=LAYOUTS, default="flat", help="flat, or one directory per stage (Flux)")
    hydrate.set_defaults(handler=cmd_hydrate)

    schema = sub.add_parser("schema", help="print the JSON Schema of ZymtraceBackend")
    schema.set_defaults(handler=cmd_schema)

    convert = sub.add_parser("from-helm-values", help="turn a Helm values file into a ZymtraceBackend")
    convert.add_argument("values", help="values.yaml of the zymtrace backend chart ('-' for stdin)")
    convert.add_argument("--name", default="zymtrace", help="metadata.name (default: zymtrace)")
    convert.add_argument("--namespace", default="zymtrace", help="metadata.namespace (default: zymtrace)")
    convert.add_argument(
        "--schema",
        metavar="REF",
        default="",
        help="add a yaml-language-server modeline pointing at the JSON Schema (a path relative to the output "
        "file, e.g. one written by 'kustomize-zymtrace schema', or a URL)",
    )
    convert.set_defaults(handler=cmd_from_helm_values)

    doctor = sub.add_parser(
        "doctor",
        help="check a kustomization: config under generators:, config patches that kustomize can apply",
    )
    doctor.add_argument("directory", metavar="DIR", help="the kustomization directory (an overlay or base)")
    doctor.set_defaults(handler=cmd_doctor)

    install = sub.add_parser("install-plugin", help="put the legacy kustomize plugin where kustomize finds it")
    install.add_argument(
        "--home",
        metavar="DIR",
        help="plugin home outside any git work tree (default: $KUSTOMIZE_PLUGIN_HOME, else ~/.config/kustomize/plugin)",
    )
    install.set_defaults(handler=cmd_install_plugin)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if not args:
        if sys.stdin.isatty():
            build_parser().print_help(sys.stderr)
            return EXIT_USAGE
        return _guarded(run_krm)
    if args[0] not in COMMANDS and not args[0].startswith("-"):
        if len(args) == 1 and not os.path.exists(args[0]):
            import difflib

            hint = difflib.get_close_matches(args[0], COMMANDS, n=1)
            if hint:
                print(f"[error] unknown command {args[0]!r}; did you mean {hint[0]!r}?", file=sys.stderr)
                return EXIT_USAGE
        # kustomize runs a legacy exec plugin with the config file first and argsOneLiner after it.
        return _guarded(lambda: run_plugin(args[0]))
    parsed = build_parser().parse_args(args)
    if not getattr(parsed, "handler", None):
        build_parser().print_help(sys.stderr)
        return EXIT_USAGE
    return _guarded(lambda: parsed.handler(parsed), debug)
