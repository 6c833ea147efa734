"""The guide's Python example runs as written, and mypy (strict) accepts it: the types loading returns
are the ones the package declares."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def _example() -> str:
    text = (ROOT / "docs" / "guide.md").read_text()
    section = text[text.index("## From Python") :]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "docs/guide.md: the From Python section has no python block"
    return found.group(1)


def test_the_guides_python_example_runs(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(_example())
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "gateway port 80, 1 replica(s)" in result.stdout
    assert "'StatefulSet'" in result.stdout and "'Deployment'" in result.stdout


def test_mypy_strict_accepts_the_example_and_sees_the_model_types(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(_example() + "\nreveal_type(backend.spec.services.gateway.port)\nreveal_type(gateway)\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r'Revealed type is "(builtins\.)?int"', result.stdout), result.stdout
    assert 'Revealed type is "kustomize_zymtrace.model.services.GatewayService"' in result.stdout
