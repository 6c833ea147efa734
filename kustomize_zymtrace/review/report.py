"""The review as text for a terminal, or as Markdown for a pull-request comment."""

from __future__ import annotations

from typing import NamedTuple

from ..render.context import Obj
from .consequences import SECTIONS, Consequence
from .diff import ObjectDiff


def _name(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def summary(diff: ObjectDiff) -> str:
    if diff.empty:
        return "No differences."
    return f"{len(diff.created)} created, {len(diff.changed)} changed, {len(diff.removed)} removed"


def object_lines(diff: ObjectDiff, limit: int = 6) -> list[str]:
    """+ created, ~ changed (with the changed fields), - removed; in apply-independent, sorted order."""
    lines = [f"+ {_name(o)}" for o in diff.created]
    for change in diff.changed:
        paths = list(change.paths[:limit]) + (
            [f"... {len(change.paths) - limit} more"] if len(change.paths) > limit else []
        )
        lines.append(f"~ {change.key.kind}/{change.key.name}: {', '.join(paths)}")
    lines += [f"- {_name(o)}" for o in diff.removed]
    return lines


class Line(NamedTuple):
    subject: str  # one object, or several with the same consequence: "Deployment a, b; StatefulSet c"
    effect: str
    reason: str


def _grouped(found: list[Consequence]) -> dict[str, list[Line]]:
    """Per section, one line per distinct (effect, reason): objects that fare alike are named together."""
    groups: dict[str, dict[tuple[str, str], list[str]]] = {}
    for item in found:
        groups.setdefault(item.section, {}).setdefault((item.effect, item.reason), []).append(item.subject)
    return {
        section: [Line(_subjects(subjects), effect, reason) for (effect, reason), subjects in lines.items()]
        for section, lines in groups.items()
    }


def _subjects(subjects: list[str]) -> str:
    by_kind: dict[str, list[str]] = {}
    for item in subjects:
        kind, _, name = item.partition(" ")
        by_kind.setdefault(kind, []).append(name)
    return "; ".join(f"{kind} {', '.join(names)}" for kind, names in by_kind.items())


def text(diff: ObjectDiff, found: list[Consequence]) -> str:
    out = [summary(diff)]
    if diff.empty and not found:
        return out[0] + "\n"
    for section, items in _grouped(found).items():
        out += ["", f"{SECTIONS[section]}:"]
        for item in items:
            out.append(f"  {item.subject}: {item.effect}" + (f" - {item.reason}" if item.reason else ""))
    if not diff.empty:
        out += ["", "Objects:"] + [f"  {line}" for line in object_lines(diff)]
    return "\n".join(out) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ") or " "


def markdown(diff: ObjectDiff, found: list[Consequence]) -> str:
    out = ["## zymtrace backend: what this change does", "", f"**{summary(diff)}**"]
    if diff.empty and not found:
        return "\n".join(out) + "\n"
    for section, items in _grouped(found).items():
        out += ["", f"### {SECTIONS[section]}", "", "| Object | What happens | Why |", "|---|---|---|"]
        out += [f"| {_cell(i.subject)} | {_cell(i.effect)} | {_cell(i.reason)} |" for i in items]
    if not diff.empty:
        out += ["", "<details><summary>Object diff</summary>", "", "```diff"]
        out += object_lines(diff, limit=50)
        out += ["```", "", "</details>"]
    return "\n".join(out) + "\n"
