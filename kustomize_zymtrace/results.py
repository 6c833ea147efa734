"""Findings about a config: the one shape every problem takes, whichever adapter reports it."""

from __future__ import annotations

import os
import stat
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning", "info"]
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class Result(NamedTuple):
    """One finding. `path` is the dotted field path inside the ZymtraceBackend, e.g. spec.postgres.mode."""

    message: str
    path: str = ""
    severity: Severity = "error"

    def line(self, source: str = "") -> str:
        where = " ".join(part for part in (source, self.path) if part)
        return f"[{self.severity}] {where}: {self.message}" if where else f"[{self.severity}] {self.message}"

    def to_krm(self, resource_ref: dict[str, Any] | None = None, file: dict[str, Any] | None = None) -> dict[str, Any]:
        """The KRM function spec's result item (config.kubernetes.io/v1 ResourceList results)."""
        item: dict[str, Any] = {"message": self.message, "severity": self.severity}
        if resource_ref:
            item["resourceRef"] = resource_ref
        if self.path:
            item["field"] = {"path": self.path}
        if file:
            item["file"] = file
        return item


def mask(text: str) -> str:
    """A value quoted in a message without the credentials it may carry: everything before the last '@'
    (after any scheme://) is hidden, so a user:password@ part never shows, whatever the password holds
    ('/', '@', spaces) and whether or not the URL has a '//'."""
    if "@" not in text:
        return text
    scheme, sep, rest = text.partition("://")
    if not sep or "@" in scheme:
        scheme, rest = "", text
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}"


def shown(value: str) -> str:
    """A value quoted in a message, without the user:password@ it may carry."""
    return repr(mask(value))


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def error(path: str, message: str) -> Result:
    return Result(message=message, path=path, severity="error")


def warning(path: str, message: str) -> Result:
    return Result(message=message, path=path, severity="warning")


def sort_key(result: Result) -> tuple[int, str, str]:
    """Errors first, then by field path, so reports are stable from run to run."""
    return _SEVERITY_ORDER[result.severity], result.path, result.message


def sort_results(results: list[Result]) -> list[Result]:
    return sorted(results, key=sort_key)


class ConfigError(Exception):
    """A config that cannot be rendered; carries every problem found, not only the first."""

    def __init__(self, results: list[Result], more: list[Result] | None = None) -> None:
        # `more`: findings of a later stage that still apply (warnings stay warnings).
        self.results = sort_results(results + (more or []))
        super().__init__("; ".join(r.line() for r in self.results))


# Warnings where stderr is not seen: kustomize drops a successful plugin's stderr, Argo CD shows only a
# failed generate. ZYMTRACE_WARNINGS=error (ARGOCD_ENV_ZYMTRACE_WARNINGS from an Argo CD Application's
# plugin env) makes every warning an error; ZYMTRACE_WARNINGS_FILE collects them for `hydrate`'s summary.
WARNINGS_POLICY = ("ZYMTRACE_WARNINGS", "ARGOCD_ENV_ZYMTRACE_WARNINGS")
WARNINGS_FILE = "ZYMTRACE_WARNINGS_FILE"


def warnings_are_errors(environ: dict[str, str]) -> bool:
    return any(environ.get(name, "").strip().lower() == "error" for name in WARNINGS_POLICY)


def surface(findings: list[Result], environ: dict[str, str], source: str = "") -> list[Result]:
    """The findings to report, after the user's warning policy: raises ConfigError when warnings are
    errors, and appends the warning lines to ZYMTRACE_WARNINGS_FILE when it is set."""
    warnings = [f for f in findings if f.severity == "warning"]
    if warnings and warnings_are_errors(environ):
        escalated = [error(f.path, f"{f.message} (ZYMTRACE_WARNINGS=error)") for f in warnings]
        raise ConfigError(escalated, [f for f in findings if f.severity != "warning"])
    if warnings and environ.get(WARNINGS_FILE):
        _append(environ[WARNINGS_FILE], "".join(f.line(source) + "\n" for f in warnings))
    return findings


def _append(path: str, text: str) -> None:
    """Append to the warnings file, if it is a regular file (opened without waiting: a FIFO with no reader
    must not stall a render). The summary is a convenience; the render itself never fails for it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    except (OSError, ValueError):
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.write(fd, text.encode("utf-8", errors="replace"))
    except OSError:
        return
    finally:
        os.close(fd)
