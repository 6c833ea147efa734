"""hack/compare-chart: the chart's `helm template` output against ours, through the pinned helm.

Without the real chart (it cannot be committed), a stand-in in tests/chart-fixture renders three of the
chart's objects with its names, labels and value keys: the tool must pass it, report a difference planted
in a copy of it, and fail with one line on a chart that cannot render. With ZYMTRACE_CHART set to a local
copy of the real chart (`zymtrace backend` 26.8.4), the default values and every values file of
tests/chart-modes (the chart README's modes) must leave only declared differences, and every declared
difference must still occur (an entry that matches nothing is stale).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from helpers import ROOT, tool_env, tool_file

TOOL = ROOT / "hack" / "compare-chart"
FIXTURE = ROOT / "tests" / "chart-fixture"
MODES = sorted((ROOT / "tests" / "chart-modes").glob("*.yaml"))
GUIDE = ROOT / "docs" / "maintaining.md"


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_chart", ROOT / "hack" / "compare_chart.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compare_chart"] = module  # dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


def compare(*args: str | Path) -> subprocess.CompletedProcess[str]:
    tool_file("bin/helm")  # the pinned helm, built by hack/install-tools (skips locally, fails in CI)
    env = tool_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(TOOL), *map(str, args)], capture_output=True, text=True, timeout=300, env=env)


def reports(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in done.stderr, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    """A copy of the stand-in chart, for a test to plant a difference in."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "backend"))


def plant(chart: Path, template: str, old: str, new: str) -> None:
    path = chart / "templates" / template
    text = path.read_text()
    assert old in text, (template, old)
    path.write_text(text.replace(old, new))


# ------------------------------------------------------------------ the stand-in chart


def test_the_same_objects_leave_only_declared_differences() -> None:
    """Without --partial, what only ours renders is a difference, except what the table declares."""
    done = compare(FIXTURE, "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    [report] = reports(done)
    assert report["values"] == "the chart's defaults"
    assert (report["chart_objects"], report["paired"], report["not_compared"]) == (3, 3, [])
    only_ours = [(d["object"].split("/")[0], d["side"], d["path"]) for d in report["unexplained"]]
    assert len(only_ours) == report["our_objects"] - 3 - 3 >= 30  # the three NetworkPolicies are declared
    assert {side for _, side, _ in only_ours} == {"ours"} and {path for _, _, path in only_ours} == {""}
    assert "NetworkPolicy" not in {kind for kind, _, _ in only_ours} and report["intended"]["network-policies"] == 3
    # Secrets compared by their text, and the labels and marks the table declares, each counted.
    assert report["intended"] == {
        "generated-by": 3,
        "managed-by": 2,
        "network-policies": 3,
        "pdb-namespace-labels": 5,
        "secret-data": 1,
    }


def test_the_values_file_reaches_both_renders(tmp_path: Path) -> None:
    values = tmp_path / "acme.yaml"
    values.write_text("global:\n  namePrefix: acme\nservices:\n  web:\n    port: 9000\n")
    keep = tmp_path / "kept"
    done = compare(FIXTURE, values, "--partial", "--keep", keep)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unexplained: 0" in done.stdout
    chart, ours = (keep / "acme" / "chart.yaml").read_text(), (keep / "acme" / "ours.yaml").read_text()
    for text in (chart, ours):
        assert "name: acme-web\n" in text and "port: 9000\n" in text
    assert "namePrefix: acme" in (keep / "acme.zymtrace.yaml").read_text()  # the converted config, kept


def test_planted_differences_are_each_reported_and_secret_values_never_shown(chart: Path) -> None:
    plant(chart, "web.yaml", "port: {{ .Values.services.web.port }}", "port: {{ add .Values.services.web.port 1 }}")
    plant(chart, "web.yaml", "  clusterIP: None\n", "  clusterIP: None\n  sessionAffinity: ClientIP\n")
    plant(chart, "postgres-secret.yaml", "POSTGRES_PASSWORD: {{", "POSTGRES_PASSWORD: s3cr3t-{{")
    (chart / "templates" / "extra.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "fixture.name" (list $ "extra") }}\n'
    )
    done = compare(chart, "--partial", "--verbose")
    assert done.returncode == 1, done.stdout + done.stderr
    unexplained = done.stdout.split("  unexplained: ", 1)[1].splitlines()
    assert unexplained == [
        "4",
        "    only the chart renders ConfigMap/zymtrace-extra",
        "    Secret/zymtrace-postgres-secrets data.POSTGRES_PASSWORD: chart (a Secret value), ours (a Secret value)",
        "    Service/zymtrace-web spec.ports[http].port: chart 9934, ours 9933",
        '    Service/zymtrace-web spec.sessionAffinity: only the chart: "ClientIP"',
    ]
    assert "s3cr3t" not in done.stdout + done.stderr and "postgres123" not in done.stdout + done.stderr


def test_show_only_compares_the_templates_it_names() -> None:
    done = compare(FIXTURE, "--show-only", "templates/web.yaml", "--json")
    assert done.returncode == 0, done.stderr
    [report] = reports(done)
    assert (report["chart_objects"], report["paired"], report["unexplained"]) == (2, 2, [])


# ------------------------------------------------------------------ errors: one line, exit 1, no traceback


def failure(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("compare-chart: error: "), done.stderr
    return lines[0]


def test_a_chart_that_fails_to_render_is_one_line_naming_it(chart: Path) -> None:
    plant(chart, "web.yaml", "spec:\n  type: ClusterIP", '{{ fail "planted failure" }}\nspec:\n  type: ClusterIP')
    line = failure(compare(chart, "--partial"))
    assert f"helm template {chart}" in line and "planted failure" in line


def test_bad_inputs_are_one_line_naming_the_file(tmp_path: Path) -> None:
    assert str(tmp_path) in failure(compare(tmp_path))  # no Chart.yaml
    missing = tmp_path / "none.yaml"
    assert f"{missing}: no such values file" in failure(compare(FIXTURE, missing))
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("postgres:\n  mode: sideways\n")
    line = failure(compare(FIXTURE, invalid))
    assert f"from-helm-values {invalid}" in line and "spec.postgres.mode" in line
    line = failure(compare(FIXTURE, "--show-only", "templates/none.yaml"))
    assert "templates/none.yaml" in line
    usage = compare("--no-such-option")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


# ------------------------------------------------------------------ the declared table


def test_every_intended_difference_has_a_reason_and_a_page_that_exists() -> None:
    table = load_tool().INTENDED
    names = [rule.name for rule in table]
    assert len(names) == len(set(names)) >= 20
    for rule in table:
        assert len(rule.reason) > 30, rule.name
        page, _, anchor = rule.doc.partition("#")
        text = (ROOT / page).read_text()
        if anchor:
            slugs = {
                re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")
                for heading in re.findall(r"^#+ (.*)$", text, flags=re.M)
            }
            assert anchor in slugs, f"{rule.name}: {rule.doc}"


def test_the_table_explains_only_what_it_declares() -> None:
    tool = load_tool()

    def why(path: str, side: str, chart: Any, ours: Any, kind: str = "Deployment", obj: Any = None) -> str:
        difference = tool.Difference(f"{kind}/x", (kind, "x"), path, side, chart, ours)
        return str(tool.explain(difference, obj, {}))

    assert why("metadata.labels[managed-by]", "both", "helm", "kustomize-zymtrace") == "managed-by"
    assert why("metadata.labels[managed-by]", "both", "helm", "someone-else") == ""
    assert why("metadata.annotations[helm.sh/hook]", "chart", "post-install", None) == "helm-hooks"
    assert why("metadata.annotations[helm.sh/hook]", "ours", None, "post-install") == ""
    assert why("spec.template.spec.nodeSelector", "chart", {}, None) == "empty-fields"
    assert why("spec.template.spec.nodeSelector", "chart", {"disk": "ssd"}, None) == ""
    # replicas may be missing only where our autoscaler scales the Deployment
    assert why("spec.replicas", "chart", 1, None, obj={"metadata": {"name": "zymtrace-web"}}) == ""
    assert why("spec.type", "ours", None, "ClusterIP", kind="Service") == "explicit-cluster-ip"
    assert why("spec.type", "ours", None, "NodePort", kind="Service", obj={"spec": {"type": "ClusterIP"}}) == ""
    assert why("data.X", "both", "3.1536e+07", "31536000", kind="ConfigMap") == "number-text"
    assert why("data.X", "both", "3.1536e+07", "31536001", kind="ConfigMap") == ""


# ------------------------------------------------------------------ the real chart (not committed)


@pytest.fixture(scope="module")
def real_chart() -> Path:
    location = os.environ.get("ZYMTRACE_CHART")
    if not location:
        pytest.skip("ZYMTRACE_CHART is not set: point it at a local copy of the zymtrace backend chart")
    chart = Path(location)
    assert (chart / "Chart.yaml").is_file(), f"ZYMTRACE_CHART={location}: no Chart.yaml there"
    return chart


def test_the_real_chart_leaves_only_declared_differences(real_chart: Path) -> None:
    done = compare(real_chart, *MODES, "--json")
    results = reports(done)
    assert [r["values"] for r in results] == [str(m) for m in MODES] and len(MODES) >= 12
    unexplained = {r["values"]: [d["text"] for d in r["unexplained"]] for r in results if r["unexplained"]}
    assert done.returncode == 0 and not unexplained, json.dumps(unexplained, indent=2)
    for result in results:
        assert result["paired"] == result["chart_objects"] >= 30, result["values"]
    used = {name for result in results for name in result["intended"]}
    stale = sorted({rule.name for rule in load_tool().INTENDED} - used)
    assert not stale, f"declared differences no mode shows any more: {stale}"


# ------------------------------------------------------------------ docs/maintaining.md


def guide_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```(?:sh|bash)\n(.*?)```", GUIDE.read_text(), flags=re.S)]


def shown_after(command: str) -> str:
    """The ```text block that follows a command's block in the guide: its output as the guide shows it."""
    after = GUIDE.read_text().split(f"```sh\n{command}\n```", 1)[1]
    return after.split("```text\n", 1)[1].split("```", 1)[0]


def test_the_guide_shows_the_stand_in_report_as_the_tool_prints_it() -> None:
    command = "hack/compare-chart tests/chart-fixture --partial"
    assert command in guide_blocks()
    tool_file("bin/helm")
    done = subprocess.run(command.split(), cwd=ROOT, capture_output=True, text=True, timeout=300, env=tool_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown_after(command)


def test_the_guide_table_of_modes_is_the_real_chart_s(real_chart: Path) -> None:
    text = GUIDE.read_text().split("For chart 26.8.4 the run gives", 1)[1].split("\n\n", 2)[1]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()[2:]]
    done = compare(real_chart, *MODES, "--json")
    found = {Path(r["values"]).stem: r for r in reports(done)}
    listed = set()
    for names, chart_objects, ours, intended, unexplained in rows:
        for name in names.split(", "):
            listed.add(name)
            result = found[name]
            counted = (result["chart_objects"], result["our_objects"], sum(result["intended"].values()))
            assert counted == (int(chart_objects), int(ours), int(intended)), name
            assert len(result["unexplained"]) == int(unexplained) == 0, name
    assert listed == set(found)


# The guide's commands, each with what it must print; those that need the real chart run only with it.
GUIDE_COMMANDS: list[tuple[str, Callable[[subprocess.CompletedProcess[str]], bool]]] = [
    ("hack/install-tools", lambda done: "ready in" in done.stderr),
    ("hack/compare-chart tests/chart-fixture --partial", lambda done: done.stdout.endswith("unexplained: 0\n")),
    (
        'hack/compare-chart "$ZYMTRACE_CHART" tests/chart-modes/*.yaml',
        lambda d: ", 0 unexplained differences" in d.stdout,
    ),
    ("hack/compare-chart --list-intended", lambda done: "  job-scripts (Job;" in done.stdout),
    ("hack/regenerate && hack/regenerate --check", lambda done: True),
    (
        'hack/compare-chart "$ZYMTRACE_CHART" tests/chart-modes/skip-migrations.yaml --verbose',
        lambda done: done.stdout.endswith("unexplained: 0\n"),
    ),
]


def test_every_command_of_the_guide_is_known_here() -> None:
    assert guide_blocks() == [command for command, _ in GUIDE_COMMANDS]


@pytest.mark.slow
def test_the_guide_commands_work_as_written(tmp_path: Path) -> None:
    """Each command of the guide, verbatim, in a copy of the repository (its .venv and the built tools'
    cache are this checkout's); the real chart's commands only when ZYMTRACE_CHART names it."""
    from test_readme_commands import fresh_copy

    tool_file("bin/helm")
    repo = fresh_copy(tmp_path / "repo")
    (repo / ".venv").symlink_to(ROOT / ".venv")
    env = tool_env()
    ran = []
    for command, check in GUIDE_COMMANDS:
        if "$ZYMTRACE_CHART" in command and not os.environ.get("ZYMTRACE_CHART"):
            continue
        done = subprocess.run(["bash", "-c", command], cwd=repo, capture_output=True, text=True, timeout=900, env=env)
        assert done.returncode == 0 and "Traceback" not in done.stderr, f"{command}\n{done.stdout}\n{done.stderr}"
        assert check(done), f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        ran.append(command)
    assert len(ran) >= 4


def test_the_guide_s_map_of_the_code_names_files_that_exist() -> None:
    """The "Where things live" table follows the code: every file or folder it names is there."""
    table = GUIDE.read_text().split("## Where things live", 1)[1]
    named = set(re.findall(r"`([\w./-]+(?:\.py|\.json|/))`", table))
    assert len(named) > 30
    package = ROOT / "kustomize_zymtrace"
    missing = sorted(
        name
        for name in named
        if not (ROOT / name).exists()
        and not (package / name).exists()
        and not any(package.rglob(name.rstrip("/")))
        and not any((ROOT / "tests").rglob(name.rstrip("/")))
    )
    assert not missing, f"docs/maintaining.md names files that are gone: {missing}"
