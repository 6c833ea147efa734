"""Runs command lines and measures each: exit code, output, CPU and wall time, peak memory.

A server process (`python measured.py`, one per test process) imports the package once and forks a child
per run, so a case costs a fork, not an interpreter start: the child calls the command line's main()
with its standard streams on the files the run names, and wait4() gives its own CPU time and peak
resident memory (which counts the imported package, as a real process's would). A run with `exec` starts
the installed command as a fresh process instead, for what only a process start can show: standard
streams closed before it starts, the locale, the interpreter's own start-up.

Requests and answers are JSON lines on the server's stdin and stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 60  # seconds before a run is killed (and reported as such)
# A run that reads without limit must fail, not take the machine's memory with it: 3x the bound tested.
CHILD_ADDRESS_SPACE = 1536 * 1024 * 1024


@dataclass
class Run:
    argv: list[str]
    cwd: str
    stdin: str | None = None  # a file, None for /dev/null, "closed"
    stdout: str = "capture"  # capture | full (/dev/full) | closed
    stderr: str = "capture"  # capture | closed
    env: dict[str, str | None] = field(default_factory=dict)  # changes to the environment (None: unset)
    exec: bool = False


@dataclass
class Outcome:
    code: int  # the exit code; -N when killed by signal N
    stdout: bytes
    stderr: bytes
    cpu: float  # user + system seconds of the run alone
    wall: float
    peak_mb: float  # peak resident memory

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


# ------------------------------------------------------------------ server side


def _preload() -> None:
    """What the commands import, imported once here, so a child does not pay for it."""
    import kustomize_zymtrace.cli
    import kustomize_zymtrace.doctor
    import kustomize_zymtrace.finish
    import kustomize_zymtrace.helm_values
    import kustomize_zymtrace.krm
    import kustomize_zymtrace.loading
    import kustomize_zymtrace.output
    import kustomize_zymtrace.plugin
    import kustomize_zymtrace.render
    import kustomize_zymtrace.review.commands
    import kustomize_zymtrace.review.consequences
    import kustomize_zymtrace.review.graph
    import kustomize_zymtrace.review.inputs
    import kustomize_zymtrace.review.report  # noqa: F401


def _streams(run: Run, out: str, err: str) -> None:
    """Put the run's standard streams on descriptors 0, 1 and 2 (or leave them closed)."""
    if run.stdin == "closed":
        os.close(0)
    else:
        fd = os.open(run.stdin or os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
    targets = {"capture": out, "full": "/dev/full"}
    for number, mode in ((1, run.stdout), (2, run.stderr)):
        if mode == "closed":
            os.close(number)
        else:
            fd = os.open(err if number == 2 else targets[mode], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, number)
            os.close(fd)


def _text(fd: int, mode: str) -> io.TextIOWrapper:
    """A text stream on a descriptor, open for the rest of the child's life."""
    return io.TextIOWrapper(open(fd, mode, closefd=False))


def _child(run: Run, out: str, err: str) -> None:
    """In the forked child: never returns."""
    code = 99
    try:
        signal.alarm(CHILD_TIMEOUT)
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))
        os.chdir(run.cwd)
        for name, value in run.env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _streams(run, out, err)
        if run.exec:
            os.execv(sys.executable, [sys.executable, "-m", "kustomize_zymtrace", *run.argv])
        # The text layers the command line writes through, on the new descriptors.
        sys.stdin = None if run.stdin == "closed" else _text(0, "rb")  # type: ignore[assignment]
        sys.stdout = None if run.stdout == "closed" else _text(1, "wb")  # type: ignore[assignment]
        sys.stderr = None if run.stderr == "closed" else _text(2, "wb")  # type: ignore[assignment]
        from kustomize_zymtrace.cli import main

        code = main(run.argv)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                try:
                    stream.flush()
                except OSError:
                    code = code or 1
    except BaseException:  # a crash of the runner itself: the test sees exit 99 and the traceback
        with contextlib.suppress(OSError):
            os.write(2, traceback.format_exc().encode())
    os._exit(code)


def _serve_one(request: dict[str, Any], scratch: Path, number: int) -> dict[str, Any]:
    run = Run(**request)
    out, err = scratch / f"{number}.out", scratch / f"{number}.err"
    for path in (out, err):
        path.write_bytes(b"")
    sys.stdout.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(run, str(out), str(err))
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    return {
        "code": code,
        "stdout": str(out),
        "stderr": str(err),
        "cpu": usage.ru_utime + usage.ru_stime,
        "wall": wall,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def serve() -> None:
    _preload()
    scratch = Path(sys.argv[1])
    for number, line in enumerate(sys.stdin):
        answer = _serve_one(json.loads(line), scratch, number)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


# ------------------------------------------------------------------ client side


class Runner:
    """The client of one server process."""

    def __init__(self, scratch: Path) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(scratch)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def run(self, run: Run) -> Outcome:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(run.__dict__) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        return Outcome(
            answer["code"],
            Path(answer["stdout"]).read_bytes(),
            Path(answer["stderr"]).read_bytes(),
            answer["cpu"],
            answer["wall"],
            answer["peak_mb"],
        )

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


if __name__ == "__main__":
    serve()
