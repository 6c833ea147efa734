"""examples/fleet: one backend per tenant, each in its own namespace from its own overlay, delivered by an
Argo CD ApplicationSet (list and cluster generators, through the config management plugin) or by Flux
multi-tenancy (one Kustomization per tenant, its own namespace and service account, hydrated stages).

Every tenant is built by the pinned kustomize releases and the plugin's own command; the ApplicationSets,
the AppProject and the Applications they generate are judged by Argo CD's CRD schemas on the test API
server (server-side apply, strict field validation); Flux builds each tenant's objects and stages offline;
and every tenant's objects are applied together to the API server, in namespaces that enforce the
restricted Pod Security profile. The README's test run builds, validates and applies every tenant and
runs Flux for one; the second kustomize release, the plugin's commands, Flux for the others and kpt run in
the slow step (`-m slow`).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PLUGIN_HOME, ROOT, TOOLS_BIN, docs, find, record, run, tool, tool_env, tool_file, tools_versions

FLEET = ROOT / "examples" / "fleet"
TENANTS = sorted(p.name for p in (FLEET / "tenants").iterdir() if p.is_dir())
KUSTOMIZES = ["kustomize", f"kustomize-{tools_versions()['KUSTOMIZE_KUBECTL_VERSION']}"]
ARGOCD_CRDS = {
    "crds/argoproj.io_appproject-crd.yaml": "argoproj.io/v1alpha1/AppProject",
    "crds/argoproj.io_application-crd.yaml": "argoproj.io/v1alpha1/Application",
    "crds/argoproj.io_applicationset-crd.yaml": "argoproj.io/v1alpha1/ApplicationSet",
}
STAGES = ("zymtrace-prerequisites", "zymtrace-databases", "zymtrace-migrate", "zymtrace-services")
# Registered clusters as Argo CD's cluster generator sees them (the cluster Secrets' name, server, labels).
CLUSTERS = [
    {
        "name": "gke_acme-prod_europe-west1_fleet",
        "server": "https://10.0.0.1",
        "labels": {"zymtrace.io/tenant": "acme"},
    },
    {"name": "EKS-Globex", "server": "https://10.0.0.2", "labels": {"zymtrace.io/tenant": "globex"}},
    {"name": "staging", "server": "https://10.0.0.3", "labels": {}},  # no tenant label: no backend
]


def namespace_of(tenant: str) -> str:
    return f"zymtrace-{tenant}"


def build(kustomize: str, directory: Path) -> list[dict[str, Any]]:
    result = run(
        [tool(kustomize), "build", "--enable-alpha-plugins", str(directory)],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
    )
    assert result.returncode == 0, result.stderr
    objects = docs(result.stdout)
    assert objects, f"{kustomize} build {directory} rendered nothing"
    return record(objects)


def kinds_and_names(objects: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(o["kind"], o["metadata"]["name"]) for o in objects}


def canonical(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects)


@pytest.fixture(scope="module")
def tenants() -> dict[str, list[dict[str, Any]]]:
    """Every tenant built once by the pinned kustomize with the legacy plugin."""
    return {tenant: build("kustomize", FLEET / "tenants" / tenant) for tenant in TENANTS}


# ------------------------------------------------------------------------------------ the tenants


@pytest.mark.parametrize("kustomize", [KUSTOMIZES[0], pytest.param(KUSTOMIZES[1], marks=pytest.mark.slow)])
def test_every_tenant_builds_into_its_own_namespace_with_isolation(
    kustomize: str, tenants: dict[str, list[dict[str, Any]]]
) -> None:
    assert TENANTS == ["acme", "globex", "initech"]
    for tenant in TENANTS:
        objects = build(kustomize, FLEET / "tenants" / tenant) if kustomize != "kustomize" else tenants[tenant]
        assert canonical(objects) == canonical(tenants[tenant])
        assert {o["metadata"].get("namespace") for o in objects} == {namespace_of(tenant)}
        policies = {o["metadata"]["name"] for o in objects if o["kind"] == "NetworkPolicy"}
        assert {"zymtrace-gateway-network-policy", "zymtrace-minio-network-policy"} <= policies and len(policies) == 10
        config = find(objects, "ConfigMap", "zymtrace-gateway-config")
        assert config["data"]["WEB_CLUSTER_ADDRESS"].endswith(f".{namespace_of(tenant)}.svc.cluster.local")
    # Each tenant's own overlay shows in its objects only.
    retention = {
        t: find(tenants[t], "ConfigMap", "zymtrace-config")["data"]["INGEST__EVENT_TTL_HOURS"] for t in TENANTS
    }
    assert retention == {"acme": "720", "globex": "2160", "initech": "720"}
    assert [t for t in TENANTS if any(o["kind"] == "Ingress" for o in tenants[t])] == ["initech"]


def test_all_tenants_apply_together_to_the_api_server(apiserver: Any, tenants: dict[str, list[dict[str, Any]]]) -> None:
    """Three backends side by side, each in a namespace that enforces (and warns about) the restricted
    Pod Security profile: every object is accepted and no workload draws a warning."""
    keys = [(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for t in TENANTS for o in tenants[t]]
    assert len(keys) == len(set(keys))
    for tenant in TENANTS:
        labels = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn")}
        apiserver.namespace(namespace_of(tenant), labels)
        for result in apiserver.apply_all(tenants[tenant]):
            assert result.ok, f"{tenant}: {result.ref}: {result.message}"
            assert not result.warnings, f"{tenant}: {result.ref}: {result.warnings}"
    for tenant in TENANTS:
        gateway = apiserver.get(find(tenants[tenant], "Deployment", "zymtrace-gateway"))
        assert gateway is not None and gateway["metadata"]["namespace"] == namespace_of(tenant)


# ------------------------------------------------------------------------------------ Argo CD


def fleet_docs(*parts: str) -> list[dict[str, Any]]:
    return docs(FLEET.joinpath(*parts).read_text())


def go_template(value: Any, params: dict[str, Any]) -> Any:
    """The ApplicationSet template fields this example uses, filled as Argo CD's goTemplate does:
    `{{.key}}`, `{{.a.b}}` and `{{index .a.b "key"}}` (missingkey=error: an unknown key fails)."""
    if isinstance(value, dict):
        return {key: go_template(item, params) for key, item in value.items()}
    if isinstance(value, list):
        return [go_template(item, params) for item in value]
    if not isinstance(value, str):
        return value

    def lookup(path: str, index: str | None) -> str:
        node: Any = params
        for part in [p for p in path.split(".") if p] + ([index] if index is not None else []):
            assert isinstance(node, dict) and part in node, f"missing key {part!r} in {value!r}"
            node = node[part]
        return str(node)

    filled = re.sub(
        r'\{\{\s*(?:index\s+(\.[\w.]+)\s+"([^"]+)"|(\.[\w.]+))\s*\}\}',
        lambda m: lookup(m.group(1) or m.group(3), m.group(2)),
        value,
    )
    assert "{{" not in filled, f"a template this test does not fill: {value}"
    return filled


def generate(appset: dict[str, Any]) -> list[dict[str, Any]]:
    """The Applications an ApplicationSet's list or cluster generator makes (CLUSTERS for the latter)."""
    spec = appset["spec"]
    assert spec["goTemplate"] is True and spec["goTemplateOptions"] == ["missingkey=error"]
    (generator,) = spec["generators"]
    if "list" in generator:
        params = generator["list"]["elements"]
    else:
        required = generator["clusters"]["selector"]["matchExpressions"]
        assert all(term["operator"] == "Exists" for term in required)
        params = [
            {
                "name": c["name"],
                "nameNormalized": re.sub(r"[^-a-z0-9.]", "-", c["name"].lower()).strip("-."),
                "server": c["server"],
                "metadata": {"labels": {"argocd.argoproj.io/secret-type": "cluster", **c["labels"]}},
            }
            for c in CLUSTERS
            if all(term["key"] in c["labels"] for term in required)
        ]
    apps = []
    for param in params:
        app = go_template(copy.deepcopy(spec["template"]), param)
        app["metadata"]["namespace"] = appset["metadata"]["namespace"]
        apps.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **app})
    return apps


@pytest.fixture(scope="module")
def applications() -> dict[str, list[dict[str, Any]]]:
    names = ("applicationset-list.yaml", "applicationset-clusters.yaml")
    return {name: generate(fleet_docs("argocd", name)[0]) for name in names}


@pytest.fixture
def argocd(apiserver: Any) -> Any:
    """The API server serving Argo CD's AppProject, Application and ApplicationSet (the pinned CRDs)."""
    for crd, kind in ARGOCD_CRDS.items():
        apiserver.install(docs(tool_file(crd).read_text()), established=kind)
    apiserver.namespace("argocd")
    return apiserver


def test_the_generators_give_each_tenant_its_overlay_and_namespace(
    applications: dict[str, list[dict[str, Any]]],
) -> None:
    by_list = applications["applicationset-list.yaml"]
    assert [app["metadata"]["name"] for app in by_list] == [f"zymtrace-{t}" for t in TENANTS]
    by_cluster = applications["applicationset-clusters.yaml"]
    assert [app["metadata"]["name"] for app in by_cluster] == [
        "gke-acme-prod-europe-west1-fleet-zymtrace-acme",
        "eks-globex-zymtrace-globex",
    ]
    assert [app["spec"]["destination"]["server"] for app in by_cluster] == ["https://10.0.0.1", "https://10.0.0.2"]
    for app in by_list + by_cluster:
        tenant = app["metadata"]["labels"]["zymtrace.io/tenant"]
        assert app["spec"]["source"]["path"] == f"examples/fleet/tenants/{tenant}"
        assert (ROOT / app["spec"]["source"]["path"] / "kustomization.yaml").is_file()
        assert app["spec"]["destination"]["namespace"] == namespace_of(tenant)
        assert app["spec"]["source"]["plugin"]["name"] == "kustomize-zymtrace-v1"


@pytest.mark.slow
def test_applicationsets_project_and_applications_pass_argo_cds_schemas(
    argocd: Any, applications: dict[str, list[dict[str, Any]]]
) -> None:
    objects = fleet_docs("argocd", "appproject.yaml")
    objects += fleet_docs("argocd", "applicationset-list.yaml") + fleet_docs("argocd", "applicationset-clusters.yaml")
    objects += [app for apps in applications.values() for app in apps]
    assert [o["kind"] for o in objects].count("Application") == 5
    for result in argocd.apply_all(objects):
        assert result.ok, f"{result.ref}: {result.message}"
    stored = argocd.get(applications["applicationset-list.yaml"][0])
    assert stored["spec"]["source"]["plugin"]["env"] == [{"name": "ZYMTRACE_WARNINGS", "value": "error"}]
    # The schemas are strict: a misspelt field is refused, so the acceptance above means something.
    typo = copy.deepcopy(applications["applicationset-list.yaml"][0])
    typo["spec"]["source"]["plugin"]["nmae"] = typo["spec"]["source"]["plugin"].pop("name")
    typo["metadata"]["name"] = "zymtrace-typo"
    refused = argocd.apply(typo, dry_run=True)
    assert not refused.ok and "nmae" in refused.message, refused.message


def plugin_commands() -> dict[str, Any]:
    text = yaml.safe_load((ROOT / "examples" / "argocd" / "cmp-plugin.yaml").read_text())["data"]["plugin.yaml"]
    return yaml.safe_load(text)["spec"]


@pytest.mark.slow
def test_each_application_renders_its_tenant_through_the_plugin(
    applications: dict[str, list[dict[str, Any]]], tenants: dict[str, list[dict[str, Any]]]
) -> None:
    """The sidecar's own discover and generate commands, run as Argo CD runs them for each Application:
    in the source path, with ARGOCD_APP_NAMESPACE and the Application's plugin env (ZYMTRACE_WARNINGS=error,
    so a namespace that differs from the overlay's would fail the sync)."""
    plugin = plugin_commands()
    for app in applications["applicationset-list.yaml"]:
        source, namespace = ROOT / app["spec"]["source"]["path"], app["spec"]["destination"]["namespace"]
        env = {f"ARGOCD_ENV_{e['name']}": e["value"] for e in app["spec"]["source"]["plugin"]["env"]}
        env = tool_env(ARGOCD_APP_NAMESPACE=namespace, KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME), **env)
        env["PATH"] = f"{TOOLS_BIN}:{env['PATH']}"
        assert run(plugin["discover"]["find"]["command"], cwd=source, env=env).stdout.strip()
        generated = run([*plugin["generate"]["command"], *plugin["generate"]["args"]], cwd=source, env=env)
        assert generated.returncode == 0, generated.stderr
        objects = record(docs(generated.stdout))
        assert canonical(objects) == canonical(tenants[app["metadata"]["labels"]["zymtrace.io/tenant"]])
        moved = {**env, "ARGOCD_APP_NAMESPACE": "zymtrace"}
        wrong = run([*plugin["generate"]["command"], *plugin["generate"]["args"]], cwd=source, env=moved)
        assert wrong.returncode != 0 and f"'{namespace}'" in wrong.stderr, wrong.stderr


# ------------------------------------------------------------------------------------ Flux


def flux_build(kustomization: dict[str, Any], path: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """`flux build kustomization --dry-run`: offline, as kustomize-controller builds its path.

    Flux rewrites the kustomization file of the directory it builds while it runs, so it builds a
    copy: other tests read the committed directories at the same time."""
    meta = kustomization["metadata"]
    spec_file = tmp_path / f"{meta['name']}.yaml"
    spec_file.write_text(yaml.safe_dump(kustomization))
    source = tmp_path / f"{meta['name']}-source"
    shutil.copytree(path, source, dirs_exist_ok=True)
    command = ["build", "kustomization", meta["name"], "--namespace", meta["namespace"], "--path", str(source)]
    result = run([tool("flux"), *command, "--kustomization-file", str(spec_file), "--dry-run"], env=tool_env())
    assert result.returncode == 0, result.stderr
    return docs(result.stdout)


def hydrate(tenant: str, out: Path) -> Path:
    """What CI commits for a tenant: examples/flux/hydrate.sh on its overlay."""
    env = tool_env(PATH=f"{TOOLS_BIN}:{tool_env()['PATH']}")
    result = run([str(ROOT / "examples" / "flux" / "hydrate.sh"), str(FLEET / "tenants" / tenant), str(out)], env=env)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("tenant", [TENANTS[0], *(pytest.param(t, marks=pytest.mark.slow) for t in TENANTS[1:])])
def test_flux_deploys_each_tenant_as_its_own_account_in_stages(
    tenant: str, tmp_path: Path, tenants: dict[str, list[dict[str, Any]]]
) -> None:
    platform = {d["metadata"]["name"]: d for d in fleet_docs("flux", "tenants.yaml") if d["kind"] == "Kustomization"}
    assert sorted(platform) == [f"tenant-{t}" for t in TENANTS]
    ours = platform[f"tenant-{tenant}"]
    assert ours["spec"]["postBuild"]["substitute"] == {"tenant": tenant}
    setup = flux_build(ours, ROOT / ours["spec"]["path"].removeprefix("./"), tmp_path)
    namespace = namespace_of(tenant)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in setup:
        by_kind.setdefault(obj["kind"], []).append(obj)
    assert [ns["metadata"]["name"] for ns in by_kind["Namespace"]] == [namespace]
    assert by_kind["Namespace"][0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert [sa["metadata"]["name"] for sa in by_kind["ServiceAccount"]] == ["zymtrace-deployer"]
    (binding,) = by_kind["RoleBinding"]
    assert binding["roleRef"]["name"] == "admin" and binding["subjects"][0]["namespace"] == namespace
    assert all(o["metadata"].get("namespace", namespace) == namespace for o in setup)
    stages = {k["metadata"]["name"]: k for k in by_kind["Kustomization"]}
    assert sorted(stages) == sorted(STAGES)
    hydrated = hydrate(tenant, tmp_path / "hydrated")
    built = []
    for name in STAGES:
        stage = stages[name]
        assert stage["spec"]["serviceAccountName"] == "zymtrace-deployer"
        assert stage["spec"]["targetNamespace"] == namespace and stage["spec"]["sourceRef"]["name"] == "zymtrace-config"
        path = stage["spec"]["path"]
        assert path.startswith(f"./examples/fleet/flux/hydrated/{tenant}/"), path
        objects = flux_build(stage, hydrated / path.rsplit("/", 1)[1], tmp_path)
        assert all(o["metadata"]["namespace"] == namespace for o in objects)
        built += objects
    assert kinds_and_names(built) == kinds_and_names(tenants[tenant])
    record(built)


def test_flux_tenants_setup_applies_to_the_api_server(apiserver: Any, tmp_path: Path) -> None:
    """The namespace, account and binding the platform creates for a tenant, as Flux builds them."""
    platform = next(d for d in fleet_docs("flux", "tenants.yaml") if d["metadata"]["name"] == "tenant-acme")
    setup = flux_build(platform, FLEET / "flux" / "tenant", tmp_path)
    core = [o for o in setup if o["kind"] in ("Namespace", "ServiceAccount", "RoleBinding")]
    assert len(core) == 3
    for result in apiserver.apply_all(core):
        assert result.ok, f"{result.ref}: {result.message}"


# ------------------------------------------------------------------------------------ kpt


def tenant_config(tenant: str) -> dict[str, Any]:
    """A tenant's config as its generator directory makes it (kustomize drops a local config from a build's
    output, so it is layered here the same way: base, overlays/create, the fleet, the tenant's patches)."""
    from kustomize_zymtrace.values import merge_values

    generator = FLEET / "tenants" / tenant / "generator"
    kustomization = yaml.safe_load((generator / "kustomization.yaml").read_text())
    layers = [ROOT / "overlays" / "create" / "generator" / "zymtrace.yaml", FLEET / "generator" / "fleet.yaml"]
    layers += [generator / patch["path"] for patch in kustomization.get("patches", [])]
    config: dict[str, Any] = yaml.safe_load((ROOT / "base" / "generator" / "zymtrace.yaml").read_text())
    for layer in layers:
        config["spec"] = merge_values(config["spec"], yaml.safe_load(layer.read_text())["spec"])
    config["metadata"]["namespace"] = kustomization["namespace"]
    return config


@pytest.mark.slow
def test_the_fleet_renders_through_kpt(tmp_path: Path, tenants: dict[str, list[dict[str, Any]]]) -> None:
    """The same tenants' configs in one kpt package (one directory each): one `kpt fn render` renders
    every tenant, into its own directory, with the objects the kustomize build has."""
    package = tmp_path / "fleet"
    package.mkdir()
    (package / "Kptfile").write_text(
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: fleet\n  annotations:\n"
        '    config.kubernetes.io/local-config: "true"\npipeline:\n  mutators:\n    - exec: kustomize-zymtrace\n'
    )
    for tenant in TENANTS:
        (package / tenant).mkdir()
        (package / tenant / "zymtrace.yaml").write_text(yaml.safe_dump(tenant_config(tenant)))
    result = run([tool("kpt"), "fn", "render", "--allow-exec", "."], cwd=package)
    assert result.returncode == 0, result.stdout + result.stderr
    for tenant in TENANTS:
        files = sorted((package / tenant / "generated" / "zymtrace").glob("*.yaml"))
        objects = record([yaml.safe_load(f.read_text()) for f in files])
        assert {(o["kind"], o["metadata"]["name"]) for o in objects} == kinds_and_names(tenants[tenant])
        assert {o["metadata"]["namespace"] for o in objects} == {namespace_of(tenant)}
