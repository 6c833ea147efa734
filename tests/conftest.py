"""Suite-wide fixtures: every object rendered by a test is validated against the Kubernetes 1.30 schema;
a real API server (one per test process) for the tests that apply objects."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import helpers
import pytest
from apiserver import ApiServer, running

APISERVER_LOGS = pytest.StashKey[list[Path]]()
PODMONITOR_CRD = "crds/monitoring.coreos.com_podmonitors.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def strict_schema() -> Iterator[None]:
    """Whatever a test renders (in-process or through kubectl/kpt) must be strictly schema-valid."""
    helpers.RENDERED.clear()
    yield
    objects = list(helpers.RENDERED)
    helpers.RENDERED.clear()
    helpers.strict_validate(objects)


@pytest.fixture(scope="session")
def apiserver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """etcd + kube-apiserver (hack/install-tools), started once per test process on first use."""
    etcd, kube_apiserver = helpers.tool("etcd"), helpers.tool("kube-apiserver")
    crd = helpers.tool_file(PODMONITOR_CRD)
    workdir = tmp_path_factory.mktemp("apiserver")
    with running(etcd, kube_apiserver, workdir) as server:
        request.config.stash[APISERVER_LOGS] = server.logs
        # PodMonitors are ours too: the Prometheus Operator's CRD makes the server judge them as well.
        server.install(helpers.docs(crd.read_text()), established="monitoring.coreos.com/v1/PodMonitor")
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    """A failed test that used the API server shows the end of its log and where the whole log is kept."""
    report = yield
    logs = item.config.stash.get(APISERVER_LOGS, [])
    if getattr(report, "failed", False) and logs and "apiserver" in getattr(item, "fixturenames", ()):
        for log in logs:
            lines = log.read_text(errors="replace").splitlines()[-25:] if log.exists() else []
            report.sections.append((f"{log.name} (kept at {log})", "\n".join(lines)))  # type: ignore[attr-defined]
    return report
