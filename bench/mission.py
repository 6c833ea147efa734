#!/usr/bin/env python3
"""The mission command against kustomize inflating the Helm chart, side by side, as whole processes.

    python bench/mission.py --chart PATH/TO/CHART [--runs 11] [--fleet-runs 5] [--cases gke,fleet]

Run it with the python of a virtualenv where the package is installed (not editable: the figures users
get); the plugin in plugin/ then finds that environment's `kustomize-zymtrace` on PATH, as it does for a
user with the environment active. Needs the pinned kustomize and helm in .tools/bin (hack/install-tools).

Cases (each a set of commands run round after round, interleaved, in a rotating order):
- gke:   ours, `kustomize build --enable-alpha-plugins overlays/gke` (generator, patch, finishing
         transformer), against the same kustomize inflating the chart with `helmCharts` and the overlay's
         config as the chart's values (the config's spec is the chart's values tree), with and without
         the overlay's patch on the ingest Deployment.
- fleet: ours, one kustomization of --instances generator directories (the base config, each in its own
         namespace under its own instance name) and the finishing transformer, against as many kustomize
         builds of the chart, one release each (the chart's PodDisruptionBudgets carry no namespace, so
         the releases cannot share one kustomization). Also the same objects with each instance finished
         on its own (a kustomization per instance, as examples/fleet's tenants, listed by one on top).
Besides them, where our time goes: the same objects as static YAML through the same kustomize
("kustomize alone"), the same build with plugins that cost nothing (the generator prints its saved
output, the finishing transformer copies its input: kustomize's own plugin round trips, patches and
schema), the generator processes alone and the finishing process alone, each run as kustomize runs it
(the plugin script with the config kustomize wrote, the objects kustomize passed on stdin).

Without --chart the Helm rows are left out (the chart is not ours to ship): ratios are then to
"kustomize alone", the same objects as static YAML through the same kustomize.

Reported per command: median wall time, median CPU time (user + system of the whole process tree), and
the median over rounds of each round's ratio to the reference. Exit status 1 when ours takes more CPU
time than kustomize inflating the chart. Other jobs on the machine move wall times
much more than CPU times: when the load average is high, read the CPU column.
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
from typing import NamedTuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools" / "bin"
OUTSIDE = tempfile.gettempdir()
PLUGIN_DIR = Path("zymtrace.io", "v1alpha1")
GENERATOR = PLUGIN_DIR / "zymtracebackend" / "ZymtraceBackend"
FINISHER = PLUGIN_DIR / "zymtracefinish" / "ZymtraceFinish"
FINISH_CONFIG = ROOT / "base" / "finish" / "finish.yaml"
PATCH = ROOT / "overlays" / "gke" / "ingest-resources.yaml"
# The recording plugins keep each generator's config and output under a key of the config's content, and
# the finishing transformer's input; the free plugins replay them.
KEY = 'key=$(sha256sum "$1" | cut -c1-16)'
RECORD_GENERATOR = f"""#!/bin/sh
{KEY}
cp "$1" "$REC/$key.config.yaml"
kustomize-zymtrace "$@" > "$REC/$key.yaml" || exit 1
exec cat "$REC/$key.yaml"
"""
RECORD_FINISHER = """#!/bin/sh
cat > "$REC/finish-input.yaml"
exec kustomize-zymtrace "$1" < "$REC/finish-input.yaml"
"""
FREE_GENERATOR = f"""#!/bin/sh
{KEY}
exec cat "$REC/$key.yaml"
"""
FREE_FINISHER = "#!/bin/sh\nexec cat\n"


class Command(NamedTuple):
    label: str
    argv: list[str]
    env: dict[str, str]
    stdin: Path | None = None


class Case(NamedTuple):
    name: str
    commands: list[Command]
    reference: str  # the label ratios are to
    ours: str


def run_once(command: Command) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the process and every child it waited for)."""
    with open(command.stdin or os.devnull, "rb") as feed, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        # cwd: not the checkout, so no python started here can import the package from it.
        process = subprocess.Popen(
            command.argv, stdin=feed, stdout=subprocess.DEVNULL, stderr=errors, env=command.env, cwd=OUTSIDE
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{command.label}: {' '.join(command.argv)} failed: {errors.read().decode()[-800:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def output(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, env=env, cwd=OUTSIDE, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr[-800:]}")
    return result.stdout


def plugin_home(directory: Path, generator: str, finisher: str) -> Path:
    for relative, text in ((GENERATOR, generator), (FINISHER, finisher)):
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text(text)
        (directory / relative).chmod(0o755)
    return directory


def kustomization(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kustomization.yaml").write_text(text)
    return directory


def chart_build(directory: Path, chart: Path, release: str, namespace: str, values: dict, patch: bool) -> Path:
    """A kustomization inflating the chart (copied below it: kustomize loads nothing from outside)."""
    name = yaml.safe_load((chart / "Chart.yaml").read_text())["name"]
    shutil.copytree(chart, directory / "charts" / name)
    (directory / "values.yaml").write_text(yaml.safe_dump(values, sort_keys=False))
    text = (
        f"helmCharts:\n  - name: {name}\n    releaseName: {release}\n    namespace: {namespace}\n"
        "    valuesFile: values.yaml\n"
    )
    if patch:
        shutil.copy(PATCH, directory / PATCH.name)
        text += f"patches:\n  - path: {PATCH.name}\n"
    return kustomization(directory, text)


class Bench:
    def __init__(self, scratch: Path, chart: Path | None) -> None:
        self.scratch, self.chart = scratch, chart
        self.kustomize = str(TOOLS / "kustomize")
        self.helm = str(TOOLS / "helm")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KUSTOMIZE_PLUGIN_HOME")}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        self.env = env
        self.ours_env = {**env, "KUSTOMIZE_PLUGIN_HOME": str(ROOT / "plugin")}

    def build(self, directory: Path, *flags: str) -> list[str]:
        return [self.kustomize, "build", *flags, str(directory)]

    def helm_build(self, directory: Path) -> list[str]:
        return self.build(directory, "--enable-helm", "--helm-command", self.helm)

    def record(self, name: str, target: Path) -> tuple[Path, Path]:
        """Builds `target` once through recording plugins: the saved configs, outputs and finishing input
        in the returned directory, and the build's output (the same objects as ours) as static YAML."""
        recorded = self.scratch / f"{name}-recorded"
        recorded.mkdir()
        home = plugin_home(self.scratch / f"{name}-record-plugins", RECORD_GENERATOR, RECORD_FINISHER)
        env = {**self.env, "KUSTOMIZE_PLUGIN_HOME": str(home), "REC": str(recorded)}
        ours = output(self.build(target, "--enable-alpha-plugins"), env)
        if ours != output(self.build(target, "--enable-alpha-plugins"), self.ours_env):
            raise SystemExit(f"{name}: the recording plugins changed the output")
        static = kustomization(self.scratch / f"{name}-static", "resources:\n  - objects.yaml\n")
        (static / "objects.yaml").write_text(ours)
        return recorded, static

    def phases(self, name: str, target: Path) -> tuple[list[Command], list[Path]]:
        """kustomize alone, kustomize with free plugins, the generator processes, the finishing process."""
        recorded, static = self.record(name, target)
        free = plugin_home(self.scratch / f"{name}-free-plugins", FREE_GENERATOR, FREE_FINISHER)
        free_env = {**self.env, "KUSTOMIZE_PLUGIN_HOME": str(free), "REC": str(recorded)}
        configs = sorted(recorded.glob("*.config.yaml"))
        generator = str(ROOT / "plugin" / GENERATOR)
        if len(configs) == 1:
            generators = [generator, str(configs[0])]
        else:  # one process per instance, one after another, as kustomize runs them
            loop = 'for config in "$@"; do "$0" "$config" >/dev/null || exit 1; done'
            generators = ["sh", "-c", loop, generator, *map(str, configs)]
        commands = [
            Command("kustomize alone (static YAML)", self.build(static), self.env),
            Command("kustomize, plugins that cost nothing", self.build(target, "--enable-alpha-plugins"), free_env),
            Command(f"generator process{'es' if len(configs) > 1 else ''} alone", generators, self.env),
            Command(
                "finishing process alone",
                [str(ROOT / "plugin" / FINISHER), str(FINISH_CONFIG)],
                self.env,
                recorded / "finish-input.yaml",
            ),
        ]
        return commands, configs

    def gke(self) -> Case:
        overlay = ROOT / "overlays" / "gke"
        ours = Command("ours: overlays/gke", self.build(overlay, "--enable-alpha-plugins"), self.ours_env)
        phases, configs = self.phases("gke", overlay)
        commands = [ours]
        if self.chart is None:
            return Case("gke", [*commands, *phases], phases[0].label, ours.label)
        values = yaml.safe_load(configs[0].read_text())["spec"]
        for patch in (False, True):
            directory = chart_build(
                self.scratch / f"helm-gke-{patch}", self.chart, "zymtrace", "zymtrace", values, patch
            )
            label = "kustomize + helmCharts" + (", and the overlay's patch" if patch else "")
            commands.append(Command(label, self.helm_build(directory), self.env))
        return Case("gke", [*commands, *phases], commands[1].label, ours.label)

    def fleet(self, instances: int) -> Case:
        repo = self.scratch / "fleet-repo"
        shutil.copytree(ROOT / "base", repo / "base")
        names = [f"t{n:02d}" for n in range(instances)]
        for name in names:
            kustomization(
                repo / "fleet" / name,
                f"resources:\n  - ../../base/generator\nnamespace: tenant-{name}\nnameSuffix: -{name}\n",
            )
            # The same instances, each finished on its own (as examples/fleet's tenants are).
            kustomization(
                repo / "fleet-each" / name / "generator",
                f"resources:\n  - ../../../base/generator\nnamespace: tenant-{name}\nnameSuffix: -{name}\n",
            )
            kustomization(
                repo / "fleet-each" / name, "generators:\n  - generator\ntransformers:\n  - ../../base/finish\n"
            )
        listed = "".join(f"  - {name}\n" for name in names)
        target = kustomization(repo / "fleet", f"generators:\n{listed}transformers:\n  - ../base/finish\n")
        each = kustomization(repo / "fleet-each", f"resources:\n{listed}")
        label = f"ours: {instances} generator directories in one kustomization"
        ours = Command(label, self.build(target, "--enable-alpha-plugins"), self.ours_env)
        ours_each = Command(
            "ours, each instance finished on its own", self.build(each, "--enable-alpha-plugins"), self.ours_env
        )
        if output(ours.argv, ours.env) != output(ours_each.argv, ours_each.env):
            raise SystemExit("fleet: the two layouts build different objects")
        phases, configs = self.phases("fleet", target)
        if self.chart is None:
            return Case("fleet", [ours, ours_each, *phases], phases[0].label, ours.label)
        directories = []
        for config in configs:
            meta = yaml.safe_load(config.read_text())
            release, namespace = meta["metadata"]["name"], meta["metadata"]["namespace"]
            directory = self.scratch / "helm-fleet" / namespace
            directories.append(str(chart_build(directory, self.chart, release, namespace, meta["spec"], False)))
        loop = 'for d in "$@"; do "$0" build --enable-helm --helm-command "$HELM" "$d" >/dev/null || exit 1; done'
        helm = Command(
            f"{instances} kustomize builds with helmCharts",
            ["sh", "-c", loop, self.kustomize, *directories],
            {**self.env, "HELM": self.helm},
        )
        return Case("fleet", [ours, ours_each, helm, *phases], helm.label, ours.label)


def measure(case: Case, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    samples: dict[str, tuple[list[float], list[float]]] = {c.label: ([], []) for c in case.commands}
    for command in case.commands:  # warm-up: page cache, bytecode
        run_once(command)
    for round_ in range(runs):
        # Rotate the order each round, so no command always runs after the same one.
        shift = round_ % len(case.commands)
        for command in case.commands[shift:] + case.commands[:shift]:
            wall, cpu = run_once(command)
            samples[command.label][0].append(wall)
            samples[command.label][1].append(cpu)
    return samples


def report(case: Case, samples: dict[str, tuple[list[float], list[float]]], runs: int) -> bool:
    """Prints the case's table; True when ours takes no more CPU time than the reference."""
    ref_wall, ref_cpu = samples[case.reference]
    print(f"\n{case.name}: {runs} interleaved rounds; ratios are each round's, to '{case.reference}'")
    print(f"  {'command':<52} {'wall':>9} {'cpu':>9} {'wall x':>7} {'cpu x':>7}")
    for label, (wall, cpu) in samples.items():
        wall_ratio = statistics.median(w / r for w, r in zip(wall, ref_wall, strict=True))
        cpu_ratio = statistics.median(c / r for c, r in zip(cpu, ref_cpu, strict=True))
        print(
            f"  {label:<52} {statistics.median(wall) * 1000:7.0f}ms {statistics.median(cpu) * 1000:7.0f}ms "
            f"{wall_ratio:6.2f}x {cpu_ratio:6.2f}x"
        )
    return statistics.median(c / r for c, r in zip(samples[case.ours][1], ref_cpu, strict=True)) <= 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chart", type=Path, help="a local copy of the zymtrace backend chart (a directory)")
    parser.add_argument("--runs", type=int, default=11, help="rounds of the gke case (default 11)")
    parser.add_argument("--fleet-runs", type=int, default=5, help="rounds of the fleet case (default 5)")
    parser.add_argument("--instances", type=int, default=20, help="instances in the fleet case (default 20)")
    parser.add_argument("--cases", default="gke,fleet", help="comma-separated: gke, fleet")
    args = parser.parse_args()
    missing = [tool for tool in ("kustomize", "helm") if not (TOOLS / tool).exists()]
    if missing:
        raise SystemExit(f"no {' or '.join(missing)} in {TOOLS}: run hack/install-tools")
    if not (Path(sys.executable).parent / "kustomize-zymtrace").exists():
        raise SystemExit(
            f"no kustomize-zymtrace beside {sys.executable}: run this with the python of a venv that has it"
        )
    if args.chart is not None and not (args.chart / "Chart.yaml").is_file():
        raise SystemExit(f"--chart {args.chart}: no Chart.yaml there")
    unknown = sorted(set(args.cases.split(",")) - {"gke", "fleet"})
    if unknown or args.instances < 1:
        parser.error(
            f"--cases takes gke and fleet (not {', '.join(unknown)})" if unknown else "--instances: at least 1"
        )
    if args.chart is None:
        print("no --chart given: comparing against the same objects as static YAML through the same kustomize")
    where = output([sys.executable, "-c", "import kustomize_zymtrace; print(kustomize_zymtrace.__file__)"], os.environ)
    print(f"package: {where.strip()}")
    before = os.getloadavg()
    met = True
    with tempfile.TemporaryDirectory() as scratch:
        bench = Bench(Path(scratch), args.chart.resolve() if args.chart else None)
        for name in args.cases.split(","):
            case = bench.gke() if name == "gke" else bench.fleet(args.instances)
            runs = args.runs if name == "gke" else args.fleet_runs
            # Exit 1 when ours takes more CPU time than Helm's builds (static YAML is no target: only a scale).
            met &= report(case, measure(case, runs), runs) or args.chart is None
    after = os.getloadavg()
    print(
        f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {before[0]:.2f} before, {after[0]:.2f} after"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
