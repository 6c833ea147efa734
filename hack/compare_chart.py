"""Compare the zymtrace backend chart's output with ours, object by object (`hack/compare-chart`).

    hack/compare-chart CHART_DIR [VALUES ...] [--name N] [--namespace NS] [--partial] [--show-only T]
                                 [--verbose] [--json] [--keep DIR] [--list-intended]

For each values file (none: the chart's own defaults), the pinned helm (.tools/bin/helm, the version
hack/tools.versions names) renders the chart with `helm template` and that file, and this project
renders the ZymtraceBackend that `kustomize-zymtrace from-helm-values` makes of the same file, as a
user would convert it. The objects are paired by kind and name, and each pair compared field by field
(lists of named items by name, Secrets by the text they hold, as `kustomize-zymtrace diff` compares).

Every difference is either one of INTENDED below, the differences this project makes on purpose (each
with its reason and the page that tells users), or unexplained. The report counts the first kind per
entry and lists the second; exit status 1 when any difference is unexplained, or on an error (a missing
chart, an unreadable values file, a helm or render failure: one line naming the file, no traceback).

--partial compares only the objects the chart rendered (a chart under construction, or `--show-only`):
objects that only ours renders are counted but not differences. Secret values are never shown.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools" / "bin"
VERSIONS = ROOT / "hack" / "tools.versions"
TIMEOUT = 300  # seconds for one helm or render run; the chart renders in a tenth of a second

Obj = dict[str, Any]
Side = Literal["chart", "ours", "both", "any"]


class Failure(Exception):
    """A problem that stops the comparison: one line, exit 1."""


# ------------------------------------------------------------------ the declared differences


Index = dict[tuple[str, str], Obj]  # objects by kind and name


@dataclass(frozen=True)
class Intended:
    """One difference this project makes on purpose.

    name, reason, doc: shown in the report (doc: where a user reads about it).
    kinds: the kinds it concerns (empty: every kind).
    fields: patterns of field paths (`*` stands for any text) it explains; empty: a whole object that
      only `side` renders.
    side: "chart" (only the chart has the field or object), "ours" (only ours has it), "both" (both
      have it, with other values), "any".
    match: only for the values it holds for: (the chart's, ours), None for a side without the field.
    when: only for those of our objects it holds for (it gets the object and all of ours).
    rename: a pattern removed from the end of our object names before the objects are paired.
    normalize: makes the two objects of a pair comparable (it gets and returns both).
    """

    name: str
    reason: str
    doc: str
    kinds: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    side: Side = "both"
    match: Callable[[Any, Any], bool] | None = None
    when: Callable[[Obj, Index], bool] | None = None
    rename: str = ""
    normalize: Callable[[Obj, Obj], tuple[Obj, Obj]] | None = None

    def concerns(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


def _secret_text(chart: Obj, ours: Obj) -> tuple[Obj, Obj]:
    from kustomize_zymtrace.review.diff import comparable

    return comparable(chart), comparable(ours)


def _containers(obj: Obj) -> list[Obj]:
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [c for part in ("initContainers", "containers") for c in pod.get(part) or [] if isinstance(c, dict)]


def _env_from_order(chart: Obj, ours: Obj) -> tuple[Obj, Obj]:
    """Our containers' envFrom in the chart's order where both load the same sources, in another order."""
    theirs = {c.get("name"): c.get("envFrom") for c in _containers(chart)}
    ours = copy.deepcopy(ours)
    for container in _containers(ours):
        mine, wanted = container.get("envFrom"), theirs.get(container.get("name"))
        if isinstance(mine, list) and isinstance(wanted, list) and mine != wanted and _same_items(mine, wanted):
            container["envFrom"] = copy.deepcopy(wanted)
    return chart, ours


def _same_items(a: list[Any], b: list[Any]) -> bool:
    return sorted(json.dumps(x, sort_keys=True) for x in a) == sorted(json.dumps(x, sort_keys=True) for x in b)


def _autoscaled(obj: Obj, ours: Index) -> bool:
    return any(
        (other.get("spec") or {}).get("scaleTargetRef", {}).get("name") == obj["metadata"]["name"]
        for (kind, _), other in ours.items()
        if kind == "HorizontalPodAutoscaler"
    )


def _empty(value: Any) -> bool:
    return value in ({}, [], None, "")


def _fewer_sources(chart: Any, ours: Any) -> bool:
    """Ours loads some of the sources the chart loads, in the chart's order, and nothing else."""
    if not isinstance(chart, list) or not isinstance(ours, list) or len(ours) >= len(chart):
        return False
    remaining = iter(chart)
    return all(any(item == other for other in remaining) for item in ours)


def _helm_number(chart: Any, ours: Any) -> bool:
    """The chart's text of a large number in Helm's float form (3.1536e+07), ours the integer's digits."""
    try:
        return isinstance(chart, str) and "e+" in chart and isinstance(ours, str) and float(chart) == int(ours)
    except ValueError:
        return False


def _not_cluster_ip(obj: Obj, _: Index) -> bool:
    return (obj.get("spec") or {}).get("type") not in (None, "ClusterIP")


WORKLOADS = ("Deployment", "StatefulSet", "Job")
COMPAT = "docs/compatibility.md"
GUIDE = "docs/maintaining.md"  # differences no user notices
INTENDED: tuple[Intended, ...] = (
    Intended(
        "secret-data",
        "Secrets are written base64 in `data`; the chart writes `stringData`: compared by the text they hold",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=("Secret",),
        normalize=_secret_text,
    ),
    Intended(
        "job-names",
        "a Job is named after its pod template (`<prefix>-<job>-<hash>`), so a changed Job is a new one",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=("Job",),
        fields=("metadata.name",),
        rename=r"-[0-9a-f]{8}",
    ),
    Intended(
        "helm-hooks",
        "no Helm hooks: Deployments, Jobs, Ingresses and the pull Secret are plain objects",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        fields=("metadata.annotations[helm.sh/*]",),
        side="chart",
    ),
    Intended(
        "job-marks",
        "Jobs carry their template hash and Flux `force: enabled` (Flux recreates a Job whose template changed)",
        "README.md#changing-the-generated-objects-with-kustomize",
        kinds=("Job",),
        fields=(
            "metadata.annotations[zymtrace.io/template-hash]",
            "metadata.annotations[kustomize.toolkit.fluxcd.io/force]",
        ),
        side="ours",
    ),
    Intended(
        "job-resources",
        "every container of the Jobs has resources (`services.migrate.resources`, `storage.create.jobResources`); "
        "the chart never applied them",
        f"{COMPAT}#chart-defects-fixed",
        kinds=("Job",),
        fields=("spec.template.spec.containers[*].resources*", "spec.template.spec.initContainers[*].resources*"),
        side="ours",
    ),
    Intended(
        "job-scripts",
        "the Jobs' shell scripts are this project's: the same commands, variables quoted, ports explicit, "
        "`mc mb --ignore-existing` (not compared: port a change of the chart's scripts by hand)",
        f"{GUIDE}#intended-differences",
        kinds=("Job",),
        fields=("spec.template.spec.containers[*].command*", "spec.template.spec.initContainers[*].command*"),
    ),
    Intended(
        "job-ttl",
        "Jobs are kept (no time to live): a finished Job that disappeared would be created again by the next sync",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=("Job",),
        fields=("spec.ttlSecondsAfterFinished",),
        side="chart",
    ),
    Intended(
        "network-policies",
        "NetworkPolicies come from the config alone; the chart renders them only when a live lookup finds the "
        "API, which `helm template` never does",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=("NetworkPolicy",),
        side="ours",
    ),
    Intended(
        "managed-by",
        "the `managed-by` label names this tool",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        fields=("metadata.labels[managed-by]",),
        match=lambda chart, ours: (chart, ours) == ("helm", "kustomize-zymtrace"),
    ),
    Intended(
        "generated-by",
        "every object carries `zymtrace.io/generated-by: <namespace>/<name>` (the finishing pass finds its "
        "objects by it)",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        fields=("metadata.annotations[zymtrace.io/generated-by]",),
        side="ours",
    ),
    Intended(
        "pdb-namespace-labels",
        "the namespace and the common labels are written into every object, PodDisruptionBudgets included",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=("PodDisruptionBudget",),
        fields=("metadata.namespace", "metadata.labels*"),
        side="ours",
    ),
    Intended(
        "config-checksum",
        "pod templates carry a `checksum/config` of the ConfigMaps and Secrets they read, so they roll when "
        "those change (the chart's proxy had a random `rollme` instead)",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=WORKLOADS,
        fields=("spec.template.metadata.annotations[checksum/config]",),
        side="ours",
    ),
    Intended(
        "random-rollme",
        "no random values: the chart's `rollme` annotation on the Cloud SQL proxy changed on every upgrade",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=("Deployment",),
        fields=("spec.template.metadata.annotations.rollme",),
        side="chart",
    ),
    Intended(
        "kpt-ordering",
        "workloads name the workloads of the stage before theirs in kpt's `config.kubernetes.io/depends-on`",
        "examples/README.md#kpt",
        kinds=WORKLOADS,
        fields=("metadata.annotations[config.kubernetes.io/depends-on]",),
        side="ours",
    ),
    Intended(
        "pod-security",
        "pods get the baseline hardening: seccomp RuntimeDefault, no privilege escalation, capabilities "
        "dropped, no service-account token",
        "docs/security.md",
        kinds=WORKLOADS,
        fields=(
            "spec.template.spec.automountServiceAccountToken",
            "spec.template.spec.securityContext*",
            "spec.template.spec.containers[*].securityContext*",
            "spec.template.spec.initContainers[*].securityContext*",
        ),
        side="ours",
    ),
    Intended(
        "empty-fields",
        "empty `nodeSelector`, `tolerations`, `affinity` and `initContainers` are left out of pod templates (the "
        "same pods)",
        f"{COMPAT}#chart-defects-fixed",
        kinds=WORKLOADS,
        fields=tuple(
            f"spec.template.spec.{name}" for name in ("nodeSelector", "tolerations", "affinity", "initContainers")
        ),
        side="chart",
        match=lambda chart, _: _empty(chart),
    ),
    Intended(
        "hpa-replicas",
        "`replicas` is left out of a Deployment its HorizontalPodAutoscaler scales (it would fight the autoscaler)",
        f"{COMPAT}#chart-defects-fixed",
        kinds=("Deployment",),
        fields=("spec.replicas",),
        side="chart",
        when=_autoscaled,
    ),
    Intended(
        "cloud-identity",
        "the cloud ServiceAccount goes to the pods that reach the cloud store it is for; the Cloud SQL proxy takes "
        "`postgres.gcp_cloudsql.proxy.serviceAccount`, the key the chart's README documents",
        f"{COMPAT}#chart-defects-fixed",
        kinds=("Deployment", "Job"),
        fields=("spec.template.spec.serviceAccountName",),
    ),
    Intended(
        "envfrom-order",
        "the same ConfigMaps and Secrets loaded in another order (web: the AI assistant Secret after the PostgreSQL "
        "one; they share no keys)",
        f"{COMPAT}#chart-defects-fixed",
        kinds=WORKLOADS,
        normalize=_env_from_order,
    ),
    Intended(
        "protected-volumes",
        "volume claims carry Flux `prune: disabled`, Argo CD `Prune=false,Delete=false` and kpt's `on-remove: keep` "
        "(`gitops.protectVolumes`)",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        kinds=("PersistentVolumeClaim",),
        fields=(
            "metadata.annotations[kustomize.toolkit.fluxcd.io/prune]",
            "metadata.annotations[argocd.argoproj.io/sync-options]",
            "metadata.annotations[cli-utils.sigs.k8s.io/on-remove]",
        ),
        side="ours",
    ),
    Intended(
        "explicit-cluster-ip",
        "Services state `type: ClusterIP`, the API server's default where the chart leaves the type out",
        f"{GUIDE}#intended-differences",
        kinds=("Service",),
        fields=("spec.type",),
        side="ours",
        match=lambda _, ours: ours == "ClusterIP",
    ),
    Intended(
        "service-type",
        "`service.type` and `nodePort` take effect on every service (the chart's README documents them for ui and "
        "ingest; its templates keep those two headless ClusterIP Services)",
        f"{COMPAT}#extensions",
        kinds=("Service",),
        fields=("spec.type", "spec.clusterIP", "spec.ports[*].nodePort"),
        side="any",
        when=_not_cluster_ip,
    ),
    Intended(
        "number-text",
        "numbers in ConfigMaps are written as their digits; Helm wrote large ones in float form (`3.1536e+07`)",
        f"{COMPAT}#chart-defects-fixed",
        kinds=("ConfigMap",),
        fields=("data.*",),
        match=_helm_number,
    ),
    Intended(
        "bucket-check-secrets",
        "the bucket-check Job loads the object storage's Secret, not the ClickHouse and PostgreSQL ones: it checks "
        "the bucket only",
        f"{COMPAT}#chart-defects-fixed",
        kinds=("Job",),
        fields=("spec.template.spec.containers[bucket-check].envFrom",),
        match=_fewer_sources,
    ),
    Intended(
        "no-substitution",
        "objects whose scripts contain `${...}` carry Flux `substitute: disabled`",
        f"{COMPAT}#helm-mechanics-and-their-gitops-replacements",
        fields=("metadata.annotations[kustomize.toolkit.fluxcd.io/substitute]",),
        side="ours",
    ),
)


# ------------------------------------------------------------------ comparing


MISSING = object()
_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]*)\]")


def value_at(obj: Any, path: str) -> Any:
    """The value at a path as review.diff writes them (a.b, a[key], list items by name or index)."""
    node = obj
    for match in _TOKEN.finditer(path):
        token = match.group(1) if match.group(1) is not None else match.group(2)
        if isinstance(node, dict):
            node = node.get(token, MISSING)
        elif isinstance(node, list):
            named = [item for item in node if isinstance(item, dict) and item.get("name") == token]
            if named:
                node = named[0]
            elif token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return MISSING
        else:
            return MISSING
        if node is MISSING:
            return MISSING
    return node


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")) + r"\Z")


@dataclass(frozen=True)
class Difference:
    object: str  # Kind/name (the chart's name for a renamed Job)
    key: tuple[str, str]  # the pair's kind and name
    path: str  # "" for an object only one side renders
    side: Side
    chart: Any = None
    ours: Any = None

    @property
    def kind(self) -> str:
        return self.key[0]


@dataclass
class Comparison:
    values: str
    chart_objects: int
    our_objects: int
    paired: int
    intended: Counter[str] = field(default_factory=Counter)
    unexplained: list[Difference] = field(default_factory=list)
    explained: list[tuple[str, Difference]] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)  # --partial: objects only ours renders


def explain(difference: Difference, ours: Obj | None, all_ours: Index) -> str:
    """The name of the INTENDED entry that explains a difference ('' when none does)."""
    for rule in INTENDED:
        if (
            not rule.concerns(difference.kind)
            or rule.normalize is not None
            or rule.side not in ("any", difference.side)
        ):
            continue
        if not difference.path:
            if not rule.fields and not rule.rename:
                return rule.name
            continue
        if not any(_pattern(p).match(difference.path) for p in rule.fields):
            continue
        if rule.match is not None and not rule.match(difference.chart, difference.ours):
            continue
        if rule.when is not None and (ours is None or not rule.when(ours, all_ours)):
            continue
        return rule.name
    return ""


def _label(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _pair_key(obj: Obj, ours: bool) -> tuple[str, str]:
    name = str(obj["metadata"]["name"])
    if ours:
        for rule in INTENDED:
            if rule.rename and rule.concerns(obj["kind"]):
                name = re.sub(f"(?:{rule.rename})\\Z", "", name)
    return str(obj["kind"]), name


def _index(objects: list[Obj], source: str, ours: bool) -> Index:
    index: Index = {}
    for obj in objects:
        key = _pair_key(obj, ours)
        if key in index:
            raise Failure(f"{source}: two objects {key[0]}/{key[1]}; a comparison needs one of each")
        index[key] = obj
    return index


def _normalized(chart: Obj, ours: Obj, counts: Counter[str]) -> tuple[Obj, Obj]:
    for rule in INTENDED:
        if rule.normalize is not None and rule.concerns(chart["kind"]):
            pair = rule.normalize(chart, ours)
            if pair != (chart, ours):
                counts[rule.name] += 1
            chart, ours = pair
    return chart, ours


def object_differences(key: tuple[str, str], chart: Obj, ours: Obj, counts: Counter[str]) -> list[Difference]:
    from kustomize_zymtrace.review.diff import field_paths

    chart, ours = _normalized(chart, ours, counts)
    label = _label(chart)
    out = []
    for path in field_paths(chart, ours):
        a, b = value_at(chart, path), value_at(ours, path)
        if a is MISSING or b is MISSING:  # a map only one side has: each of its entries on its own
            side: Side = "ours" if a is MISSING else "chart"
            for leaf, value in _leaves(b if a is MISSING else a, path):
                pair = (None, value) if side == "ours" else (value, None)
                out.append(Difference(label, key, leaf, side, *pair))
        else:
            out.append(Difference(label, key, path, "both", a, b))
    return out


def _leaves(value: Any, path: str) -> list[tuple[str, Any]]:
    from kustomize_zymtrace.review.diff import join

    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, join(path, str(key)))]
    return [(path, value)]


def compare(values: str, chart_objects: list[Obj], our_objects: list[Obj], partial: bool) -> Comparison:
    chart, ours = _index(chart_objects, "helm template", False), _index(our_objects, "our render", True)
    result = Comparison(values, len(chart_objects), len(our_objects), len(chart.keys() & ours.keys()))
    differences = [Difference(_label(chart[k]), k, "", "chart") for k in sorted(chart.keys() - ours.keys())]
    for key in sorted(ours.keys() - chart.keys()):
        if partial:
            result.not_compared.append(_label(ours[key]))
        else:
            differences.append(Difference(_label(ours[key]), key, "", "ours"))
    for key in sorted(chart.keys() & ours.keys()):
        differences += object_differences(key, chart[key], ours[key], result.intended)
    for difference in differences:
        name = explain(difference, ours.get(difference.key), ours)
        if name:
            result.intended[name] += 1
            result.explained.append((name, difference))
        else:
            result.unexplained.append(difference)
    return result


# ------------------------------------------------------------------ the two renders


def pinned_version() -> str:
    for line in VERSIONS.read_text().splitlines():
        if line.startswith("HELM_VERSION="):
            return line.split("=", 1)[1].strip()
    raise Failure(f"{VERSIONS.relative_to(ROOT)}: no HELM_VERSION line")


def pinned_helm() -> tuple[Path, str]:
    """.tools/bin/helm and its version, refused unless it is the version hack/tools.versions pins."""
    helm, wanted = TOOLS / "helm", pinned_version()
    if not helm.is_file():
        raise Failure(f"no helm in {TOOLS.relative_to(ROOT)}: run hack/install-tools (it builds helm {wanted})")
    found = run([str(helm), "version", "--template", "{{.Version}}"], "helm version", {}).strip()
    if found != wanted:
        raise Failure(f"{helm.relative_to(ROOT)} is {found}, hack/tools.versions pins {wanted}: run hack/install-tools")
    return helm, found


def run(argv: list[str], what: str, env: dict[str, str]) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, **env}, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise Failure(f"{what}: no answer in {TIMEOUT} s") from None
    except OSError as exc:
        raise Failure(f"{what}: cannot run {argv[0]}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()] or [f"exit {done.returncode}"]
        raise Failure(f"{what} failed: " + " / ".join(lines[-6:]))
    return done.stdout


@dataclass(frozen=True)
class Options:
    chart: Path
    release: str
    namespace: str
    show_only: tuple[str, ...]
    work: Path


def chart_render(helm: Path, values: Path, options: Options) -> str:
    home = options.work / "helm-home"  # no user's helm configuration, repositories or plugins
    env = {f"HELM_{name}_HOME": str(home / name.lower()) for name in ("CACHE", "CONFIG", "DATA")}
    argv = [str(helm), "template", options.release, str(options.chart), "--namespace", options.namespace]
    argv += ["--values", str(values)]
    for template in options.show_only:
        argv += ["--show-only", template]
    return run(argv, f"helm template {options.chart} --values {values}", env)


def our_render(values: Path, options: Options) -> str:
    """from-helm-values, then render: the commands a user runs, with this checkout's package."""
    cli = [sys.executable, "-m", "kustomize_zymtrace"]
    config = options.work / f"{values.stem}.zymtrace.yaml"
    converted = run(
        [*cli, "from-helm-values", str(values), "--name", options.release, "--namespace", options.namespace],
        f"kustomize-zymtrace from-helm-values {values}",
        {},
    )
    config.write_text(converted)
    return run([*cli, "render", str(config)], f"kustomize-zymtrace render (the config made of {values})", {})


def objects(text: str, source: str) -> list[Obj]:
    from kustomize_zymtrace.results import ConfigError
    from kustomize_zymtrace.yamlio import load_objects

    try:
        return load_objects(text, source)
    except ConfigError as exc:
        raise Failure("; ".join(r.line().removeprefix("[error] ") for r in exc.results)) from None


def compare_values(helm: Path, values: Path, shown: str, options: Options, partial: bool) -> Comparison:
    if not values.is_file():
        raise Failure(f"{shown}: {'not a file' if values.exists() else 'no such values file'}")
    ours = our_render(values, options)
    chart = chart_render(helm, values, options)
    keep = options.work / values.stem
    keep.mkdir(exist_ok=True)
    (keep / "chart.yaml").write_text(chart)
    (keep / "ours.yaml").write_text(ours)
    partial = partial or bool(options.show_only)
    return compare(shown, objects(chart, f"helm template output for {shown}"), objects(ours, "our render"), partial)


# ------------------------------------------------------------------ the report


def _shown(obj_kind: str, path: str, value: Any) -> str:
    if value is None:
        return "(none)"
    if obj_kind == "Secret" and path.startswith(("data", "stringData")):
        return "(a Secret value)"
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 70 else text[:67] + "..."


def _line(difference: Difference) -> str:
    if not difference.path:
        return f"only {'the chart' if difference.side == 'chart' else 'ours'} renders {difference.object}"
    if difference.side == "both":
        change = (
            f"chart {_shown(difference.kind, difference.path, difference.chart)}, "
            f"ours {_shown(difference.kind, difference.path, difference.ours)}"
        )
    elif difference.side == "chart":
        change = f"only the chart: {_shown(difference.kind, difference.path, difference.chart)}"
    else:
        change = f"only ours: {_shown(difference.kind, difference.path, difference.ours)}"
    return f"{difference.object} {difference.path}: {change}"


def report(result: Comparison, verbose: bool) -> str:
    lines = [
        f"{result.values}: the chart renders {result.chart_objects} objects, ours {result.our_objects}, "
        f"{result.paired} of them paired",
    ]
    if result.not_compared:
        lines.append(f"  not compared (--partial): {len(result.not_compared)} objects only ours renders")
    for rule in INTENDED:
        if result.intended[rule.name]:
            lines.append(f"  intended  {result.intended[rule.name]:4d}  {rule.name}: {rule.reason}")
            if verbose:
                lines += [f"            {_line(d)}" for name, d in result.explained if name == rule.name]
    lines.append(f"  unexplained: {len(result.unexplained)}")
    lines += [f"    {_line(d)}" for d in result.unexplained]
    return "\n".join(lines)


def as_json(result: Comparison) -> dict[str, Any]:
    return {
        "values": result.values,
        "chart_objects": result.chart_objects,
        "our_objects": result.our_objects,
        "paired": result.paired,
        "intended": dict(sorted(result.intended.items())),
        "not_compared": result.not_compared,
        "unexplained": [
            {"object": d.object, "path": d.path, "side": d.side, "text": _line(d)} for d in result.unexplained
        ],
    }


def intended_table() -> str:
    lines = ["The intended differences (INTENDED in hack/compare_chart.py):"]
    for rule in INTENDED:
        kinds = ", ".join(rule.kinds) or "every kind"
        what = ", ".join(rule.fields) or ("whole objects" if rule.normalize is None and not rule.rename else "")
        lines.append(f"  {rule.name} ({kinds}{'; ' + what if what else ''}; {rule.doc})")
        lines.append(f"      {rule.reason}")
    return "\n".join(lines)


# ------------------------------------------------------------------ command line


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="hack/compare-chart",
        description="Compare the chart's `helm template` output with ours for the same values file.",
        epilog="example: hack/compare-chart ~/charts/backend tests/chart-modes/cloudsql.yaml",
    )
    parser.add_argument("chart", nargs="?", type=Path, help="a chart directory (with Chart.yaml)")
    parser.add_argument("values", nargs="*", type=Path, help="values files, each compared on its own (none: {})")
    parser.add_argument("--name", default="zymtrace", help="release and config name (default zymtrace)")
    parser.add_argument("--namespace", default="zymtrace", help="namespace (default zymtrace)")
    parser.add_argument("--partial", action="store_true", help="compare only the objects the chart renders")
    parser.add_argument(
        "--show-only", action="append", default=[], metavar="TEMPLATE", help="passed to helm; implies --partial"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="list each intended difference too")
    parser.add_argument("--json", action="store_true", help="one JSON document with every comparison")
    parser.add_argument("--keep", type=Path, help="write both renders and the converted configs to this directory")
    parser.add_argument("--list-intended", action="store_true", help="print the intended differences and exit")
    args = parser.parse_args(argv)
    if args.chart is None and not args.list_intended:
        parser.error("give the chart directory")
    return args


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    if args.list_intended:
        print(intended_table())
        return 0
    chart: Path = args.chart
    if not (chart / "Chart.yaml").is_file():
        raise Failure(f"{chart}: no Chart.yaml there (give the chart's directory; unpack a .tgz with tar -xzf)")
    helm, version = pinned_helm()
    with tempfile.TemporaryDirectory(prefix="compare-chart-") as scratch:
        work = Path(scratch)
        if args.keep is not None:
            work = args.keep
            work.mkdir(parents=True, exist_ok=True)
        options = Options(chart.resolve(), args.name, args.namespace, tuple(args.show_only), work)
        values: list[tuple[Path, str]] = [(v.resolve(), str(v)) for v in args.values]
        if not values:
            empty = work / "chart-defaults.yaml"
            empty.write_text("{}\n")
            values = [(empty, "the chart's defaults")]
        results = [compare_values(helm, path, shown, options, args.partial) for path, shown in values]
    if args.json:
        print(json.dumps([as_json(r) for r in results], indent=2))
    else:
        print(f"chart {chart} with helm {version}, ours from this checkout")
        for result in results:
            print(report(result, args.verbose))
        if len(results) > 1:
            total = sum(len(r.unexplained) for r in results)
            print(f"{len(results)} values files, {total} unexplained differences")
    return 1 if any(r.unexplained for r in results) else 0


def entry() -> int:
    try:
        return main(sys.argv[1:])
    except Failure as exc:
        print(f"compare-chart: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a directory that cannot be written (--keep), a file that cannot be read
        print(f"compare-chart: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(entry())
