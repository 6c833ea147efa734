"""The committed JSON Schema in a real editor: yaml-language-server (tests/lsp, installed by
tests/lsp/install), driven over stdio, resolves each file's modeline and validates it."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ROOT, first_in_short_run
from lsp_client import LspClient

SERVER = ROOT / "tests" / "lsp" / "node_modules" / ".bin" / "yaml-language-server"
SETTINGS = {"yaml": {"validate": True, "hover": False, "completion": False, "schemaStore": {"enable": False}}}
BASE = ROOT / "base" / "generator" / "zymtrace.yaml"


@pytest.fixture(scope="module")
def server() -> Iterator[LspClient]:
    if not (SERVER.exists() and shutil.which("node")):
        message = "yaml-language-server is not installed: run tests/lsp/install (needs node and npm)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (required in CI)")
        pytest.skip(message)
    client = LspClient([str(SERVER), "--stdio"], ROOT, SETTINGS)
    yield client
    client.close()


def readme_config() -> str:
    text = (ROOT / "README.md").read_text()
    return next(b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if "yaml-language-server" in b)


def configs_with_modelines() -> list[tuple[Path, str]]:
    found = [(ROOT / "README-config.yaml", readme_config())]  # as if saved beside the README
    for path in sorted(ROOT.glob("**/*.yaml")):
        if not {".venv", ".tools", "node_modules"} & set(path.relative_to(ROOT).parts):
            text = path.read_text()
            if text.startswith("# yaml-language-server: $schema="):
                found.append((path, text))
    return found


def messages(diagnostics: list[dict]) -> list[str]:
    return [f"line {d['range']['start']['line'] + 1}: {d['message']}" for d in diagnostics]


def test_every_config_with_a_modeline_gets_no_diagnostics(server: LspClient) -> None:
    configs = configs_with_modelines()
    assert len(configs) >= 4
    for (path, _), diagnostics in zip(configs, server.diagnose_all(configs), strict=True):
        assert messages(diagnostics) == [], f"{path.relative_to(ROOT)}: {messages(diagnostics)}"


MISTAKES = {
    "a typo in a key": ("  global:\n", "  globl:\n", "globl"),
    "a YAML 1.1 boolean": ("spec:\n", "spec:\n  gitops:\n    protectVolumes: yes\n", "boolean"),
    "a Cloud SQL instance without region": (
        "spec:\n",
        "spec:\n  postgres:\n    gcp_cloudsql:\n      instance: my-instance\n",
        "pattern",
    ),
}


@pytest.mark.parametrize("mistake", first_in_short_run(MISTAKES))
def test_a_mistake_gets_a_diagnostic(server: LspClient, mistake: str) -> None:
    old, new, expected = MISTAKES[mistake]
    text = BASE.read_text()
    assert old in text
    found = messages(server.diagnose(BASE, text.replace(old, new, 1)))
    assert len(found) == 1 and expected in found[0].lower(), found
