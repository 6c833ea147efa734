"""The package's import graph, read from its source: no cycles, and every import goes down a declared
order of layers, so data flows one way (config -> model -> settings -> renderers -> whole-output passes
-> adapters -> command line). Imports inside functions and under TYPE_CHECKING count too: a deferred
import keeps start-up fast, it does not make an upward dependency right."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = "kustomize_zymtrace"
# Lowest first. A module belongs to the layer of its longest matching entry (a package entry covers its
# submodules); it may import its own layer and the layers below. A new module is declared here.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # io, results, values and the names shared by everything: import nothing of the package above them
    ("foundation", ("", "api", "wellknown", "results", "values", "digest", "emitter", "yamlio", "console")),
    ("model", ("model",)),  # the config: sections, defaults, the saved validator
    ("declarations", ("components", "stores", "settings")),  # the components, their store modes, the resolved settings
    ("checks", ("checks",)),  # cross-field rules over the settings
    # what both whole-output passes derive (light: the finishing pass runs without the model)
    ("derivations", ("stages", "derived", "passes")),
    ("render", ("render",)),  # one renderer per component, then the render pass
    ("finishing", ("finish",)),  # the finishing pass over kustomize's final objects
    ("loading", ("loading",)),  # YAML -> validated model (its error path asks the renderer)
    (
        "features",
        ("review", "cluster", "scaffold", "docs", "schema", "doctor", "helm_values"),
    ),
    ("adapters", ("krm", "plugin", "output")),  # KRM function, legacy plugin, files on disk
    ("commands", ("review.commands", "cluster.commands", "scaffold.commands")),  # subcommands cli.py registers
    ("command line", ("cli", "__main__")),
)


def modules() -> dict[str, Path]:
    """Dotted name without the package prefix ('' for the package itself) -> source file."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT / PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> dict[str, int]:
    """The package modules `name` imports -> the line of the first such import."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [p for p in package if p]
    out: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and (node.module == PACKAGE or node.module.startswith(f"{PACKAGE}.")):
                target = node.module.removeprefix(PACKAGE).removeprefix(".")
            else:
                continue
            candidates = [target] + [f"{target}.{alias.name}".lstrip(".") for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [
                alias.name.removeprefix(PACKAGE).removeprefix(".")
                for alias in node.names
                if alias.name == PACKAGE or alias.name.startswith(f"{PACKAGE}.")
            ]
        else:
            continue
        for candidate in candidates:
            if candidate in known and candidate != name:
                out.setdefault(candidate, node.lineno)
    return out


def graph() -> dict[str, dict[str, int]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def layer(name: str) -> int:
    """The index in LAYERS of the longest entry that is the module or one of its packages."""
    best, depth = -1, -1
    for index, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            covers = entry == "" or name == entry or name.startswith(f"{entry}.")
            weight = len(entry.split(".")) if entry else 0
            if covers and weight > depth:
                best, depth = index, weight
    return best


def cycles(edges: dict[str, dict[str, int]]) -> list[tuple[str, ...]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(tuple(sorted(group)))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def label(name: str) -> str:
    return f"{PACKAGE}.{name}" if name else PACKAGE


def test_the_scan_sees_the_package_imports() -> None:
    # The tests below pass on an empty graph: hold the scan to imports known to exist.
    edges = graph()
    assert len(edges) > 60
    assert "derived" in edges["finish"]
    assert "console" in edges["cli"]
    assert "render.context" in edges["render.pods"]
    assert "model" in edges["settings"]


def test_every_module_has_a_declared_layer() -> None:
    undeclared = [label(name) for name in modules() if layer(name) < 0]
    assert not undeclared, f"declare the layer of {undeclared} in LAYERS (tests/test_architecture.py)"


def test_imports_only_go_down_the_layers() -> None:
    known = modules()
    upward = []
    for name, targets in graph().items():
        for target, line in sorted(targets.items()):
            if layer(target) > layer(name):
                where = known[name].relative_to(ROOT)
                upward.append(
                    f"{where}:{line}: {label(name)} ({LAYERS[layer(name)][0]}) imports {label(target)} "
                    f"({LAYERS[layer(target)][0]}, a higher layer)"
                )
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def shortest_cycle(group: tuple[str, ...], edges: dict[str, dict[str, int]]) -> str:
    """One shortest way round a strongly connected group, each import with its line."""
    start = group[0]
    paths: dict[str, list[str]] = {start: [start]}
    queue = [start]
    for node in queue:
        for target in sorted(edges[node]):
            if target == start:
                path = [*paths[node], start]
                return " -> ".join(
                    f"{label(b)} (line {edges[a][b]} of {label(a)})" if i else label(b)
                    for i, (a, b) in enumerate(zip([start, *path], path, strict=False))
                )
            if target in group and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return " <-> ".join(map(label, group))


def test_no_import_cycles() -> None:
    edges = graph()
    new = cycles(edges)
    assert not new, "import cycles:\n" + "\n".join(shortest_cycle(group, edges) for group in new)


def test_the_cycle_check_finds_a_cycle() -> None:
    edges = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert cycles(edges) == [("a", "b", "c")]
