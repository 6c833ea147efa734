"""`kustomize-zymtrace init`: each variant written into a fresh repository outside this one, then built by
the pinned tools the way its printed next steps say (kustomize, both releases; kpt fn render; the Flux
hydrate script, flux build and actionlint; the Argo CD plugin's own commands and Argo CD's CRD schema).
What was rendered is asserted, objects are judged by the API server, and nothing is ever overwritten.
The kpt, Flux and Argo CD builds and the second kustomize release are in the slow step."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PLUGIN_HOME, ROOT, TOOLS_BIN, cli, docs, record, run, tool, tool_env, tool_file, tools_versions

KUSTOMIZES = ["kustomize", f"kustomize-{tools_versions()['KUSTOMIZE_KUBECTL_VERSION']}"]
DEFAULT_OBJECTS = 41  # the default backend: every database in the cluster
STAGES = ("0-prerequisites", "1-databases", "2-migrate", "3-services")


def repository(tmp_path: Path, origin: str = "") -> Path:
    """A user's repository: a git work tree of its own, nothing of this one in it."""
    repo = tmp_path / "platform"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    if origin:
        subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", origin], check=True)
    return repo


def init(repo: Path, *args: str) -> subprocess.CompletedProcess[Any]:
    return cli("init", *args, cwd=repo)


def tree(directory: Path) -> dict[str, str]:
    """Every file under directory with a digest of its bytes (and whether it is executable)."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        + ("x" if os.access(p, os.X_OK) else "")
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def env_with_plugin(home: Path, **extra: str) -> dict[str, str]:
    """The environment after the next steps' `kustomize-zymtrace install-plugin`: the console script and
    the pinned tools on PATH, the plugin where KUSTOMIZE_PLUGIN_HOME says."""
    installed = cli("install-plugin", "--home", str(home))
    assert installed.returncode == 0, installed.stderr
    env = tool_env(KUSTOMIZE_PLUGIN_HOME=str(home), **extra)
    env["PATH"] = f"{env['PATH']}{os.pathsep}{TOOLS_BIN}"
    return env


def build(kustomize: str, directory: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    result = run([tool(kustomize), "build", "--enable-alpha-plugins", str(directory)], env=env)
    assert result.returncode == 0, result.stderr
    objects = docs(result.stdout)
    assert objects, f"{kustomize} build {directory} rendered nothing"
    return record(objects)


def jobs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "Job"}


# ------------------------------------------------------------------------------ what init writes


@pytest.mark.parametrize("variant", ["kustomize", "kpt", "flux", "argocd"])
def test_every_variant_writes_its_files_filled_in_and_prints_the_next_commands(tmp_path: Path, variant: str) -> None:
    repo = repository(tmp_path, "git@example.com:acme/platform.git")
    result = init(repo, "deploy/zymtrace", "--for", variant, "--namespace", "observability")
    assert result.returncode == 0, result.stderr
    written = tree(repo / "deploy" / "zymtrace")
    expected = {
        "kustomize": {"kustomization.yaml", "generator/kustomization.yaml", "generator/zymtrace.yaml"},
        "kpt": {"Kptfile", "zymtrace.yaml", "finish.yaml"},
        "flux": {"hydrate.sh", "ci-workflow.yaml", "flux/zymtrace.yaml", "kustomization.yaml"},
        "argocd": {"argocd/application.yaml", "kustomization.yaml", "finish/finish.yaml"},
    }[variant]
    assert expected <= set(written), written
    for name in written:
        path = repo / "deploy" / "zymtrace" / name
        text = path.read_text()
        assert "{{" not in text and "}}" not in text, f"{name}: a placeholder left"
        assert f"deploy/zymtrace/{name}" in result.stdout, f"{name} is not listed"
        if name.endswith(".yaml") or name == "Kptfile":
            assert docs(text), name
    config_name = "zymtrace.yaml" if variant == "kpt" else "generator/zymtrace.yaml"
    config = yaml.safe_load((repo / "deploy" / "zymtrace" / config_name).read_text())
    assert config["metadata"] == {
        "name": "zymtrace",
        "namespace": "observability",
        "annotations": {"config.kubernetes.io/local-config": "true"},
    }
    assert config["spec"]["gitops"].get("argocd") == ({"syncWaves": True} if variant == "argocd" else None)
    steps = result.stdout.split("\nnext:\n", 1)[1]
    command = {
        "kustomize": "kubectl kustomize --enable-alpha-plugins deploy/zymtrace",
        "kpt": "kpt fn render --allow-exec deploy/zymtrace",
        "flux": "deploy/zymtrace/hydrate.sh",
        "argocd": "kubectl apply -f deploy/zymtrace/argocd/application.yaml",
    }[variant]
    assert command in steps
    assert ("kustomize-zymtrace doctor deploy/zymtrace" in steps) == (variant != "kpt")
    if variant == "argocd":
        app = yaml.safe_load((repo / "deploy/zymtrace/argocd/application.yaml").read_text())
        assert app["spec"]["source"]["repoURL"] == "git@example.com:acme/platform.git"  # git's origin
        assert app["spec"]["source"]["path"] == "deploy/zymtrace"
        assert app["spec"]["destination"]["namespace"] == "observability"
    if variant == "flux":
        assert os.access(repo / "deploy/zymtrace/hydrate.sh", os.X_OK)
        paths = [k["spec"]["path"] for k in docs((repo / "deploy/zymtrace/flux/zymtrace.yaml").read_text())]
        assert paths == [f"./deploy/zymtrace/hydrated/{stage}" for stage in STAGES]


@pytest.mark.parametrize("variant", ["kustomize", "flux", "argocd"])
def test_doctor_accepts_what_init_writes(tmp_path: Path, variant: str) -> None:
    repo = repository(tmp_path)
    assert init(repo, "zymtrace", "--for", variant).returncode == 0
    checked = cli("doctor", "zymtrace", cwd=repo)
    assert checked.returncode == 0, checked.stderr
    assert "wired as kustomize needs" in checked.stdout
    assert "[error]" not in checked.stderr and "[warning]" not in checked.stderr


def test_an_application_without_a_git_remote_says_to_set_its_repository(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    result = init(repo, "zymtrace", "--for", "argocd")
    assert result.returncode == 0, result.stderr
    app = yaml.safe_load((repo / "zymtrace" / "argocd" / "application.yaml").read_text())
    assert app["spec"]["source"]["repoURL"] == "https://github.com/YOUR-ORG/YOUR-REPOSITORY"
    assert "spec.source.repoURL: git has no remote 'origin' here" in result.stdout
    given = init(repo, "other", "--for", "argocd", "--repo-url", "https://example.com/acme/platform.git")
    assert "repoURL" not in given.stdout
    assert "https://example.com/acme/platform.git" in (repo / "other" / "argocd" / "application.yaml").read_text()


def test_the_repository_root_is_the_default_directory_and_paths_follow(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    (repo / "README.md").write_text("a user's own file\n")
    result = init(repo, "--for", "flux")
    assert result.returncode == 0, result.stderr
    assert (repo / "README.md").read_text() == "a user's own file\n"
    paths = [k["spec"]["path"] for k in docs((repo / "flux" / "zymtrace.yaml").read_text())]
    assert paths == [f"./hydrated/{stage}" for stage in STAGES]
    assert "run: ./hydrate.sh --check" in (repo / "ci-workflow.yaml").read_text()


# ------------------------------------------------------------------------------ refusals


def test_nothing_is_overwritten_and_nothing_half_written(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    assert init(repo, "zymtrace").returncode == 0
    config = repo / "zymtrace" / "generator" / "zymtrace.yaml"
    config.write_text(config.read_text().replace("mode: create", "mode: use_existing", 1))
    before = tree(repo)
    again = init(repo, "zymtrace")
    assert again.returncode == 1 and not again.stdout
    assert "zymtrace/generator/zymtrace.yaml exists" in again.stderr and "nothing was written" in again.stderr
    assert tree(repo) == before
    # Another variant over the same directory: its new files are not written either.
    flux = init(repo, "zymtrace", "--for", "flux")
    assert flux.returncode == 1 and "zymtrace/kustomization.yaml exists" in flux.stderr
    assert tree(repo) == before


@pytest.mark.parametrize("existing", ["Kustomization", "kustomization.yml"])
def test_another_kustomization_file_kustomize_would_read_is_in_the_way(tmp_path: Path, existing: str) -> None:
    repo = repository(tmp_path)
    (repo / "app").mkdir()
    (repo / "app" / existing).write_text("resources: []\n")
    result = init(repo, "app")
    assert result.returncode == 1 and f"app/{existing} exists" in result.stderr
    assert sorted(p.name for p in (repo / "app").iterdir()) == [existing]


def test_a_file_where_a_directory_goes(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    (repo / "zymtrace").write_text("not a directory\n")
    result = init(repo, "zymtrace")
    assert result.returncode == 1 and "zymtrace is not a directory" in result.stderr
    assert (repo / "zymtrace").read_text() == "not a directory\n"


def test_an_invalid_namespace_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    result = init(repo, "zymtrace", "--namespace", "Not_A_Namespace")
    assert result.returncode == 1 and not result.stdout
    assert "metadata.namespace" in result.stderr and "Traceback" not in result.stderr
    assert not (repo / "zymtrace").exists()


def test_a_write_that_fails_half_way_removes_what_it_wrote(tmp_path: Path) -> None:
    """The third file (the config) exceeds the file size limit: the two written before it and the
    directories made for them go again (root ignores permissions, so the failure is a size limit)."""
    repo = repository(tmp_path)
    command = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1500, 1500)); "
        "from kustomize_zymtrace.cli import main; sys.exit(main(['init', 'deploy/zymtrace']))"
    )
    result = run([str(Path(tool_env()["PATH"].split(os.pathsep)[0]) / "python"), "-c", command], cwd=repo)
    assert result.returncode == 1, result.stderr
    assert "cannot write" in result.stderr and "nothing was written" in result.stderr
    assert sorted(p.name for p in repo.iterdir()) == [".git"]


def test_flux_and_argocd_need_a_path_inside_the_repository(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    outside = init(repo, str(elsewhere), "--for", "argocd")
    assert outside.returncode == 1 and "not inside a git repository" in outside.stderr and not elsewhere.exists()
    spaced = init(repo, "my deploy", "--for", "flux")
    assert spaced.returncode == 1 and "letters, digits" in spaced.stderr and not (repo / "my deploy").exists()
    # plain kustomize reads no repository path: anywhere will do
    assert init(repo, str(elsewhere)).returncode == 0 and (elsewhere / "kustomization.yaml").is_file()


# ------------------------------------------------------------------------------ built by the pinned tools


@pytest.mark.parametrize("kustomize", [KUSTOMIZES[0], pytest.param(KUSTOMIZES[1], marks=pytest.mark.slow)])
def test_kustomize_layout_builds_and_an_overlay_of_it_gets_renewed_job_names(kustomize: str, tmp_path: Path) -> None:
    """What the next steps say, outside this repository: install-plugin, then build; an overlay that
    changes the image lists the layout's finish directory, and its Job gets the new template's name."""
    repo = repository(tmp_path)
    assert init(repo, "zymtrace", "--namespace", "observability").returncode == 0
    env = env_with_plugin(tmp_path / "plugin-home")
    objects = build(kustomize, repo / "zymtrace", env)
    assert len(objects) == DEFAULT_OBJECTS
    assert {o["metadata"].get("namespace", "observability") for o in objects} == {"observability"}
    overlay = repo / "production"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources: [../zymtrace]\n"
        "images:\n  - name: ghcr.io/zystem-io/zymtrace-pub-backend\n    newTag: 99.0.0\n"
        "transformers: [../zymtrace/finish]\n"
    )
    changed = build(kustomize, overlay, env)
    (old,), (new,) = ([name for name in jobs(o) if name.startswith("zymtrace-migrate-")] for o in (objects, changed))
    assert old != new, "the Job kept its name although its template changed"
    containers = jobs(changed)[new]["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"].endswith(":99.0.0")
    assert cli("doctor", "production", cwd=repo).returncode == 0


def test_kustomize_layout_applies_to_the_api_server(apiserver: Any, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    assert init(repo, "zymtrace", "--namespace", "init-kustomize").returncode == 0
    objects = build("kustomize", repo / "zymtrace", env_with_plugin(tmp_path / "plugin-home"))
    apiserver.namespace("init-kustomize")
    for result in apiserver.apply_all(objects, dry_run=True):
        assert result.ok, f"{result.ref}: {result.message}"


def test_kubectl_kustomize_builds_the_layout(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    assert init(repo, "zymtrace").returncode == 0
    env = env_with_plugin(tmp_path / "plugin-home")
    result = run([tool("kubectl"), "kustomize", "--enable-alpha-plugins", "zymtrace"], cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    assert len(record(docs(result.stdout))) == DEFAULT_OBJECTS


@pytest.mark.slow
def test_kpt_layout_renders_with_kpt_fn_render(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    assert init(repo, "zymtrace", "--for", "kpt", "--name", "backend").returncode == 0
    package = repo / "zymtrace"
    own = tree(package)
    render = [tool("kpt"), "fn", "render", "--allow-exec", "zymtrace"]
    result = run(render, cwd=repo, env=tool_env())
    assert result.returncode == 0, result.stdout + result.stderr
    generated = sorted((package / "generated" / "backend").glob("*.yaml"))
    objects = record([yaml.safe_load(p.read_text()) for p in generated])
    assert len(objects) == DEFAULT_OBJECTS
    assert {k: v for k, v in tree(package).items() if not k.startswith("generated/")} == own
    rendered = tree(package)
    again = run(render, cwd=repo, env=tool_env())
    assert again.returncode == 0 and tree(package) == rendered, "a second render changed the package"


@pytest.mark.slow
def test_flux_layout_hydrates_checks_drift_and_flux_builds_each_stage(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    assert init(repo, "deploy/zymtrace", "--for", "flux").returncode == 0
    env = tool_env()
    env["PATH"] = f"{env['PATH']}{os.pathsep}{TOOLS_BIN}"
    tool("kubectl")
    hydrate = repo / "deploy" / "zymtrace" / "hydrate.sh"
    written = run([str(hydrate)], cwd=repo, env=env)
    assert written.returncode == 0, written.stderr
    assert "3 warning(s) from the generator" in written.stderr  # kustomize dropped them; the summary has them
    hydrated = repo / "deploy" / "zymtrace" / "hydrated"
    assert sorted(p.name for p in hydrated.iterdir()) == [*STAGES, "Kustomization"]
    checked = run([str(hydrate), "--check"], cwd=repo, env=env)
    assert checked.returncode == 0 and "no drift" in checked.stdout, checked.stderr
    config = repo / "deploy" / "zymtrace" / "generator" / "zymtrace.yaml"
    config.write_text(config.read_text().replace("namePrefix: zymtrace", "namePrefix: zt"))
    drift = run([str(hydrate), "--check"], cwd=repo, env=env)
    assert drift.returncode == 1 and "drift:" in drift.stderr

    built = []
    for stage in docs((repo / "deploy" / "zymtrace" / "flux" / "zymtrace.yaml").read_text()):
        spec_file = tmp_path / f"{stage['metadata']['name']}.yaml"
        spec_file.write_text(yaml.safe_dump(stage))
        path = repo / stage["spec"]["path"]
        command = ["build", "kustomization", stage["metadata"]["name"], "--path", str(path)]
        result = run([tool("flux"), *command, "--kustomization-file", str(spec_file), "--dry-run"], env=env)
        assert result.returncode == 0, result.stderr
        built += docs(result.stdout)
    assert len(record(built)) == DEFAULT_OBJECTS
    assert [d["spec"].get("dependsOn") for d in docs((repo / "deploy/zymtrace/flux/zymtrace.yaml").read_text())] == [
        None,
        [{"name": "zymtrace-prerequisites"}],
        [{"name": "zymtrace-databases"}],
        [{"name": "zymtrace-migrate"}],
    ]


def test_flux_layouts_ci_workflow_passes_actionlint(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    assert init(repo, "deploy/zymtrace", "--for", "flux").returncode == 0
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "zymtrace-hydrate.yaml").write_bytes((repo / "deploy/zymtrace/ci-workflow.yaml").read_bytes())
    result = run([tool("actionlint"), "-no-color"], cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = workflows / "broken.yaml"  # the linter is awake: an unknown key fails it
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert run([tool("actionlint"), "-no-color"], cwd=repo).returncode == 1


@pytest.mark.slow
def test_argocd_layout_renders_through_the_plugins_own_commands(tmp_path: Path) -> None:
    """examples/argocd's discover and generate commands, run as Argo CD runs them for the Application:
    in its source path, with ARGOCD_APP_NAMESPACE, the plugin installed as in the sidecar image."""
    repo = repository(tmp_path)
    assert init(repo, "deploy/zymtrace", "--for", "argocd", "--namespace", "observability").returncode == 0
    app = yaml.safe_load((repo / "deploy/zymtrace/argocd/application.yaml").read_text())
    definition = yaml.safe_load(
        yaml.safe_load((ROOT / "examples" / "argocd" / "cmp-plugin.yaml").read_text())["data"]["plugin.yaml"]
    )
    plugin = definition["spec"]
    assert app["spec"]["source"]["plugin"]["name"] == f"{definition['metadata']['name']}-{plugin['version']}"
    source = repo / app["spec"]["source"]["path"]
    env = env_with_plugin(tmp_path / "plugin-home", ARGOCD_APP_NAMESPACE=app["spec"]["destination"]["namespace"])
    tool("kustomize")
    env["PATH"] = f"{TOOLS_BIN}{os.pathsep}{env['PATH']}"
    assert run(plugin["discover"]["find"]["command"], cwd=source, env=env).stdout.strip()
    generated = run([*plugin["generate"]["command"], *plugin["generate"]["args"]], cwd=source, env=env)
    assert generated.returncode == 0, generated.stderr
    objects = record(docs(generated.stdout))
    assert len(objects) == DEFAULT_OBJECTS
    waves = {o["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave") for o in objects}
    assert {"-3", "-2", "-1", "0"} <= waves, waves
    assert {o["metadata"].get("namespace", "observability") for o in objects} == {"observability"}


def test_argocd_application_passes_argo_cds_schema(apiserver: Any, tmp_path: Path) -> None:
    repo = repository(tmp_path, "https://example.com/acme/platform.git")
    assert init(repo, "deploy/zymtrace", "--for", "argocd").returncode == 0
    crd = tool_file("crds/argoproj.io_application-crd.yaml")
    apiserver.install(docs(crd.read_text()), established="argoproj.io/v1alpha1/Application")
    apiserver.namespace("argocd")
    app = yaml.safe_load((repo / "deploy/zymtrace/argocd/application.yaml").read_text())
    result = apiserver.apply(app, dry_run=True)
    assert result.ok, result.message
    app["spec"]["source"]["plugn"] = app["spec"]["source"].pop("plugin")  # the schema is strict
    assert not apiserver.apply(app, dry_run=True).ok


def test_the_layouts_need_nothing_from_this_repository(tmp_path: Path) -> None:
    """The finishing transformer's config is written by init: no file refers back to this checkout."""
    repo = repository(tmp_path)
    for variant in ("kustomize", "kpt", "flux", "argocd"):
        assert init(repo, variant, "--for", variant).returncode == 0
    text = "\n".join(p.read_text() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)
    assert str(ROOT) not in text and "base/finish" not in text and str(PLUGIN_HOME) not in text
    assert not re.search(r"\.\./\.\./", text)
