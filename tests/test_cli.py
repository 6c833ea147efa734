"""The command line (C5) and the legacy plugin calling convention (C4), as real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from configs import s3_with_iam
from helpers import ROOT, cli, docs, record

BASE_CONFIG = ROOT / "base" / "generator" / "zymtrace.yaml"


def test_render_to_stdout() -> None:
    result = cli("render", str(BASE_CONFIG))
    assert result.returncode == 0, result.stderr
    objects = record(docs(result.stdout))
    assert len(objects) == 41
    assert "plain text" in result.stderr  # the chart's default passwords are reported


def test_render_to_directory_prunes_and_builds_with_plain_kustomize(tmp_path: Path) -> None:
    out = tmp_path / "hydrated"
    result = cli("render", str(BASE_CONFIG), "-o", str(out))
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in out.glob("*.yaml"))
    assert (out / "Kustomization").is_file() and len(files) == 41
    listing = yaml.safe_load((out / "Kustomization").read_text())["resources"]
    assert sorted(listing) == files
    (out / "user-notes.yaml").write_text("# a user's own file is never touched\n")
    external = tmp_path / "external.yaml"
    config = yaml.safe_load(BASE_CONFIG.read_text())
    config["spec"]["storage"] = s3_with_iam()
    external.write_text(yaml.safe_dump(config))
    assert cli("render", str(external), "-o", str(out)).returncode == 0
    after = {p.name for p in out.glob("*.yaml")}
    assert "statefulset_zymtrace-minio.yaml" not in after and "user-notes.yaml" in after
    assert any(name.startswith("job_zymtrace-bucket-check-") for name in after)


def test_legacy_plugin_convention_config_file_first() -> None:
    """kustomize runs the plugin as `ZymtraceBackend <config file> [argsOneLiner...]` with empty stdin."""
    result = cli(str(BASE_CONFIG), stdin="")
    assert result.returncode == 0, result.stderr
    assert len(record(docs(result.stdout))) == 41


def test_plugin_script_is_executable_and_runs_the_generator() -> None:
    plugin = ROOT / "plugin" / "zymtrace.io" / "v1alpha1" / "zymtracebackend" / "ZymtraceBackend"
    assert os.access(plugin, os.X_OK)
    from helpers import run

    result = run([str(plugin), str(BASE_CONFIG)], input="")
    assert result.returncode == 0, result.stderr
    assert len(record(docs(result.stdout))) == 41


def test_errors_are_one_line_each_exit_1_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: zymtrace.io/v1alpha1\nkind: ZymtraceBackend\nmetadata: {name: zt, namespace: zt}\n"
        "spec:\n  postgres: {mode: gcp_cloudsql}\n  storage: {buckets: {symbols: Bad_Bucket}}\n"
    )
    for args in (("render", str(bad)), (str(bad),)):
        result = cli(*args)
        assert result.returncode == 1
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.startswith("[error]")]
        assert {line.split(":")[0] for line in lines} == {
            "[error] spec.postgres.gcp_cloudsql.instance",
            "[error] spec.postgres.gcp_cloudsql.user",
            "[error] spec.storage.buckets.symbols",
        }


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    missing = cli("render", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1 and missing.stderr.startswith("[error] cannot read")
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec: [unclosed\n")
    result = cli("render", str(broken))
    assert result.returncode == 1 and "not valid YAML at line" in result.stderr
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    assert "not UTF-8" in cli("render", str(binary)).stderr


def test_usage_errors_exit_2() -> None:
    assert cli("render").returncode == 2
    assert cli("--help").returncode == 0 and "KRM function" in cli("--help").stdout


def test_an_unknown_command_gets_did_you_mean_whatever_follows_it() -> None:
    for args in (("rendr",), ("rendr", str(BASE_CONFIG)), ("rendr", str(BASE_CONFIG), "-o", "out")):
        result = cli(*args)
        assert result.returncode == 2 and not result.stdout, args
        assert result.stderr.startswith("[error] unknown command 'rendr'; did you mean 'render'?"), result.stderr
    for word, meant in (("verison", "version"), ("complete", "completion"), ("takover", "takeover")):
        assert f"did you mean '{meant}'" in cli(word).stderr
    unknown = cli("frobnicate", "x")
    assert (
        unknown.returncode == 2
        and "commands: render, hydrate" in unknown.stderr
        and "no file 'frobnicate'" in unknown.stderr
    )
    missing = cli("missing-config.yaml")  # a path, not a command: the plugin's "cannot read"
    assert missing.returncode == 1 and missing.stderr.startswith("[error] cannot read missing-config.yaml")


def test_legacy_plugin_and_krm_modes_keep_working_beside_the_commands(tmp_path: Path) -> None:
    """kustomize runs the plugin with a temporary file (any name, argsOneLiner after it); kpt and kustomize
    run the KRM function with no arguments at all."""
    temp = tmp_path / "render"  # a file named like a command is still the plugin's config
    temp.write_bytes(BASE_CONFIG.read_bytes())
    for args in ((str(temp),), (str(BASE_CONFIG), "--some", "args")):
        result = cli(*args, stdin="")
        assert result.returncode == 0, result.stderr
        assert len(record(docs(result.stdout))) == 41
    resource_list = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "functionConfig": yaml.safe_load(BASE_CONFIG.read_text()),
        "items": [],
    }
    krm = cli(stdin=yaml.safe_dump(resource_list))
    assert krm.returncode == 0, krm.stderr
    assert len(record(yaml.safe_load(krm.stdout)["items"])) == 41


def test_version_and_dash_dash_version() -> None:
    from kustomize_zymtrace import __version__

    for args in (("version",), ("--version",)):
        result = cli(*args)
        assert result.returncode == 0 and result.stdout == f"kustomize-zymtrace {__version__}\n", result


def _parser_commands() -> list[str]:
    import argparse

    from kustomize_zymtrace.cli import COMMANDS, build_parser

    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(sub.choices) == sorted(COMMANDS), "the command table and the parser disagree"
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _parser_commands())
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0 and f"usage: kustomize-zymtrace {command}" in result.stdout
    example = result.stdout.split("\nexample:\n", 1)[1]
    first = example.splitlines()[0].strip()
    assert first.startswith(("kustomize-zymtrace ", "kubectl ", "source <(kustomize-zymtrace")), first
    assert command in first


def _into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    from helpers import run

    exe = shutil.which("kustomize-zymtrace", path=str(Path(sys.executable).parent))
    assert exe
    read, write = os.pipe()
    os.close(read)  # the reader left before the first byte, as `head` does after its lines
    try:
        return run([exe, *args], stdout=write, capture_output=False, stderr=subprocess.PIPE)
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [("schema",), ("render", str(BASE_CONFIG)), ("completion", "bash"), ("diff", str(BASE_CONFIG), "-"), ("version",)],
)
def test_a_closed_pipe_ends_quietly_with_the_conventional_status(args: tuple[str, ...]) -> None:
    result = _into_closed_pipe(*[str(BASE_CONFIG) if a == "-" else a for a in args])
    assert result.returncode == 141, result.stderr  # 128 + SIGPIPE
    assert [line for line in result.stderr.splitlines() if not line.startswith("[warning]")] == []


def test_a_full_disk_is_still_an_error(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        from helpers import run

        exe = shutil.which("kustomize-zymtrace", path=str(Path(sys.executable).parent))
        assert exe
        result = run([exe, "schema"], stdout=full, capture_output=False, stderr=subprocess.PIPE)
    assert result.returncode == 1 and "No space left on device" in result.stderr


def test_diff_reports_every_error_of_both_sides(tmp_path: Path) -> None:
    bad = {
        "apiVersion": "zymtrace.io/v1alpha1",
        "kind": "ZymtraceBackend",
        "metadata": {"name": "zt", "namespace": "zt"},
        "spec": {
            "gitops": {"strictSecrets": True},
            "postgres": {"mode": "gcp_cloudsql"},
            "storage": {"buckets": {"symbols": "Bad_Bucket"}},
        },
    }
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(bad))
    bad["spec"]["storage"] = {}
    new.write_text(yaml.safe_dump(bad))
    result = cli("diff", str(old), str(new))
    assert result.returncode == 1 and not result.stdout
    lines = result.stderr.splitlines()
    assert not [line for line in lines if "more" in line]
    about_old = {line.split("invalid ZymtraceBackend: ")[1].split(":")[0] for line in lines if f"{old}:" in line}
    assert about_old == {
        "spec.postgres.gcp_cloudsql.instance",
        "spec.postgres.gcp_cloudsql.user",
        "spec.storage.buckets.symbols",
        "spec.clickhouse.create.config.password",  # strictSecrets, in the same pass as the others
        "spec.storage.create.config.password",
    }
    assert any(f"{new}:" in line and "gcp_cloudsql.instance" in line for line in lines)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_name_every_command(shell: str) -> None:
    result = cli("completion", shell)
    assert result.returncode == 0, result.stderr
    for command in _parser_commands():
        assert command in result.stdout, command
    interpreter = shutil.which(shell)
    if interpreter:  # the script also parses in the shell itself, where the shell is installed
        check = {"bash": ["-n"], "zsh": ["-n"], "fish": ["--no-execute"]}[shell]
        from helpers import run

        parsed = run([interpreter, *check], input=result.stdout)
        assert parsed.returncode == 0, parsed.stderr


def test_bash_completion_completes_commands_and_their_options() -> None:
    """bash itself, with the generated script sourced, completes as a user's TAB would."""
    from helpers import run

    script = cli("completion", "bash").stdout

    def complete(*words: str) -> list[str]:
        probe = (
            f"{script}\nCOMP_WORDS=(kustomize-zymtrace {' '.join(words)}); COMP_CWORD={len(words)}; "
            'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; '
            "_shtab_kustomize_zymtrace; printf '%s\\n' \"${COMPREPLY[@]}\""
        )
        done = run(["bash", "-c", probe])
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert "render" in complete("ren") and "init" in complete("in")
    assert set(complete("init", "--for", "")) == {"kustomize", "kpt", "flux", "argocd"}
    assert "--layout" in complete("render", "--la")
    assert set(complete("completion", "")) == {"bash", "zsh", "fish"}


def test_schema_is_json_with_defaults_and_rejects_unknown_keys() -> None:
    result = cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["required"] == ["apiVersion", "kind", "metadata"]
    spec = schema["$defs"]["Spec"]
    assert spec["additionalProperties"] is False
    assert schema["$defs"]["Global"]["properties"]["namePrefix"]["default"] == "zymtrace"
    assert schema["$defs"]["CloudSqlProxy"]["properties"]["image"]["default"]["tag"] == "2.11.0"


def test_install_plugin(tmp_path: Path) -> None:
    result = cli("install-plugin", "--home", str(tmp_path))
    assert result.returncode == 0, result.stderr
    plugin = tmp_path / "zymtrace.io" / "v1alpha1" / "zymtracebackend" / "ZymtraceBackend"
    assert os.access(plugin, os.X_OK)
    from helpers import run

    rendered = run([str(plugin), str(BASE_CONFIG)], env={"PATH": "/usr/bin:/bin"})  # works without our PATH
    assert rendered.returncode == 0, rendered.stderr
    assert len(record(docs(rendered.stdout))) == 41


def test_hydrate_writes_a_stream_and_guards_foreign_files(tmp_path: Path) -> None:
    stream = cli("render", str(BASE_CONFIG)).stdout
    out = tmp_path / "out"
    result = cli("hydrate", "-o", str(out), "--layout", "stages", stdin=stream)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "0-prerequisites",
        "1-databases",
        "2-migrate",
        "3-services",
        "Kustomization",
    ]
    assert len(list(out.rglob("*.yaml"))) == 41 and len(list(out.rglob("Kustomization"))) == 5
    assert cli("hydrate", "-o", str(tmp_path / "x"), stdin="- a\n- b\n").returncode == 1
    assert "no objects" in cli("hydrate", "-o", str(tmp_path / "y"), stdin="").stderr
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "kustomization.yaml").write_text("resources: [mine.yaml]\n")
    refused = cli("hydrate", "-o", str(foreign), stdin=stream)
    assert refused.returncode == 1 and "not written by kustomize-zymtrace" in refused.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["kustomization.yaml"]  # nothing half-written


def test_repository_plugin_says_what_to_do_without_the_package() -> None:
    from helpers import PLUGIN_HOME, run

    plugin = PLUGIN_HOME / "zymtrace.io" / "v1alpha1" / "zymtracebackend" / "ZymtraceBackend"
    result = run([str(plugin), str(BASE_CONFIG)], env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1 and not result.stdout
    assert "kustomize-zymtrace is not installed" in result.stderr
    assert ". .venv/bin/activate" in result.stderr and "install-plugin" in result.stderr


def test_install_plugin_never_writes_into_the_repository(tmp_path: Path) -> None:
    from helpers import PLUGIN_HOME, tool_env

    tracked = PLUGIN_HOME / "zymtrace.io" / "v1alpha1" / "zymtracebackend" / "ZymtraceBackend"
    before = tracked.read_bytes()
    env = tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME), XDG_CONFIG_HOME=str(tmp_path))
    result = cli("install-plugin", env=env)
    assert result.returncode == 0, result.stderr
    assert tracked.read_bytes() == before
    home = tmp_path / "kustomize" / "plugin"
    assert (home / "zymtrace.io" / "v1alpha1" / "zymtracebackend" / "ZymtraceBackend").is_file()
    assert "inside the git work tree" in result.stderr and f"installed {home}/zymtrace.io" in result.stderr
    assert f"KUSTOMIZE_PLUGIN_HOME={home} " in result.stdout

    inside = ROOT / "plugin-home-test"
    refused = cli("install-plugin", "--home", str(inside))
    assert refused.returncode == 1 and "inside the git work tree" in refused.stderr
    assert not inside.exists()


def test_installed_plugin_says_what_to_do_when_its_environment_is_gone(tmp_path: Path) -> None:
    from helpers import run

    from kustomize_zymtrace.plugin import script

    plugin = tmp_path / "ZymtraceBackend"
    plugin.write_text(script(str(tmp_path / "gone" / "bin" / "python")))
    plugin.chmod(0o755)
    result = run([str(plugin), str(BASE_CONFIG)])
    assert result.returncode == 1 and "no longer exists" in result.stderr and "install-plugin" in result.stderr


def test_from_helm_values_gives_yaml_1_1_booleans_helms_meaning(tmp_path: Path) -> None:
    """Helm read `enabled: yes` as true; the converted config says true (a quoted "yes" stays a string)."""
    values = tmp_path / "values.yaml"
    values.write_text(
        'services:\n  common:\n    hpa:\n      enabled: yes  # scale\n  web:\n    env:\n      FLAG: "yes"\n'
    )
    result = cli("from-helm-values", str(values))
    assert result.returncode == 0, result.stderr
    spec = yaml.safe_load(result.stdout)["spec"]
    assert spec["services"]["common"]["hpa"]["enabled"] is True and "# scale" in result.stdout
    assert spec["services"]["web"]["env"]["FLAG"] == "yes"
    config_file = tmp_path / "converted.yaml"
    config_file.write_text(result.stdout)
    assert cli("render", str(config_file)).returncode == 0


# ------------------------------------------------------------------ from-helm-values keeps a file Helm accepts

QUOTED_NUMBERS = """\
global:
  dataRetentionDays: '30'   # a month
clickhouse:
  create:
    service:
      http:
        port: "8123"
services:
  gateway:
    service:
      type: NodePort
      nodePort: '30080'
  web:
    env:
      PORT: "8080"          # text to the container: stays text
"""


def _spec_lines(converted: str) -> list[str]:
    return converted.split("\nspec:\n", 1)[1].splitlines()


def test_from_helm_values_turns_quoted_numbers_the_chart_takes_into_numbers(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(QUOTED_NUMBERS)
    result = cli("from-helm-values", str(values))
    assert result.returncode == 0, result.stderr
    spec = yaml.safe_load(result.stdout)["spec"]
    assert spec["global"]["dataRetentionDays"] == 30
    assert spec["clickhouse"]["create"]["service"]["http"]["port"] == 8123
    assert spec["services"]["gateway"]["service"]["nodePort"] == 30080
    assert spec["services"]["web"]["env"]["PORT"] == "8080"
    lines = _spec_lines(result.stdout)
    noted = [line for line in lines if "the chart takes a number" in line]
    assert len(noted) == 3 and "# a month; quoted in the values file" in noted[0], noted
    assert '        PORT: "8080"          # text to the container: stays text' in lines
    converted = tmp_path / "converted.yaml"
    converted.write_text(result.stdout)
    rendered = cli("render", str(converted))
    assert rendered.returncode == 0, rendered.stderr
    gateway = next(
        o for o in docs(rendered.stdout) if o["kind"] == "Service" and o["metadata"]["name"] == "zymtrace-gateway"
    )
    assert gateway["spec"]["ports"][0]["nodePort"] == 30080


def test_from_helm_values_refuses_a_quoted_number_yaml_readers_disagree_on(tmp_path: Path) -> None:
    """'030' is 30 to Helm's template and 24 to a YAML 1.1 reader of the rendered chart: left to the user."""
    values = tmp_path / "values.yaml"
    values.write_text("global:\n  dataRetentionDays: '030'\n")
    result = cli("from-helm-values", str(values))
    assert result.returncode == 1 and not result.stdout
    assert result.stderr.startswith("[error] spec.global.dataRetentionDays:"), result.stderr


COMMENTED = """\
# Production values
# for the zymtrace chart

global:
    licenseKeySecretName: zymtrace-license   # the license stays in a Secret
    # retention
    dataRetentionDays: 14

services:
    # the web tier
    web:
        replicas: 2    # two
        env:
            A: "x"  # env a
    # ingest next
    ingest:
        replicas: 1
# a comment at column 0, above ingress
ingress:
    enabled: false
    hosts:
        gateway:
            paths:
            - path: /      # root
              pathType: Prefix
            # after the list
"""


def test_from_helm_values_keeps_every_line_and_comment_where_it_was(tmp_path: Path) -> None:
    """No conversion needed: the values under spec are the file's lines, each two columns right (the
    header comment goes above the document), no line re-indented, no blank line added."""
    values = tmp_path / "values.yaml"
    values.write_text(COMMENTED)
    result = cli("from-helm-values", str(values))
    assert result.returncode == 0, result.stderr
    body = COMMENTED.split("\n\n", 1)[1]
    assert _spec_lines(result.stdout) == [f"  {line}" if line else "" for line in body.splitlines()]
    assert result.stdout.startswith(f"# Converted from {values} by kustomize-zymtrace from-helm-values.\n# Production")


def test_from_helm_values_with_crlf_line_breaks_writes_clean_lines(tmp_path: Path) -> None:
    unix, windows = tmp_path / "unix.yaml", tmp_path / "windows.yaml"
    for text in (COMMENTED, QUOTED_NUMBERS):
        unix.write_text(text)
        windows.write_bytes(text.replace("\n", "\r\n").encode())
        from_unix, from_windows = cli("from-helm-values", str(unix)), cli("from-helm-values", str(windows))
        assert from_windows.returncode == 0, from_windows.stderr
        assert "\r" not in from_windows.stdout
        assert from_windows.stdout.replace(str(windows), str(unix)) == from_unix.stdout


def test_from_helm_values_adds_the_charts_defaults_without_moving_a_blank_line_into_them(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "services:\n  common:\n    hpa:\n      enabled: true   # scale\n\n  web:\n    replicas: 1\n\nglobal:\n"
        "  dataRetentionDays: 7\n"
    )
    result = cli("from-helm-values", str(values))
    assert result.returncode == 0, result.stderr
    lines = _spec_lines(result.stdout)
    assert lines[3] == "        enabled: true   # scale"
    assert lines[4].startswith("        maxReplicas: 10 # the chart's default")
    blank = lines.index("")
    assert lines[blank - 1].strip() == "periodSeconds: 60" and lines[blank + 1] == "    web:", lines
    assert lines.count("") == 2 and lines[lines.index("    web:") + 3] == "  global:"
