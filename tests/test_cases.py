"""Golden renders: every tests/cases/<name>/config.yaml renders to expected.yaml, byte for byte.

`pytest --update-golden` rewrites the expected files; review the diff before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, record

from kustomize_zymtrace import yamlio
from kustomize_zymtrace.loading import load_file_text
from kustomize_zymtrace.render import render

CASES = ROOT / "tests" / "cases"
CASE_DIRS = sorted(p.parent for p in CASES.glob("*/config.yaml"))


def test_cases_exist() -> None:
    assert len(CASE_DIRS) >= 10, "the golden cases directory was not found"


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_golden(case: Path, update_golden: bool) -> None:
    backend, _ = load_file_text((case / "config.yaml").read_bytes(), str(case / "config.yaml"))
    objects = record(render(backend))
    text = yamlio.dump_all(objects)
    expected = case / "expected.yaml"
    if update_golden:
        expected.write_text(text)
    assert expected.exists(), f"{expected} missing: run pytest --update-golden"
    assert text == expected.read_text(), f"{case.name} changed: review, then pytest --update-golden"
