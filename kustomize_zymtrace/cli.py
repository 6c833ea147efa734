"""Command line: picks the mode, reads the input, hands it to the one code path, reports.

No arguments: KRM function (ResourceList on stdin). An existing file first: kustomize legacy exec plugin
(kustomize passes the config as a file, argsOneLiner after it). Otherwise a subcommand. Exit codes: 0
success, 1 invalid input, 2 usage error, 3 internal error, 141 stdout closed by its reader (a pipe into
`head`), as for a process that SIGPIPE ended.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import __version__
from .console import (
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_PIPE,
    EXIT_USAGE,
    STDOUT,
    PipeClosed,
    add_identity,
    example,
    report,
    say,
    silence_stdout,
)
from .results import ConfigError, Result, error, surface

if TYPE_CHECKING:
    import argparse

LAYOUTS = ("flat", "stages")  # output.LAYOUTS, kept here so --help costs no import
COMMANDS = (
    "render",
    "hydrate",
    "finish",
    "schema",
    "from-helm-values",
    "install-plugin",
    "doctor",
    "diff",
    "graph",
    "takeover",
    "init",
    "version",
    "completion",
)


def _read(path: str) -> bytes:
    from .yamlio import read

    return read(path)


def _guarded(run: Callable[[], int], debug: bool = False) -> int:
    """Every failure becomes one readable line; tracebacks only with --debug / ZYMTRACE_DEBUG=1."""
    try:
        code = run()
        STDOUT.flush()
        return code
    except ConfigError as exc:
        report(exc.results)
        return EXIT_INVALID
    except BrokenPipeError:  # a command that writes sys.stdout itself
        silence_stdout()
        return EXIT_PIPE
    except PipeClosed:
        return EXIT_PIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in the generator: say so plainly
        if debug or os.environ.get("ZYMTRACE_DEBUG"):
            raise
        say(f"[error] internal error ({type(exc).__name__}): {exc}; rerun with --debug")
        return EXIT_INTERNAL


# ------------------------------------------------------------------ modes


def run_krm() -> int:
    from .krm import process

    outcome = process(_read("-"), STDOUT)  # type: ignore[arg-type]
    for line in outcome.messages:
        say(line)
    return outcome.exit_code


def run_plugin(config_path: str) -> int:
    """kustomize's legacy exec plugin: argv[1] is the generator config (a plain YAML stream out), or a
    ZymtraceFinish transformer config (the objects so far on stdin, finished on stdout)."""
    text = _read(config_path)
    if _is_finish_config(text):
        return _finish_stream("-")  # before the renderer's imports: the finishing pass loads none of them
    from . import yamlio
    from .loading import load_file_text
    from .render import render_with_findings

    backend, warnings = load_file_text(text, config_path)
    objects, notes = render_with_findings(backend)
    report(surface(warnings + notes + _argocd_findings(backend.metadata.namespace), dict(os.environ)))
    STDOUT.write(yamlio.dump_all(objects))
    return EXIT_OK


def _argocd_findings(namespace: str) -> list[Result]:
    """Argo CD runs the plugin with the Application's destination namespace in ARGOCD_APP_NAMESPACE."""
    target = os.environ.get("ARGOCD_APP_NAMESPACE")
    if not target or target == namespace:
        return []
    message = (
        f"the Argo CD Application deploys to namespace {target!r}, but the objects and the in-cluster "
        f"addresses use {namespace!r}: set the Application's destination.namespace or metadata.namespace "
        "so they match"
    )
    return [Result(message, "metadata.namespace", "warning")]


def cmd_render(args: argparse.Namespace) -> int:
    from . import yamlio
    from .loading import load_file_text
    from .render import render_with_findings

    backend, warnings = load_file_text(_read(args.config), args.config)
    objects, notes = render_with_findings(backend)
    report(surface(warnings + notes, dict(os.environ)))
    if args.output is not None:
        _write(objects, args.output, args.layout)
    else:
        STDOUT.write(yamlio.dump_all(objects))
    return EXIT_OK


def _write(objects: list[dict[str, Any]], output: str, layout: str) -> None:
    from .output import write_directory

    if not output:
        raise ConfigError([Result("-o: give a directory (an empty path names none)")])
    try:
        from pathlib import Path  # here, not at the top: a KRM run never needs pathlib (5 ms to import)

        written = write_directory(objects, Path(output), layout)
    except OSError as exc:  # read-only or full disk: the tree is swapped in whole, so nothing changed
        where = exc.filename or output
        raise ConfigError([Result(f"cannot write {where}: {exc.strerror or exc}; nothing was changed")]) from None
    say(f"wrote {written} objects to {output} ({layout} layout)")


DOCTOR_HINT = "kustomize-zymtrace doctor KUSTOMIZATION_DIR says what is wrong"


def cmd_hydrate(args: argparse.Namespace) -> int:
    """A YAML stream (kubectl kustomize output of an overlay) -> a directory for Flux or plain kustomize."""
    from .finish import finish

    documents = _stream(args.stream, named=True)
    if not documents:
        raise ConfigError(
            [
                Result(
                    f"{args.stream}: no objects (kustomize rendered nothing: is the ZymtraceBackend config under "
                    f"generators:? {DOCTOR_HINT})"
                )
            ]
        )
    # Whatever transformed the stream after the generator, what is written is consistent again.
    documents, notes = finish(documents)
    report(surface(notes, dict(os.environ)))
    _write(documents, args.output, args.layout)
    _summarize_warnings()
    return EXIT_OK


def _is_finish_config(text: bytes) -> bool:
    from .api import FINISH_KIND  # not .finish: the generator's path must not import the renderers for this

    # A byte search first: the generator's own config (the common case) is then parsed only once.
    return FINISH_KIND.encode() in text and _kind_of(text) == FINISH_KIND


def _kind_of(text: bytes) -> object:
    from . import yamlio

    documents = yamlio.load_all(text, "transformer config")
    return documents[0].get("kind") if documents and isinstance(documents[0], dict) else None


def _stream(source: str, *, named: bool) -> list[dict[str, Any]]:
    from . import yamlio

    return yamlio.load_objects(_read(source), "stdin" if source == "-" else source, named=named)


def _finish_stream(source: str) -> int:
    from . import yamlio
    from .finish import finish

    documents = _stream(source, named=False)
    objects, notes = finish(documents)
    report(surface(notes, dict(os.environ)))
    STDOUT.write(yamlio.dump_all(objects))
    return EXIT_OK


def cmd_finish(args: argparse.Namespace) -> int:
    return _check_finished(args.stream) if args.check else _finish_stream(args.stream)


def _check_finished(source: str) -> int:
    """Exit 1, naming each object, when something changed the stream after the finishing pass (a CI gate
    before an apply); nothing is written to stdout."""
    from .finish import claimed, unfinished

    documents = _stream(source, named=False)
    ours = claimed(documents)
    where = "stdin" if source == "-" else source
    if not ours:
        found = f"none of its {len(documents)} objects" if documents else "no objects"
        raise ConfigError(
            [
                Result(
                    f"{where}: {found} generated by kustomize-zymtrace, so nothing to check (kubectl kustomize "
                    f"drops exec plugins silently: {DOCTOR_HINT})"
                )
            ]
        )
    problems = unfinished(documents)
    if problems:
        raise ConfigError([error(p.path, p.message) for p in problems])
    say(f"{where}: finished ({ours} objects of kustomize-zymtrace checked, nothing left to change)")
    return EXIT_OK


def _summarize_warnings() -> None:
    """The warnings the generator wrote to ZYMTRACE_WARNINGS_FILE while kustomize ran it (kustomize
    itself drops them), once each."""
    from .results import WARNINGS_FILE

    path = os.environ.get(WARNINGS_FILE)
    if not path:
        return
    try:
        text = _read(path).decode("utf-8", errors="replace")
    except ConfigError as exc:  # the summary is a convenience: the hydrated directory is written already
        if not os.path.exists(path):
            return  # the generator found nothing to warn about
        say(f"[warning] {WARNINGS_FILE}: {exc.results[0].message}; its warnings are not summarized")
        return
    lines = list(dict.fromkeys(text.splitlines()))
    if lines:
        say(f"{len(lines)} warning(s) from the generator while kustomize rendered this stream:")
        for line in lines:
            say(f"  {line}")


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from .schema import json_schema

    STDOUT.write(json.dumps(json_schema(), indent=2) + "\n")
    return EXIT_OK


def cmd_from_helm_values(args: argparse.Namespace) -> int:
    from .helm_values import convert

    STDOUT.write(convert(_read(args.values), args.values, name=args.name, namespace=args.namespace, schema=args.schema))
    return EXIT_OK


def cmd_install_plugin(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .plugin import install

    installed = install(Path(args.home) if args.home else None)
    if installed.note:
        say(f"[warning] {installed.note}")
    say(f"installed {installed.path}")
    STDOUT.write(f"use it with: KUSTOMIZE_PLUGIN_HOME={installed.home} kubectl kustomize --enable-alpha-plugins DIR\n")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .doctor import diagnose

    findings = diagnose(Path(args.directory))
    report(findings)
    if any(f.severity == "error" for f in findings):
        return EXIT_INVALID
    if not [f for f in findings if f.severity != "info"]:
        wired = "the ZymtraceBackend generator and its config patches are wired as kustomize needs"
        STDOUT.write(f"{args.directory}: {wired}\n")
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
        epilog=(
            "example:\n  kustomize-zymtrace init deploy/zymtrace      # a ready layout in your repository\n"
            "  kustomize-zymtrace render zymtrace.yaml > backend.yaml\n\n"
            "exit codes: 0 success, 1 invalid input, 2 usage error, 3 internal error"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = sub.add_parser(
        "render",
        help="render a config to a YAML stream or to files",
        **example(
            "kustomize-zymtrace render zymtrace.yaml > backend.yaml",
            "kustomize-zymtrace render zymtrace.yaml -o hydrated",
        ),
    )
    render.add_argument("config", help="ZymtraceBackend config file ('-' for stdin)")
    render.add_argument("-o", "--output", metavar="DIR", help="write one file per object (and a Kustomization file)")
    render.add_argument("--layout", choices=LAYOUTS, default="flat", help="with -o: flat, or one directory per stage")
    render.set_defaults(handler=cmd_render)

    hydrate = sub.add_parser(
        "hydrate",
        help="write a YAML stream (e.g. kubectl kustomize output) as files",
        **example(
            "kubectl kustomize --enable-alpha-plugins overlays/prod | kustomize-zymtrace hydrate -o hydrated/prod"
        ),
    )
    hydrate.add_argument("stream", nargs="?", default="-", help="YAML stream ('-' or omitted: stdin)")
    hydrate.add_argument("-o", "--output", metavar="DIR", required=True, help="directory to write")
    hydrate.add_argument("--layout", choices=LAYOUTS, default="flat", help="flat, or one directory per stage (Flux)")
    hydrate.set_defaults(handler=cmd_hydrate)

    finish = sub.add_parser(
        "finish",
        help="re-derive Job names, config checksums and addresses after kustomize or a script changed the output",
        **example(
            "kubectl kustomize --enable-alpha-plugins overlays/prod | kustomize-zymtrace finish > backend.yaml",
            "kustomize build --enable-alpha-plugins overlays/prod | kustomize-zymtrace finish --check",
        ),
    )
    finish.add_argument("stream", nargs="?", default="-", help="YAML stream ('-' or omitted: stdin)")
    finish.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each object the pass would still change (a CI gate before an apply)",
    )
    finish.set_defaults(handler=cmd_finish)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of ZymtraceBackend",
        **example("kustomize-zymtrace schema > zymtracebackend.schema.json"),
    )
    schema.set_defaults(handler=cmd_schema)

    convert = sub.add_parser(
        "from-helm-values",
        help="turn a Helm values file into a ZymtraceBackend",
        **example("kustomize-zymtrace from-helm-values values.yaml --namespace zymtrace > zymtrace.yaml"),
    )
    convert.add_argument("values", help="values.yaml of the zymtrace backend chart ('-' for stdin)")
    add_identity(convert)
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
        **example("kustomize-zymtrace doctor overlays/prod"),
    )
    doctor.add_argument("directory", metavar="DIR", help="the kustomization directory (an overlay or base)")
    doctor.set_defaults(handler=cmd_doctor)

    install = sub.add_parser(
        "install-plugin",
        help="put the legacy kustomize plugin where kustomize finds it",
        **example("kustomize-zymtrace install-plugin && kubectl kustomize --enable-alpha-plugins overlays/prod"),
    )
    install.add_argument(
        "--home",
        metavar="DIR",
        help="plugin home outside any git work tree (default: $KUSTOMIZE_PLUGIN_HOME, else ~/.config/kustomize/plugin)",
    )
    install.set_defaults(handler=cmd_install_plugin)

    from .review.commands import add_commands

    add_commands(sub)  # diff and graph
    from .cluster.commands import add_commands as add_cluster_commands

    add_cluster_commands(sub)  # takeover
    from .scaffold.commands import add_commands as add_init_command

    add_init_command(sub)  # init
    _add_shell_commands(sub)  # version, completion
    return parser


SHELLS = ("bash", "zsh", "fish")


def _add_shell_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    version = sub.add_parser("version", help="print the version", **example("kustomize-zymtrace version"))
    version.set_defaults(handler=cmd_version)
    completion = sub.add_parser(
        "completion",
        help="print the shell completion script for bash, zsh or fish",
        **example(
            "source <(kustomize-zymtrace completion bash)        # in ~/.bashrc",
            'kustomize-zymtrace completion zsh > "${fpath[1]}/_kustomize-zymtrace"',
            "kustomize-zymtrace completion fish > ~/.config/fish/completions/kustomize-zymtrace.fish",
        ),
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell")
    completion.set_defaults(handler=cmd_completion)


def cmd_version(args: argparse.Namespace) -> int:
    STDOUT.write(f"kustomize-zymtrace {__version__}\n")
    return EXIT_OK


# Arguments that name a file or a directory: the completion scripts complete paths for them.
FILE_ARGUMENTS = ("config", "values", "stream", "old", "new", "rendered", "kubeconfig")
DIRECTORY_ARGUMENTS = ("output", "directory", "home")


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab  # the completion scripts are generated from this very parser; no other command needs it

    parser = build_parser()
    for action in _all_actions(parser):
        if action.dest in FILE_ARGUMENTS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.dest in DIRECTORY_ARGUMENTS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    STDOUT.write(shtab.complete(parser, shell=args.shell))
    return EXIT_OK


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    import argparse

    found = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += _all_actions(child)
    return found


def _help() -> None:
    if sys.stderr is not None:
        build_parser().print_help(sys.stderr)


def entry() -> None:
    """The console script and `python -m`: main(), then leave without the interpreter's teardown.

    A render leaves ~100,000 objects behind (the validator, the model, the output); freeing them one by
    one at exit cost every run 13 ms, a fifth of its own work. Everything is flushed first, every file
    main() opened is closed by then, and nothing here registers exit handlers."""
    code = main()  # argparse's SystemExit (--help, usage errors) leaves the usual way
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            code = code or EXIT_INVALID  # _guarded has reported a failing stdout already
    os._exit(code)


def _hold_standard_descriptors() -> None:
    """A standard stream the process was started without gets /dev/null under its descriptor, so that no
    file this run opens lands on 0, 1 or 2, where a child process (git) would take it for one. sys.stdin,
    stdout and stderr stay None: what needs them reports them closed."""
    for fd, stream in ((0, sys.stdin), (1, sys.stdout), (2, sys.stderr)):
        if stream is None:
            try:
                os.fstat(fd)
            except OSError:
                null = os.open(os.devnull, os.O_RDWR)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)


def _names_a_file(word: str) -> bool:
    """A missing config file (`zymtrace.yaml`, `./x`) rather than a misspelt command: 'cannot read' is
    then the clearer error."""
    return "/" in word or "." in word


def _unknown_command(word: str) -> int:
    import difflib

    hint = difflib.get_close_matches(word, COMMANDS, n=1)
    if hint:
        say(f"[error] unknown command {word!r}; did you mean {hint[0]!r}?")
    else:
        say(
            f"[error] unknown command {word!r} (commands: {', '.join(COMMANDS)}); a config file as the first "
            f"argument runs the kustomize plugin, and there is no file {word!r}"
        )
    say("see kustomize-zymtrace --help")
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    _hold_standard_descriptors()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if not args:
        if sys.stdin is not None and sys.stdin.isatty():
            _help()
            return EXIT_USAGE
        return _guarded(run_krm)
    first = args[0]
    if first not in COMMANDS and not first.startswith("-"):
        if not os.path.lexists(first) and not _names_a_file(first):
            return _unknown_command(first)
        # kustomize runs a legacy exec plugin with the config file first and argsOneLiner after it.
        return _guarded(lambda: run_plugin(first))
    parsed = build_parser().parse_args(args)  # argparse's own output (--help) ignores a closed pipe itself
    if not getattr(parsed, "handler", None):
        _help()
        return EXIT_USAGE
    return _guarded(lambda: parsed.handler(parsed), debug)
