"""What every command shares, below the command line and the modules that add subcommands to it: the
exit codes, one line on stderr, a stdout whose failures are input problems, and the parts of a
subcommand's help and arguments that repeat (cli.py and the commands modules of review/, scaffold/ and
cluster/ all import it; it imports none of them)."""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .results import ConfigError, Result

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_PIPE = 128 + 13  # 128 + SIGPIPE: what a shell reports for `cmd | head` when head leaves early


def say(line: str) -> None:
    """One line on stderr. Started with stderr closed, messages are lost rather than mixed into the output
    (print's file=None would mean stdout)."""
    if sys.stderr is not None:
        try:
            print(line, file=sys.stderr)
        except (OSError, ValueError):
            return  # stderr failing (a closed pipe) cannot be reported anywhere


def report(results: Sequence[Result], source: str = "") -> None:
    for result in results:
        say(result.line(source))


class _Stdout(io.TextIOBase):
    """sys.stdout whose failures (closed pipe, full disk, closed descriptor) are input/environment
    problems: one line and exit 1, never a traceback or an internal error. The output is UTF-8 whatever the
    locale says (YAML is UTF-8; an ASCII or Latin-1 locale could not encode every value)."""

    def write(self, text: str) -> int:
        try:
            out = sys.stdout
            if out is None:
                raise OSError(errno.EBADF, "it is closed")
            if (out.encoding or "").lower().replace("-", "") == "utf8" or not hasattr(out, "buffer"):
                return out.write(text)
            out.flush()  # what went through the text layer before comes first
            out.buffer.write(text.encode("utf-8"))
            return len(text)
        except OSError as exc:
            raise _stdout_failed(exc) from None

    def flush(self) -> None:
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except OSError as exc:
            raise _stdout_failed(exc) from None


class PipeClosed(Exception):
    """stdout's reader went away (`schema | head`): not an error to report, the output is simply not wanted."""


def _stdout_failed(exc: OSError) -> Exception:
    silence_stdout()
    if exc.errno == errno.EPIPE:
        return PipeClosed()
    return ConfigError([Result(f"cannot write to stdout: {exc.strerror or exc}")])


def silence_stdout() -> None:
    # What is still buffered goes nowhere, so the interpreter's own flush at exit cannot fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


STDOUT = _Stdout()


def example(*lines: str, more: str = "") -> dict[str, Any]:
    """A subcommand's help ends with an example (argparse keeps the lines as written), then `more`."""
    import argparse

    epilog = "example:\n" + "\n".join(f"  {line}" for line in lines) + (f"\n\n{more}" if more else "")
    return {"epilog": epilog, "formatter_class": argparse.RawDescriptionHelpFormatter}


def add_identity(parser: argparse.ArgumentParser) -> None:
    """--name and --namespace of a config the command writes."""
    parser.add_argument("--name", default="zymtrace", help="the config's metadata.name (default: zymtrace)")
    parser.add_argument(
        "--namespace", default="zymtrace", help="its metadata.namespace: every object's namespace (default: zymtrace)"
    )
