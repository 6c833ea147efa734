"""The finishing transformer is a light process: kustomize starts it on every build, after the generator,
so it loads neither pydantic, the model nor the renderers, and still computes what the renderer computes
(the list of the chart's published values it reads is the model's)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from helpers import ROOT, find_prefix, render

from kustomize_zymtrace.derived import CHECKSUM, TEMPLATE_HASH, digest, public_values
from kustomize_zymtrace.render.render_pass import public_values_of_model

FINISH_CONFIG = ROOT / "base" / "finish" / "finish.yaml"
# What the renderer's start-up costs, and what the finishing pass must do without.
HEAVY = (
    "pydantic",
    "pydantic_core",
    "kustomize_zymtrace.model",
    "kustomize_zymtrace.render",
    "kustomize_zymtrace.loading",
)
# The plugin mode as kustomize runs it (the transformer config's path, the objects on stdin), then the
# modules the process loaded, written where the test reads them.
DRIVER = """
import json, sys
from kustomize_zymtrace import cli
code = cli.main([sys.argv[1]])
sys.stdout.flush()
with open(sys.argv[2], "w") as report:
    json.dump({"code": code, "modules": sorted(sys.modules)}, report)
"""


def test_the_saved_public_values_are_the_models() -> None:
    assert public_values() == frozenset(public_values_of_model())
    assert "/var/lib/postgresql/data/pgdata" in public_values()  # a value the renderer writes, not a default


def test_the_finishing_transformer_loads_no_model_and_still_derives_what_the_renderer_does(tmp_path: Path) -> None:
    # The default config: its Secrets hold the chart's published passwords, which the checksum reads
    # through the saved list (a wrong list would seal them and move every checksum).
    objects = render()
    checksums = {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["annotations"][CHECKSUM]
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet") and CHECKSUM in o["spec"]["template"]["metadata"]["annotations"]
    }
    assert checksums
    job = find_prefix(objects, "Job", "zymtrace-migrate")
    old_name = job["metadata"]["name"]
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/migrate:2"  # an images: edit
    stream = tmp_path / "stream.yaml"
    stream.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    report = tmp_path / "report.json"
    with stream.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(FINISH_CONFIG), str(report)],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(report.read_text())
    assert loaded["code"] == 0, done.stderr
    assert [m for m in loaded["modules"] if m.startswith(HEAVY)] == []
    assert "kustomize_zymtrace.finish" in loaded["modules"]  # the pass did run in this process

    finished = list(yaml.safe_load_all(done.stdout))
    assert len(finished) == len(objects)
    renamed = find_prefix(finished, "Job", "zymtrace-migrate")
    fresh = digest(renamed["spec"]["template"])[:8]
    assert renamed["metadata"]["name"] == f"{old_name.rsplit('-', 1)[0]}-{fresh}" != old_name
    assert renamed["metadata"]["annotations"][TEMPLATE_HASH] == fresh
    assert f"Job {old_name} changed after it was generated" in done.stderr
    for obj in finished:
        if obj["metadata"]["name"] in checksums and obj["kind"] in ("Deployment", "StatefulSet"):
            annotations = obj["spec"]["template"]["metadata"]["annotations"]
            assert annotations[CHECKSUM] == checksums[obj["metadata"]["name"]], obj["metadata"]["name"]
