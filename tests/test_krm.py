"""KRM function contract (C3), exercised through the real console script with a ResourceList on stdin."""

from __future__ import annotations

from typing import Any

import yaml
from configs import s3_with_iam
from helpers import cli, config, record

KEEP_TEXT = """apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: keep-me
    annotations:
      x: "y"   # the user's comment and quoting survive
      config.kubernetes.io/path: keep.yaml
  data: {flow: "style"}
"""


def resource_list(items: list[dict[str, Any]], function_config: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}
    if function_config is not None:
        body["functionConfig"] = function_config
    return yaml.safe_dump(body, sort_keys=False)


def run_krm(text: str) -> tuple[int, dict[str, Any], str]:
    result = cli(stdin=text)
    assert "Traceback" not in result.stderr
    return result.returncode, yaml.safe_load(result.stdout), result.stderr


def generated(output: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in output["items"] if "zymtrace.io/generated-by" in i["metadata"].get("annotations", {})]


def test_pass_through_item_kept_byte_for_byte_and_objects_added() -> None:
    function_config = yaml.safe_dump({"functionConfig": config()}, sort_keys=False)
    result = cli(stdin=KEEP_TEXT + function_config)
    assert result.returncode == 0, result.stderr
    assert '      x: "y"   # the user\'s comment and quoting survive\n' in result.stdout
    assert '  data: {flow: "style"}\n' in result.stdout
    output = yaml.safe_load(result.stdout)
    objects = record(generated(output))
    assert len(objects) == 41
    assert output["items"][0]["metadata"]["annotations"] == {"x": "y", "config.kubernetes.io/path": "keep.yaml"}


def test_pass_through_survives_unicode_comments_and_aliases() -> None:
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: first\n"
        '    annotations: {note: "héllo wörld 😀"}\n  data: &shared {a: "ü"}\n'
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: second   # a comment é\n  data: *shared\n"
        + yaml.safe_dump({"functionConfig": config()}, sort_keys=False)
    )
    result = cli(stdin=text)
    assert result.returncode == 0, result.stderr
    output = yaml.safe_load(result.stdout)
    passed = [i for i in output["items"] if i["kind"] == "ConfigMap" and i["metadata"]["name"] in ("first", "second")]
    assert [i["data"] for i in passed] == [{"a": "ü"}, {"a": "ü"}]
    assert passed[0]["metadata"]["annotations"]["note"] == "héllo wörld 😀"


def test_generated_items_are_placed_marked_and_never_local_config() -> None:
    code, output, _ = run_krm(resource_list([], config(name="prod", namespace="zt")))
    assert code == 0
    for item in generated(output):
        annotations = item["metadata"]["annotations"]
        assert annotations["zymtrace.io/generated-by"] == "zt/prod"
        path = annotations["internal.config.kubernetes.io/path"]
        assert path == annotations["config.kubernetes.io/path"]
        assert path.startswith("generated/prod/") and path.endswith(".yaml")
        assert "config.kubernetes.io/local-config" not in annotations
    paths = [i["metadata"]["annotations"]["config.kubernetes.io/path"] for i in generated(output)]
    assert len(paths) == len(set(paths)) == 41


def test_rerender_replaces_previous_output_and_prunes() -> None:
    """Items from an earlier run come back as input: they are replaced, never duplicated."""
    _, first, _ = run_krm(resource_list([], config()))
    previous = first["items"]
    _, second, _ = run_krm(resource_list(previous, config()))
    assert [i["metadata"]["name"] for i in generated(second)] == [i["metadata"]["name"] for i in previous]
    # A config change that removes objects: MinIO goes away, so its objects are pruned.
    external = config({"storage": s3_with_iam()})
    _, third, _ = run_krm(resource_list(previous, external))
    names = {f"{i['kind']}/{i['metadata']['name']}" for i in generated(third)}
    assert "StatefulSet/zymtrace-minio" not in names and "Secret/zymtrace-minio-secrets" not in names
    assert any(n.startswith("Job/zymtrace-bucket-check-") for n in names)
    record(generated(third))


def test_config_items_rendered_when_function_config_absent() -> None:
    """Several instances in one package: every ZymtraceBackend item is rendered."""
    a = config({"global": {"namePrefix": "alpha"}}, name="alpha", namespace="team-a")
    b = config({"global": {"namePrefix": "beta"}}, name="beta", namespace="team-b")
    a["metadata"]["annotations"] = {"config.kubernetes.io/path": "a/zymtrace.yaml"}
    code, output, _ = run_krm(resource_list([a, b]))
    assert code == 0
    objects = record(generated(output))
    assert len(objects) == 82
    paths = {o["metadata"]["annotations"]["config.kubernetes.io/path"].split("/")[0:2][0] for o in objects}
    assert paths == {"a", "generated"}
    assert {o["metadata"]["namespace"] for o in objects} == {"team-a", "team-b"}
    configs = [i for i in output["items"] if i["kind"] == "ZymtraceBackend"]
    assert len(configs) == 2  # the configs themselves pass through


def test_bad_config_gives_error_results_exit_1_and_no_objects() -> None:
    bad = config({"postgres": {"mode": "not-a-mode"}, "services": {"web": {"replicas": "many"}}, "sevrices": {}})
    code, output, stderr = run_krm(resource_list([], bad))
    assert code == 1
    assert generated(output) == []
    errors = [r for r in output["results"] if r["severity"] == "error"]
    paths = {r["field"]["path"] for r in errors}
    assert paths == {"spec.postgres.mode", "spec.services.web.replicas", "spec.sevrices"}
    assert all(r["resourceRef"]["kind"] == "ZymtraceBackend" for r in errors)
    assert any("did you mean 'services'" in r["message"] for r in errors)
    assert len([line for line in stderr.splitlines() if line.startswith("[error]")]) == 3


def test_malformed_resource_lists_fail_cleanly() -> None:
    cases = [
        "not: [valid",
        "- just\n- a list\n",
        "apiVersion: v1\nkind: ConfigMap\n",
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 5\n",
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
        resource_list([], {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
    ]
    for text in cases:
        result = cli(stdin=text)
        assert result.returncode == 1, text
        assert "Traceback" not in result.stderr and result.stderr.startswith("[error]"), result.stderr
        output = yaml.safe_load(result.stdout)
        assert output["kind"] == "ResourceList"
        assert [r for r in output["results"] if r["severity"] == "error"]


def test_non_utf8_input_is_an_error_not_a_crash() -> None:
    result = cli(stdin=b"\xff\xfe\x00garbage")
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr and b"UTF-8" in result.stderr
