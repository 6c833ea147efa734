"""Suite-wide fixtures: every object rendered by a test is validated against the Kubernetes 1.30 schema."""

from __future__ import annotations

import helpers
import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def strict_schema():
    """Whatever a test renders (in-process or through kubectl/kpt) must be strictly schema-valid."""
    helpers.RENDERED.clear()
    yield
    objects = list(helpers.RENDERED)
    helpers.RENDERED.clear()
    helpers.strict_validate(objects)
