"""Every generated file of the repository, and how it is made: `hack/regenerate` rewrites them all,
`hack/regenerate --check` (run by the tests) exits 1 naming each one that is stale.

In-process targets come from the package itself; the hydrated Flux example needs kubectl and the
plugin, like a user's run of examples/flux/hydrate.sh.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "zymtracebackend-v1alpha1.schema.json"
HELM_VALUES = "examples/values/production-values.yaml"
HYDRATED_OVERLAY, HYDRATED = "overlays/gke", "examples/flux/hydrated/gke"


class Target(NamedTuple):
    path: Path
    make: Callable[[], str]


def compiled_json() -> str:
    from kustomize_zymtrace.model import compiled

    return json.dumps(compiled.build(), indent=1) + "\n"  # as `python -m kustomize_zymtrace.model.compiled`


def public_values_json() -> str:
    from kustomize_zymtrace.render.render_pass import public_values_of_model

    return json.dumps(public_values_of_model(), indent=0) + "\n"


def parameters_md() -> str:
    from kustomize_zymtrace.docs import parameters_markdown

    return parameters_markdown()


def schema_json() -> str:
    from kustomize_zymtrace.schema import json_schema

    return json.dumps(json_schema(), indent=2) + "\n"  # as `kustomize-zymtrace schema`


def converted_values() -> str:
    from kustomize_zymtrace.helm_values import convert

    output = ROOT / "examples" / "values" / "production.zymtrace.yaml"
    schema = os.path.relpath(SCHEMA_FILE, output.parent)
    data = (ROOT / HELM_VALUES).read_bytes()
    return convert(data, HELM_VALUES, name="zymtrace", namespace="zymtrace", schema=schema)


def golden(config: Path) -> Callable[[], str]:
    def make() -> str:
        from kustomize_zymtrace import yamlio
        from kustomize_zymtrace.loading import load_file_text
        from kustomize_zymtrace.render import render

        backend, _ = load_file_text(config.read_bytes(), str(config))
        return yamlio.dump_all(render(backend))

    return make


def targets() -> list[Target]:
    found = [
        Target(ROOT / "kustomize_zymtrace" / "model" / "compiled.json", compiled_json),
        Target(ROOT / "kustomize_zymtrace" / "public-values.json", public_values_json),
        Target(ROOT / "docs" / "parameters.md", parameters_md),
        Target(SCHEMA_FILE, schema_json),
        Target(ROOT / "examples" / "values" / "production.zymtrace.yaml", converted_values),
    ]
    for config in sorted(ROOT.glob("tests/cases/*/config.yaml")):
        found.append(Target(config.parent / "expected.yaml", golden(config)))
    return found


def hydrate(out: Path) -> None:
    """examples/flux/hydrate.sh, with the plugin found in this interpreter's environment."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("KUSTOMIZE_PLUGIN_HOME", None)
    script = ROOT / "examples" / "flux" / "hydrate.sh"
    result = subprocess.run(
        [str(script), HYDRATED_OVERLAY, str(out)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"regenerate: {script.relative_to(ROOT)} failed: {result.stderr.strip()}")


def same_tree(left: Path, right: Path) -> bool:
    compare = filecmp.dircmp(left, right)
    if compare.left_only or compare.right_only or compare.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, compare.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(left / d, right / d) for d in compare.common_dirs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hack/regenerate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming every stale file")
    parser.add_argument("--no-tools", action="store_true", help="skip what needs kubectl (the hydrated example)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    stale = []
    for target in targets():
        text = target.make()
        current = target.path.read_text() if target.path.exists() else None
        if text == current:
            continue
        stale.append(target.path)
        if not args.check:
            target.path.parent.mkdir(parents=True, exist_ok=True)
            target.path.write_text(text)
    if not args.no_tools:
        with tempfile.TemporaryDirectory() as scratch:
            fresh = Path(scratch) / "hydrated"
            hydrate(fresh)
            if not (ROOT / HYDRATED).is_dir() or not same_tree(fresh, ROOT / HYDRATED):
                stale.append(ROOT / HYDRATED)
                if not args.check:
                    shutil.rmtree(ROOT / HYDRATED, ignore_errors=True)
                    shutil.copytree(fresh, ROOT / HYDRATED)
    for path in stale:
        print(f"{'stale' if args.check else 'rewrote'}: {os.path.relpath(path, ROOT)}", file=sys.stderr)
    if args.check and stale:
        print("run hack/regenerate, review the diff, commit it", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
