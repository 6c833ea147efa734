#!/usr/bin/env python3
"""Whole-process benchmark of the KRM function, against a floor measured in the same run.

    python bench/bench.py [--runs 21]

Each case is a fresh process fed a ResourceList on stdin, as kpt and kustomize run it:
- floor:   python -c "import yaml, pydantic"   (what any pydantic + PyYAML tool pays to start)
- default: the base config (every database in the cluster)
- gke:     the gke overlay's config (base patched with overlays/gke/generator/zymtrace.yaml)
- x100:    100 instances in one ResourceList
- x1000:   1000 instances in one ResourceList (peak RSS target)
- fleet:   examples/fleet's config for 100 tenants (each its own namespace, isolation on), in one ResourceList
- kpt:     the same 100 tenants as a kpt package (a directory each), `kpt fn render` with the exec function
           (each run on a fresh copy of the package; skipped with a note when kpt is not installed)
Runs are interleaved (one of each case per round) so load on the machine hits every case alike; the
median is reported, with the ratio to the floor and the peak RSS. By default the package is imported
from this checkout (PYTHONPATH); with --installed, from the interpreter's own site-packages, through
the venv's `kustomize-zymtrace` console script (run this script with the python of a venv that has the
package installed non-editable: the figures users get).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "default": ("ratio", 1.3),
    "gke": ("ratio", 1.3),
    "x100": ("seconds", 2.0),
    "fleet": ("seconds", 2.0),
    "kpt": ("seconds", 10.0),
}
TENANTS = 100
KPTFILE = """apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: fleet
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - exec: {exec}
"""
RSS_TARGET_MB = 80


def resource_list(configs: list[dict], function_config: dict | None) -> str:
    body: dict = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": configs}
    if function_config is not None:
        body["functionConfig"] = function_config
    return yaml.safe_dump(body, sort_keys=False)


def patched(base: dict, *patches: str) -> dict:
    """The base config with the configs' spec patches (as the overlays' generator directories apply them)."""
    sys.path.insert(0, str(ROOT))
    from kustomize_zymtrace.values import merge_values

    spec = base["spec"]
    for patch in patches:
        spec = merge_values(spec, yaml.safe_load((ROOT / patch).read_text())["spec"])
    return {**base, "spec": spec}


def fleet(base: dict) -> list[dict]:
    """examples/fleet's config (overlays/create's, hardened and isolated) in TENANTS namespaces."""
    shared = patched(base, "overlays/create/generator/zymtrace.yaml", "examples/fleet/generator/fleet.yaml")
    tenants = []
    for n in range(TENANTS):
        tenant = yaml.safe_load(yaml.safe_dump(shared))
        tenant["metadata"]["namespace"] = f"zymtrace-t{n:03d}"
        # Each tenant's config in a directory of its own, as kpt passes a package's files: the objects of
        # each go to <its directory>/generated/zymtrace/.
        for key in ("config.kubernetes.io/path", "internal.config.kubernetes.io/path"):
            tenant["metadata"]["annotations"][key] = f"t{n:03d}/zymtrace.yaml"
        tenants.append(tenant)
    return tenants


def kpt_package(directory: Path, tenants: list[dict], function: list[str], env: dict[str, str]) -> Path:
    """A kpt package with one directory per tenant, whose pipeline execs the function (a script: kpt
    takes one executable path)."""
    package = directory / "kpt-fleet"
    package.mkdir()
    script = directory / "kustomize-zymtrace-fn"
    exports = f"export PYTHONPATH={env['PYTHONPATH']}\n" if "PYTHONPATH" in env else ""
    script.write_text(f"#!/bin/sh\n{exports}exec {' '.join(function)}\n")
    script.chmod(0o755)
    (package / "Kptfile").write_text(KPTFILE.format(exec=script))
    for tenant in tenants:
        path = tenant["metadata"]["annotations"]["config.kubernetes.io/path"]
        (package / path).parent.mkdir()
        (package / path).write_text(yaml.safe_dump(tenant, sort_keys=False))
    return package


def inputs(directory: Path) -> dict[str, Path]:
    base = yaml.safe_load((ROOT / "base" / "generator" / "zymtrace.yaml").read_text())
    gke = patched(base, "overlays/gke/generator/zymtrace.yaml")
    many = []
    for n in range(1000):
        instance = yaml.safe_load(yaml.safe_dump(base))
        instance["metadata"].update(name=f"zymtrace-{n}", namespace=f"team-{n}")
        many.append(instance)
    files = {
        "default": resource_list([base], base),
        "gke": resource_list([gke], gke),
        "x100": resource_list(many[:100], None),
        "x1000": resource_list(many, None),
        "fleet": resource_list(fleet(base), None),
    }
    paths = {}
    for name, text in files.items():
        paths[name] = directory / f"{name}.yaml"
        paths[name].write_text(text)
    return paths


def run_once(command: list[str], stdin: Path | None, env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, the process and its children) and peak RSS (MB) of one
    process. A command whose last argument is a kpt package runs on a fresh copy of it (not timed)."""
    if command[-1].endswith("kpt-fleet"):
        fresh = f"{command[-1]}-run"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(command[-1], fresh)
        command = [*command[:-1], fresh]
    # stderr goes to a file: a pipe nobody reads while we wait would block a chatty child.
    with open(stdin or os.devnull, "rb") as feed, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        # cwd: a directory without the checkout, so `python -m` cannot pick the package up from it.
        process = subprocess.Popen(
            command, stdin=feed, stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=tempfile.gettempdir()
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().decode()[-500:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def kpt_command(directory: Path, function: list[str], env: dict[str, str]) -> list[str] | None:
    """`kpt fn render` of the 100-tenant package: the pinned kpt (.tools/bin), else the one on PATH."""
    pinned = ROOT / ".tools" / "bin" / "kpt"
    kpt = str(pinned) if pinned.exists() else shutil.which("kpt")
    if not kpt:
        print("kpt case skipped: no kpt in .tools/bin (hack/install-tools) or on PATH")
        return None
    base = yaml.safe_load((ROOT / "base" / "generator" / "zymtrace.yaml").read_text())
    package = kpt_package(directory, fleet(base), function, env)
    return [kpt, "fn", "render", "--allow-exec", str(package)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="rounds (default 21)")
    parser.add_argument("--installed", action="store_true", help="import the installed package, not the checkout")
    parser.add_argument(
        "--cases", default="default,gke,x100,x1000,fleet,kpt", help="comma-separated cases besides the floor"
    )
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if not args.installed:
        env["PYTHONPATH"] = str(ROOT)
    python = sys.executable
    # Installed: the console script, which is what kpt and kustomize exec (and the image's entrypoint) run.
    script = Path(python).parent / "kustomize-zymtrace"
    command = [str(script)] if args.installed and script.exists() else [python, "-m", "kustomize_zymtrace"]
    with tempfile.TemporaryDirectory() as scratch:
        paths = inputs(Path(scratch))
        cases: dict[str, tuple[list[str], Path | None]] = {"floor": ([python, "-c", "import yaml, pydantic"], None)}
        for name, path in paths.items():
            if name in args.cases.split(","):
                cases[name] = (command, path)
        if "kpt" in args.cases.split(","):
            kpt = kpt_command(Path(scratch), command, env)
            if kpt:
                cases["kpt"] = (kpt, None)
        for command, stdin in cases.values():  # warm-up: bytecode caches, page cache
            run_once(command, stdin, env)
        times: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        peaks: dict[str, float] = dict.fromkeys(cases, 0.0)
        for _ in range(args.runs):
            for name, (command, stdin) in cases.items():
                if name == "x1000" and len(times[name]) >= 3:
                    continue  # slow and only there for its peak RSS: three runs are enough
                elapsed, seconds, rss = run_once(command, stdin, env)
                times[name].append(elapsed)
                cpu[name].append(seconds)
                peaks[name] = max(peaks[name], rss)
    floor = statistics.median(times["floor"])
    floor_cpu = statistics.median(cpu["floor"])
    # CPU time beside wall time: other load on the machine moves wall times (and their ratios) much more.
    print(f"{'case':<8} {'median':>9} {'x floor':>8} {'cpu':>8} {'x floor':>8} {'peak RSS':>9}  target")
    misses = 0
    for name, samples in times.items():
        median = statistics.median(samples)
        ratio = median / floor
        target = ""
        if name in TARGETS:
            kind, limit = TARGETS[name]
            met = ratio <= limit if kind == "ratio" else median <= limit
            target = f"{'<=' if met else 'MISSED'} {limit}{'x' if kind == 'ratio' else ' s'}"
            misses += not met
        # The RSS target is the function's; kpt's own memory (it holds every object it writes) is not ours.
        exempt = name in ("floor", "kpt")
        rss_note = "" if exempt or peaks[name] < RSS_TARGET_MB else f" (RSS over {RSS_TARGET_MB} MB)"
        misses += bool(rss_note)
        cpu_median = statistics.median(cpu[name])
        print(
            f"{name:<8} {median * 1000:7.1f}ms {ratio:7.2f}x {cpu_median * 1000:6.1f}ms {cpu_median / floor_cpu:7.2f}x "
            f"{peaks[name]:7.1f}MB  {target}{rss_note}"
        )
    print(f"{args.runs} interleaved runs per case on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    return 0 if not misses else 1


if __name__ == "__main__":
    raise SystemExit(main())
