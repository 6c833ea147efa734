#!/usr/bin/env python3
"""The container image's render time against an installed package's, without a Docker engine.

    python bench/container.py [--runs 21]

Three environments of this checkout, each a fresh virtualenv:
- installed: `pip install .` (pip compiles the bytecode, the directory stays writable): the reference.
- image:     installed as the Dockerfile does it (pip, then `python -m compileall --invalidation-mode
             unchecked-hash`), then made read-only (chmod -R a-w) and run as uid 65534 with
             PYTHONDONTWRITEBYTECODE=1, as kustomize runs the image.
- no-compile: the former Dockerfile (`pip install --no-compile`), read-only, uid 65534: every run
             compiles the package again and cannot keep the result.
Each run is a KRM render of the base config (41 objects), rounds interleaved; medians are reported
with the ratio to `installed`. Exit 1 when the image is more than 10 % slower than the installed
package. Needs root (to switch to uid 65534 with setpriv).
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
LIMIT = 1.10
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def venv(path: Path, *pip_args: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run([str(path / "bin" / "pip"), "install", "-q", *pip_args, str(ROOT)], check=True)
    return path


def site_packages(env: Path) -> Path:
    return next((env / "lib").glob("python3*/site-packages"))


def read_only(env: Path) -> None:
    subprocess.run(["chmod", "-R", "a-w", str(env)], check=True)


def run_once(command: list[str], stdin: Path, env: dict[str, str]) -> float:
    with open(stdin, "rb") as feed:
        start = time.perf_counter()
        result = subprocess.run(command, stdin=feed, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stderr.decode()[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="zt-container-"))
    try:
        scratch.chmod(0o755)  # uid 65534 reads the environments and the input
        installed = venv(scratch / "installed")
        image = venv(scratch / "image")
        artifact = site_packages(image) / "kustomize_zymtrace" / "model" / "compiled.json"
        built = subprocess.run(
            [str(image / "bin" / "python"), "-m", "kustomize_zymtrace.model.compiled"],
            check=True,
            capture_output=True,
            text=True,
        )
        artifact.write_text(built.stdout)  # the Dockerfile's rebuild of the saved validator
        subprocess.run(
            [
                str(image / "bin" / "python"),
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                str(site_packages(image)),
            ],
            check=True,
        )  # the Dockerfile's RUN python -m compileall (the base interpreter's library is compiled already)
        old = venv(scratch / "no-compile", "--no-compile")
        for env_dir in (image, old):
            read_only(env_dir)
        config = yaml.safe_load((ROOT / "base" / "generator" / "zymtrace.yaml").read_text())
        stdin = scratch / "resource-list.yaml"
        body = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "functionConfig": config, "items": []}
        stdin.write_text(yaml.safe_dump(body))
        stdin.chmod(0o644)
        clean = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
        cases = {
            "installed": ([str(installed / "bin" / "kustomize-zymtrace")], clean),
            "image": ([*NOBODY, str(image / "bin" / "kustomize-zymtrace")], {**clean, "PYTHONDONTWRITEBYTECODE": "1"}),
            "no-compile": (
                [*NOBODY, str(old / "bin" / "kustomize-zymtrace")],
                {**clean, "PYTHONDONTWRITEBYTECODE": "1"},
            ),
        }
        for command, env in cases.values():  # warm-up (and the reference's bytecode cache)
            run_once(command, stdin, env)
        assert not list(site_packages(image).rglob("*.cpython-*.pyc.*")), "the read-only image wrote bytecode"
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (command, env) in cases.items():
                times[name].append(run_once(command, stdin, env))
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(scratch)], check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    reference = statistics.median(times["installed"])
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<11} {median * 1000:7.1f} ms  {median / reference:5.2f}x installed")
    ratio = statistics.median(times["image"]) / reference
    verdict = "within" if ratio <= LIMIT else "OVER"
    print(
        f"image render {verdict} {LIMIT:.2f}x the installed package ({args.runs} interleaved rounds, "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]})"
    )
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    raise SystemExit(main())
