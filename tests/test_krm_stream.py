"""KRM mode renders instances one at a time (only their compressed text is kept until all have passed),
and copies kept items' text from the input instead of re-writing them with ruamel.yaml."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import config
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from kustomize_zymtrace import emitter, krm
from kustomize_zymtrace.krm import process

MARK = "zymtrace.io/generated-by"
HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"


def _run(text: str) -> tuple[int, str, list[str]]:
    out = io.StringIO()
    outcome = process(text, out)
    return outcome.exit_code, out.getvalue(), outcome.messages


def _owners(text: str) -> list[str]:
    items = yaml.safe_load(text)["items"]
    return [i["metadata"]["annotations"][MARK] for i in items if MARK in (i["metadata"].get("annotations") or {})]


def _instances(*specs: dict | None) -> list[dict]:
    return [
        config({"global": {"namePrefix": f"p{n}"}, **(spec or {})}, name=f"z{n}", namespace=f"ns{n}")
        for n, spec in enumerate(specs)
    ]


def test_instances_stream_out_in_order_each_once() -> None:
    code, out, messages = _run(HEADER + emitter.dump(_instances(None, None, None)))
    assert code == 0, messages
    assert _owners(out) == ["ns0/z0"] * 41 + ["ns1/z1"] * 41 + ["ns2/z2"] * 41
    kinds = [i["kind"] for i in yaml.safe_load(out)["items"]]
    assert kinds[:3] == ["ZymtraceBackend"] * 3  # the configs kept, before the generated objects


def test_every_failing_instance_is_reported_and_nothing_is_generated() -> None:
    """The first and last instances are invalid, the one between renders: no generated item at all,
    the input items unchanged, and the errors of both invalid instances."""
    bad = {"postgres": {"mode": "not-a-mode"}}
    configs = _instances(bad, None, {"services": {"web": {"replicas": "many"}}})
    code, out, messages = _run(HEADER + emitter.dump(configs))
    assert code == 1
    assert _owners(out) == []
    output = yaml.safe_load(out)
    assert output["items"] == configs
    errors = [r for r in output["results"] if r["severity"] == "error"]
    assert {(r["resourceRef"]["name"], r["field"]["path"]) for r in errors} == {
        ("z0", "spec.postgres.mode"),
        ("z2", "spec.services.web.replicas"),
    }
    assert len([m for m in messages if m.startswith("[error]")]) == 2


def test_a_collision_stops_the_output_and_names_the_first_pair() -> None:
    first, second, third = _instances(None, None, None)
    second["spec"]["global"]["namePrefix"] = "p0"
    second["metadata"]["namespace"] = "ns0"  # same objects as the first instance
    code, out, messages = _run(HEADER + emitter.dump([first, second, third]))
    assert code == 1 and _owners(out) == []
    assert len(messages) == 1
    assert messages[0].startswith("[error]") and "ZymtraceBackend ns0/z0 and ZymtraceBackend ns0/z1 both" in messages[0]
    # A config error in a later instance: its error is reported (not the collision, which valid
    # instances alone may not have).
    third["spec"]["postgres"] = {"mode": "not-a-mode"}
    code, out, messages = _run(HEADER + emitter.dump([first, second, third]))
    assert code == 1 and _owners(out) == []
    assert len(messages) == 1 and "spec.postgres.mode" in messages[0] and "both generate" not in messages[0]


# ---------------------------------------------------------------- kept items copied as text

PLAIN = st.sampled_from(["alpha", "beta", "x", "on", "yes", "0o17", "1e3", "~", "12", "é", "😀", "a&b", "wow!"])
QUOTED = st.sampled_from(["alpha", "key: no", "# not a comment", "it''s", "*", "wow!", "  spaced  ", "é😀", "&x", ""])
ESCAPED = st.sampled_from(["alpha", r"tab\there", r"line\nbreak", r"\u00e9", r"quote \" in", r"end\\", "# no", ""])
LINES = st.sampled_from(
    ["alpha beta", "# content, not a comment", "  more indented", "", "   ", "trailing  ", "key: value", "- dash"]
)
KEYS = st.sampled_from(["a", "b", "name", "data", "x-y", "k8s.io/key", "spec", "with space"])


class Drawn:
    """Comments written into a drawn item, each unique, so the test can look for every one."""

    def __init__(self) -> None:
        self.comments: list[str] = []

    def comment(self, draw: st.DrawFn) -> str:
        if not draw(st.booleans()):
            return ""
        self.comments.append(f"# c{len(self.comments)} {draw(st.sampled_from(['note', 'é', 'key: v', '- x']))}")
        return self.comments[-1]

    def trailing(self, draw: st.DrawFn) -> str:
        text = self.comment(draw)
        return f"{' ' * draw(st.integers(1, 3))}{text}" if text else ""


def _scalar(draw: st.DrawFn, drawn: Drawn, head: str, pad: str) -> list[str]:
    """A scalar value after `head` ('key:'), its continuation lines at `pad` (deeper than the key)."""
    kind = draw(st.sampled_from(["plain", "empty", "single", "double", "multi-plain", "block", "flow"]))
    if kind == "plain":
        return [f"{head} {draw(PLAIN)}{drawn.trailing(draw)}"]
    if kind == "empty":
        return [f"{head}{drawn.trailing(draw)}"]
    if kind == "multi-plain":
        return [f"{head} {draw(PLAIN)} {draw(PLAIN)}", f"{pad}{draw(PLAIN)}{drawn.trailing(draw)}"]
    if kind in ("single", "double"):
        words, quote = (QUOTED, "'") if kind == "single" else (ESCAPED, '"')
        parts = draw(st.lists(words, min_size=1, max_size=4))
        lines = [f"{head} {quote}{parts[0]}"] + [f"{pad}{part}" if part else "" for part in parts[1:]]
        last = lines[-1] or pad  # the closing quote indented too
        return [*lines[:-1], last + quote + drawn.trailing(draw)]
    if kind == "flow":
        if draw(st.booleans()):
            return [f"{head} {{a: {draw(PLAIN)}, b: [x, 'y z']}}{drawn.trailing(draw)}"]
        return [f"{head} [{draw(PLAIN)}, 'a,", f"{pad}b']{drawn.trailing(draw)}"]
    header = f"{head} {draw(st.sampled_from(['|', '>']))}{draw(st.sampled_from(['', '-', '+']))}"
    content = draw(st.lists(LINES, max_size=4))
    if any(content) and next(line for line in content if line).startswith(" "):
        content.insert(0, "first")  # the first line sets the block's indentation: a deeper one goes later
    body = [f"{pad}{line}" if line else "" for line in content]
    return [header + drawn.trailing(draw), *body]


def _mapping(draw: st.DrawFn, drawn: Drawn, indent: int, depth: int) -> list[str]:
    """A block mapping whose keys are at column `indent`, with comments, nested mappings and lists."""
    pad = " " * indent
    lines: list[str] = []
    for key in draw(st.lists(KEYS, min_size=1, max_size=4, unique=True)):
        if lines and (comment := drawn.comment(draw)):
            lines.append(pad + comment)
        kind = draw(st.sampled_from(["scalar", "scalar", "mapping", "list"] if depth else ["scalar"]))
        if kind == "scalar":
            lines += _scalar(draw, drawn, f"{pad}{key}:", pad + "  ")
            continue
        lines.append(f"{pad}{key}:{drawn.trailing(draw)}")
        if kind == "mapping":
            lines += _mapping(draw, drawn, indent + draw(st.sampled_from([2, 4])), depth - 1)
            continue
        dash = indent + draw(st.sampled_from([0, 2]))  # `key:\n- a` and `key:\n  - a`
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                lines += _scalar(draw, drawn, " " * dash + "-", " " * (dash + 2))
            else:
                entry = _mapping(draw, drawn, dash + 2, depth - 1)
                lines += [" " * dash + "- " + entry[0].lstrip(" "), *entry[1:]]
    return lines


@st.composite
def resource_lists(draw: st.DrawFn) -> tuple[str, int, list[str]]:
    """A ResourceList holding a drawn item (and another), as text; the drawn item's index; its comments."""
    drawn = Drawn()
    dash = draw(st.sampled_from([0, 2]))  # `items:\n- a: 1` (kpt) and `items:\n  - a: 1`
    lines = _mapping(draw, drawn, dash + 2, depth=3)
    if draw(st.booleans()):
        lines = [" " * dash + "- " + lines[0].lstrip(" "), *lines[1:]]
    else:
        lines = [" " * dash + "-", *lines]  # the item starts on the line after its dash
    if comment := drawn.comment(draw):
        lines.append(" " * (dash + 2) + comment)  # after the item's last value: still in its text
    item = "\n".join(lines) + "\n"
    other = " " * dash + "- kind: Other\n" + " " * dash + "  metadata: {name: other}\n"
    first = draw(st.booleans())
    text = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + (
        item + other if first else other + item
    )
    if draw(st.booleans()):
        text += "functionConfig:\n  kind: Y\n"
    return text, 0 if first else 1, drawn.comments


READERS = {"PyYAML": yaml.safe_load, "ruamel": YAML(typ="safe", pure=True).load}


def _read(reader: str, entry: str) -> Any:
    return READERS[reader]("items:\n" + entry)["items"][0]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(resource_lists())
def test_kept_item_copied_as_text_reads_as_it_came(drawn: tuple[str, int, list[str]]) -> None:
    """Both readers read the copy as they read the item in the input: what ruamel's rewrite (the path
    before, still the fallback) gives too, wherever that is faithful itself (not always: see below)."""
    text, index, comments = drawn
    _, source = krm._parse(text)
    copied = krm._copied_entry(text, source.spans[index])
    assert copied is not None, "the drawn items are all copyable"
    assert source.entries([True, True])[index] == copied
    rewritten = source.entries([True, True], copy=False)[index]
    for reader, read in READERS.items():
        came = read(text)["items"][index]
        assert _read(reader, copied) == came
        if _read(reader, rewritten) != came:
            event(f"ruamel's rewrite reads differently ({reader})")  # ruamel's loss, not the copy's
    positions = [copied.index(comment) for comment in comments]
    assert positions == sorted(positions)  # every comment kept, in order


def test_a_comment_after_an_empty_block_scalar_stays_a_comment() -> None:
    """Found by the test above: ruamel's rewrite (indentation 2, sequences at 0) moves the comment under
    the `|` and so makes it the scalar's text; the copy keeps it where it was."""
    text = HEADER + "-\n  a: alpha\n  b:\n    - a: |\n      # note\n      b: x\n"
    _, source = krm._parse(text)
    came = yaml.safe_load(text)["items"][0]
    assert came["b"][0] == {"a": "", "b": "x"}
    assert _read("PyYAML", source.entries([True])[0]) == came
    assert _read("PyYAML", source.entries([True], copy=False)[0])["b"][0]["a"] == "# note\n"


FALLBACKS = {
    "flow mapping": "- {kind: X, a: 1}\n",
    "tag": "- kind: X\n  a: !!str 1\n",
    "alias": "- kind: X\n  a: &x [1]\n  b: *x\n",
    "tab in an indentation": "- kind: X\n  a: |\n    x\n    \ty\n",
    "CR LF line breaks": "- kind: X\r\n  a: 1\r\n",
    "comment left of the item, shifted": "  - kind: X\n# c\n    a: 1\n",
    "quoted line left of the item, shifted": '  - kind: X\n    a: "x\n  y"\n',
    "no final line break": "- kind: X\n  a: 1",
}


@pytest.mark.parametrize("items", FALLBACKS.values(), ids=FALLBACKS.keys())
def test_items_a_copy_cannot_carry_are_rewritten_by_ruamel(items: str) -> None:
    text = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items
    _, source = krm._parse(text)
    span = source.spans[0]
    assert krm._properties(text, span) & {"alias", "tag"} or krm._copied_entry(text, span) is None
    entry = source.entries([True])[0]
    assert entry == source.entries([True], copy=False)[0]
    assert _read("PyYAML", entry) == yaml.safe_load(text)["items"][0]


def test_anchors_are_copied_unless_an_item_refers_to_one() -> None:
    """kpt's input through bench's writer: the config is an item and, by alias, the functionConfig."""
    anchored = "- &cfg\n  kind: X\n  a: &inner {x: 1}   # kept\n"
    text = f"{HEADER}{anchored}functionConfig: *cfg\n"
    _, source = krm._parse(text)
    assert source.entries([True]) == [anchored]
    # Another item refers to the anchor twice: ruamel writes it naming the anchor, so the anchored item
    # is written by ruamel too, which leaves out an anchor nothing in the item refers to (a copy would
    # put `&inner` twice in the output, which PyYAML refuses to read).
    text = text.replace("functionConfig: *cfg\n", "- kind: Y\n  b: *inner\n  c: *inner\n")
    _, source = krm._parse(text)
    entries = source.entries([True, True])
    assert entries == source.entries([True, True], copy=False)
    assert entries[0].count("&inner") == 0 and entries[1].count("&inner") == 1
    assert yaml.safe_load("items:\n" + "".join(entries))["items"] == yaml.safe_load(text)["items"]


def test_keys_python_cannot_tell_apart_are_refused_even_on_one_line() -> None:
    for spec in ("{a: 1, a: 2}", "{1: a, true: b}"):
        text = HEADER + f"- apiVersion: v1\n  kind: X\n  metadata: {{name: a}}\n  spec: {spec}\n"
        code, out, messages = _run(text + emitter.dump({"functionConfig": config()}))
        assert code == 1 and _owners(out) == []
        assert len(messages) == 1 and "duplicate key" in messages[0] and "line 7" in messages[0], messages


def test_a_default_kpt_render_does_not_import_ruamel(tmp_path: Path) -> None:
    function_config = config()
    function_config["metadata"]["annotations"] = {"config.kubernetes.io/local-config": "true"}
    # As bench.py writes it: the config is an item and the functionConfig, an alias of it.
    body = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [function_config]}
    body["functionConfig"] = function_config
    text = yaml.safe_dump(body, sort_keys=False)
    assert "&id001" in text
    script = (
        "import io, sys\nfrom kustomize_zymtrace.krm import process\nout = io.StringIO()\n"
        "code = process(sys.stdin.read(), out).exit_code\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('ruamel')))\nsys.stderr.write(out.getvalue())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], input=text, capture_output=True, text=True, check=True)
    assert result.stdout == "0 []\n"
    assert result.stderr.startswith(HEADER + "- &id001\n  apiVersion: zymtrace.io/v1alpha1\n")
    assert len(_owners(result.stderr)) == 41


def test_an_item_one_column_in_is_kept_intact() -> None:
    """`-` alone on its line with the item one space in: too little indentation to shift, so the item goes
    the careful way (it was cut to each line's last character)."""
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "-\n apiVersion: v1\n kind: ConfigMap\n metadata:\n  name: kept\n data:\n  key: value\n"
    )
    _, source = krm._parse(text)
    entry = source.entries([True])[0]
    assert yaml.safe_load("items:\n" + entry)["items"][0] == yaml.safe_load(text)["items"][0], entry
