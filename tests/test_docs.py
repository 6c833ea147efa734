"""Documentation that is generated from the model or checked against it, and the README's commands."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from helpers import ROOT

from kustomize_zymtrace.docs import parameters_markdown
from kustomize_zymtrace.model import Spec
from kustomize_zymtrace.model.defaults import default_values

README = (ROOT / "README.md").read_text()


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:sh|bash)\n(.*?)```", text, flags=re.S)


def test_parameters_reference_is_current() -> None:
    expected = parameters_markdown()
    actual = (ROOT / "docs" / "parameters.md").read_text()
    assert actual == expected, "docs/parameters.md is stale: run hack/regenerate"


def test_parameters_reference_lists_every_leaf_of_the_defaults() -> None:
    text = (ROOT / "docs" / "parameters.md").read_text()

    def leaves(tree: dict[str, Any], prefix: str = "") -> list[str]:
        out = []
        for key, value in tree.items():
            path = f"{prefix}.{key}" if prefix else key
            out += (
                leaves(value, path)
                if isinstance(value, dict) and value and key not in ("requests", "limits")
                else [path]
            )
        return out

    missing = [p for p in leaves(default_values(Spec)) if f"`{p}`" not in text and f"`{p}." not in text]
    assert not missing, missing


def test_readme_opens_with_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in code_blocks(quick_start)]
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    install_render, install_test = blocks
    assert "pip install" in install_render and "kustomize-zymtrace render" in install_render
    assert "[test]" in install_test and "pytest" in install_test
    assert install_test in (ROOT / ".ci" / "run").read_text()
    # Nothing before the quick start but the introduction.
    assert README.index("## Quick start") < README.index("## The config") < README.index("## Usage")
    for tool in ("### kustomize", "### kpt", "### Flux", "### Argo CD"):
        assert tool in README


def test_readme_links_resolve() -> None:
    for document in [
        ROOT / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted(ROOT.glob("examples/*/README.md")),
    ]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", document.read_text()):
            if target.startswith("http"):
                continue
            assert (document.parent / target).exists(), f"{document.relative_to(ROOT)} -> {target}"


def _literal(cell: str) -> Any:
    return json.loads(cell.strip().strip("`"))


def test_changed_defaults_table_matches_the_model() -> None:
    text = (ROOT / "docs" / "compatibility.md").read_text()
    table = text.split("## Changed defaults", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) >= 9
    defaults = default_values(Spec)
    for row in rows:
        key, chart, here = (cell.strip() for cell in row.strip("|").split("|"))
        node: Any = defaults
        for part in key.strip("`").split("."):
            node = node.get(part) if isinstance(node, dict) else None
        assert node == _literal(here), f"{key}: model says {node!r}, the table says {here}"
        assert _literal(chart) != _literal(here), key


def test_example_configs_declare_their_schema() -> None:
    configs = [ROOT / "base" / "generator" / "zymtrace.yaml", ROOT / "examples" / "kpt" / "zymtrace.yaml"]
    configs.append(ROOT / "examples" / "values" / "production.zymtrace.yaml")
    for path in configs:
        assert path.read_text().startswith("# yaml-language-server: $schema="), path


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    return [ROOT / name for name in listed.stdout.splitlines() if name.endswith((".yaml", ".yml", ".md"))]


def test_every_modeline_points_at_the_committed_schema() -> None:
    """Editors resolve a modeline's path against the file it is in: each must reach the committed schema."""
    schema = (ROOT / "schema" / "zymtracebackend-v1alpha1.schema.json").resolve()
    found = []
    for path in tracked_text_files():
        if not path.exists():
            continue
        for target in re.findall(r"yaml-language-server: \$schema=(\S+)", path.read_text()):
            found.append(path)
            assert not target.startswith("http"), f"{path.relative_to(ROOT)}: {target} (no such URL is published)"
            assert (path.parent / target).resolve() == schema, f"{path.relative_to(ROOT)}: {target}"
    assert len(found) >= 4, found


def test_every_example_directory_is_documented() -> None:
    index = (ROOT / "examples" / "README.md").read_text()
    for directory in sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir()):
        assert f"[{directory.name}]({directory.name})" in index, directory.name
        assert f"examples/{directory.name}" in README, directory.name
        # A kpt package holds only its own files (tools read every file in it); the index documents it.
        assert (directory / "README.md").exists() != (directory / "Kptfile").exists(), directory


def test_issue_relevant_docs_exist() -> None:
    for name in ("parameters.md", "compatibility.md", "migration-from-helm.md"):
        assert Path(ROOT / "docs" / name).stat().st_size > 1000


def test_security_page_matches_the_image_table() -> None:
    from kustomize_zymtrace.components import IMAGES, container_images

    CONTAINERS = container_images()

    text = (ROOT / "docs" / "security.md").read_text()
    table = text.split("## What each image needs", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ") and "---" not in line
    ]
    documented = {row[0]: row for row in rows[1:]}
    assert set(documented) == set(IMAGES)
    for family, needs in IMAGES.items():
        _, containers, user, drops, writable, low_port = documented[family]
        assert set(containers.split(", ")) == {c for c, f in CONTAINERS.items() if f == family}, family
        assert int(user) == needs.user, family
        assert drops == ("ALL" if needs.drop_all else "NET_RAW"), family
        assert writable == (", ".join(f"`{p}`" for p in needs.writable) or "none"), family
        assert low_port == ("yes" if needs.low_port else "no"), family


def test_guide_snippets_render() -> None:
    """Every YAML snippet of the guide is a valid spec fragment that renders."""
    from helpers import render

    text = (ROOT / "docs" / "guide.md").read_text()
    snippets = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(snippets) >= 6
    import yaml

    for snippet in snippets:
        assert len(render(yaml.safe_load(snippet))) >= 20, snippet


def test_user_docs_use_no_internal_reference_names() -> None:
    """Users never saw the project's planning material: no "the seed", "the inventory", issue numbers."""
    # "inventory policy" is kpt's own term (kpt live apply --inventory-policy), not the chart's inventory.
    internal = re.compile(r"\bseed\b|\binventory\b(?![- ]polic)|\bissues? #?\d+|\bsection \d+(\.\d+)*\b|\b8\.3\b", re.I)
    documents = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("examples/**/*.md")]
    documents += ROOT.glob("overlays/*/README.md")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in documents
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if internal.search(line)
    ]
    assert not found, "\n".join(found)
