"""KRM mode and the ownership mark: an earlier output is replaced only when it is provably one (marked
and in the place the function writes it), also after the finishing pass moved its mark with a namespace
change; a marked item elsewhere is kept and named, and an item with a generated object's id is refused."""

from __future__ import annotations

import io
from typing import Any

import yaml
from helpers import config

from kustomize_zymtrace import emitter
from kustomize_zymtrace.finish import finish
from kustomize_zymtrace.krm import process

MARK = "zymtrace.io/generated-by"
PATH = "internal.config.kubernetes.io/path"
HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"


def _run(items: list[dict[str, Any]], function_config: dict[str, Any] | None) -> tuple[int, dict[str, Any], list[str]]:
    text = HEADER + emitter.dump({"items": items})
    if function_config is not None:
        text += emitter.dump({"functionConfig": function_config})
    out = io.StringIO()
    outcome = process(text, out)
    return outcome.exit_code, yaml.load(out.getvalue(), Loader=yaml.CSafeLoader), outcome.messages


def _placed_config(name: str, directory: str, namespace: str = "zymtrace") -> dict[str, Any]:
    placed = config({"global": {"namePrefix": name}}, name=name, namespace=namespace)
    placed["metadata"]["annotations"] = {
        PATH: f"{directory}/{name}.yaml",
        "config.kubernetes.io/path": f"{directory}/{name}.yaml",
    }
    return placed


def _output(config_item: dict[str, Any]) -> list[dict[str, Any]]:
    code, output, messages = _run([config_item], None)
    assert code == 0, messages
    return [i for i in output["items"] if MARK in i["metadata"]["annotations"]]


def _moved(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """What a namespace function and then the finishing pass leave in the package."""
    for obj in objects:
        obj["metadata"]["namespace"] = namespace
    finished, _ = finish(objects)
    return finished


def _owners(output: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in output["items"]:
        mark = item["metadata"].get("annotations", {}).get(MARK)
        if mark:
            counts[mark] = counts.get(mark, 0) + 1
    return counts


def test_the_mark_follows_a_namespace_change_and_the_moved_output_is_replaced() -> None:
    first = _placed_config("alpha", "a")
    moved = _moved(_output(first), "tenant")
    assert {o["metadata"]["annotations"][MARK] for o in moved} == {"tenant/alpha"}
    # the package's next render, with the config itself as functionConfig (kpt's configPath)
    code, output, messages = _run([first, *moved], first)
    assert code == 0, messages
    assert _owners(output) == {"zymtrace/alpha": 41}
    paths = [i["metadata"]["annotations"][PATH] for i in output["items"]]
    assert len(paths) == len(set(paths))


def test_another_configs_moved_output_stays_when_only_one_config_renders() -> None:
    alpha, beta = _placed_config("alpha", "a"), _placed_config("beta", "b")
    moved_beta = _moved(_output(beta), "tenant-b")
    code, output, messages = _run([alpha, beta, *_output(alpha), *moved_beta], alpha)
    assert code == 0, messages
    assert _owners(output) == {"zymtrace/alpha": 41, "tenant-b/beta": 41}
    assert not [m for m in messages if "[warning]" in m and MARK in m]


def test_an_orphans_moved_output_is_pruned() -> None:
    gone = _moved(_output(_placed_config("gone", "g")), "tenant")
    alpha = _placed_config("alpha", "a")
    code, output, messages = _run([alpha, *gone], None)
    assert code == 0, messages
    assert _owners(output) == {"zymtrace/alpha": 41}


def test_a_marked_item_kept_is_reported_as_a_result_naming_it_and_its_file() -> None:
    mine = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "mine",
            "namespace": "zymtrace",
            "annotations": {MARK: "zymtrace/zymtrace", PATH: "mine.yaml"},
        },
        "data": {"A": "1"},
    }
    code, output, messages = _run([mine], config())
    assert code == 0, messages
    assert [i for i in output["items"] if i["metadata"]["name"] == "mine"] == [mine]
    results = [r for r in output["results"] if r["severity"] == "warning" and "resourceRef" in r]
    assert [
        (r["resourceRef"]["name"], r["file"]["path"]) for r in results if r["resourceRef"]["kind"] == "ConfigMap"
    ] == [("mine", "mine.yaml")]
    assert any(m.startswith("[warning] ConfigMap zymtrace/mine (file mine.yaml) carries") for m in messages)


def test_a_hand_written_item_with_a_generated_id_is_refused_and_nothing_generated() -> None:
    theirs = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "zymtrace-web", "namespace": "zymtrace", "annotations": {PATH: "svc.yaml"}},
        "spec": {"ports": [{"port": 80}]},
    }
    code, output, messages = _run([theirs], config())
    assert code == 1
    assert output["items"] == [theirs]
    assert messages == [
        "[error] items: Service zymtrace/zymtrace-web (file svc.yaml) is also generated by ZymtraceBackend "
        "zymtrace/zymtrace: the output would hold it twice. Remove the item, or give it another name or namespace."
    ]
    errors = [r for r in output["results"] if r["severity"] == "error"]
    assert len(errors) == 1 and errors[0]["field"] == {"path": "items"}


def test_an_unknown_tag_in_the_config_is_refused_as_render_refuses_it() -> None:
    text = (
        HEADER
        + "items: []\nfunctionConfig:\n  apiVersion: zymtrace.io/v1alpha1\n  kind: ZymtraceBackend\n"
        + "  metadata: {name: z, namespace: z}\n  spec:\n    global: !Prefix {namePrefix: abc}\n"
    )
    out = io.StringIO()
    outcome = process(text, out)
    assert outcome.exit_code == 1
    assert outcome.messages == [
        "[error] ZymtraceBackend/z spec.global: not valid YAML at line 9, column 13: could not determine a "
        "constructor for the tag '!Prefix'"
    ]
    assert yaml.safe_load(out.getvalue())["items"] == []
