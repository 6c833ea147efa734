"""The reader (yamlio) builds documents from libyaml's events itself, with its limits checked as it reads.
It must read every document exactly as PyYAML's own constructor does with the same YAML 1.2 core schema:
the same values, types, key order, shared values (aliases) and refusals. The oracle here is that
constructor."""

from __future__ import annotations

import math
import os
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kustomize_zymtrace import yamlio
from kustomize_zymtrace.results import ConfigError

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "30"))
_RESOLVED = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
)


class Oracle(yaml.CSafeLoader):  # type: ignore[misc]
    """PyYAML's constructor with the core schema's resolvers and duplicate keys refused (no merge keys,
    no timestamps: PyYAML's merge differs with the length of the keys, the reader reports timestamps)."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, Any]]] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)  # which refuses it
        keys = [self.construct_object(key, deep=True) for key, _ in node.value]
        try:
            if len(set(keys)) != len(keys):  # the reader refuses keys Python cannot tell apart
                raise yaml.constructor.ConstructorError(None, None, "duplicate key", node.start_mark)
        except TypeError:
            pass  # an unhashable key: the base constructor refuses it
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> int:
        text = self.construct_scalar(node)
        sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
        if digits[:2] in ("0o", "0x"):
            return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
        return sign * int(digits, 10)


for _tag, _pattern, _first in _RESOLVED:
    Oracle.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
Oracle.yaml_implicit_resolvers.setdefault("", []).append(("tag:yaml.org,2002:null", re.compile(r"^$")))
Oracle.add_constructor("tag:yaml.org,2002:int", Oracle.construct_yaml_int)

TRICKY = ["1e3", "0o17", "0x1F", "017", "on", "yes", "~", "null", ".inf", "-.Inf", ".nan", "1_000", "12:30", "", " x"]
scalars = (
    st.sampled_from(TRICKY)
    | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x85\u2028\u2029"), max_size=12)
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.none()
)
keys = (st.text(max_size=8) | st.integers(-5, 5)).filter(lambda key: key != "<<" and not _looks_like_date(key))
values = st.recursive(
    scalars.filter(lambda value: not _looks_like_date(value)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


def _looks_like_date(value: Any) -> bool:
    return isinstance(value, str) and bool(re.match(r"\s*[0-9]{4}-[0-9]", value))


def _canonical(value: Any, seen: dict[int, int] | None = None) -> Any:
    """A value with its types and its sharing made comparable."""
    seen = {} if seen is None else seen
    if isinstance(value, (dict, list)):
        shared = seen.setdefault(id(value), len(seen))
        if isinstance(value, dict):
            return ("map", shared, [(_canonical(k, seen), _canonical(v, seen)) for k, v in value.items()])
        return ("seq", shared, [_canonical(v, seen) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def _both(text: str) -> tuple[Any, Any]:
    def ours() -> Any:
        try:
            return [_canonical(d) for d in yamlio.load_all(text, "drawn")]
        except ConfigError:
            return "refused"

    def oracle() -> Any:
        try:
            return [_canonical(d) for d in yaml.load_all(text, Loader=Oracle)]
        except yaml.YAMLError:
            return "refused"

    return ours(), oracle()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    documents=st.lists(values, min_size=1, max_size=3),
    shared=values,
    flow=st.sampled_from([None, True, False]),
    style=st.sampled_from([None, "'", '"']),
)
def test_the_reader_reads_what_pyyaml_reads(
    documents: list[Any], shared: Any, flow: bool | None, style: str | None
) -> None:
    """Drawn documents in every style PyYAML writes, with one value shared (written as an anchor and its
    aliases), read by both."""
    if isinstance(shared, (dict, list)):
        documents = [{"a": shared, "b": document, "c": shared} for document in documents]
    text = yaml.dump_all(documents, default_flow_style=flow, default_style=style, allow_unicode=True)
    ours, oracle = _both(text)
    assert ours == oracle, text


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {k: v}\nb: *x\nc: [*x, *x]\n",
        "? [1, 2]\n: x\n",
        "a: !!str 5\nb: !!int '7'\nc: !!float '1.5'\nd: !!null ''\ne: !!bool 'true'\n",
        "a: 1\na: 2\n",
        "{a: 1, a: 2}\n",
        "1: a\ntrue: b\n",
        "a: &x 1\nb: &x 2\n",
        "- *nope\n",
        "x: !!str {a: 1}\n",
        "x: !!map 5\n",
        "a: !Custom 5\n",
        "---\n---\na: 1\n...\n---\n",
        "k: |\n  block\n  text\n",
        "k: >\n  folded\n  text\n",
        "\ufeffbom: 1\n",
        "a: [1, {b: [2, {c: 3}]}]\n",
    ],
)
def test_the_reader_agrees_on_edge_documents(text: str) -> None:
    ours, oracle = _both(text)
    assert ours == oracle


MERGES = [
    ("a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  y: 3\n", {"x": 1, "y": 3}),
    ("a: &a {long: 1}\nb: &b {long: 2, other: 3}\nc:\n  <<: [*a, *b]\n", {"long": 1, "other": 3}),
    ("a: &a {x: 1}\nb: {<<: *a}\n", {"x": 1}),
]


@pytest.mark.parametrize(("text", "merged"), MERGES)
def test_merge_keys_follow_the_yaml_merge_spec(text: str, merged: dict[str, int]) -> None:
    """The mapping's own keys win, then the merged mappings in the order listed (PyYAML lets the last one
    win when the keys are longer than one character; go-yaml and the merge spec, the first)."""
    document = yamlio.load_all(text, "merge")[0]
    last = list(document)[-1]
    assert document[last] == merged


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &a [1, *a]\n", "line 1: the alias *a refers to a node that contains it (&a at line 1)"),
        ("a:\n  b: &a\n    c: [*a]\n", "line 3: the alias *a refers to a node that contains it (&a at line 2)"),
        ("a: !!int twelve\n", "at line 1, column 4: 'twelve' is not a valid int"),
        ("a: !!bool maybe\n", "'maybe' is not a valid bool"),
        ("a: !!float ''\n", "'' is not a valid float"),
        ("a: <<\n", "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'"),
        ("a:\n  <<: {x: 1}\n  <<: {y: 2}\n", "duplicate key '<<' (first at line 2)"),
        ("a:\n  <<: [1]\n", "expected a mapping or list of mappings for merging"),
        ("[" * 101 + "]" * 101, "YAML nested more than 100 levels deep"),
    ],
)
def test_refusals_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        yamlio.load_all(text, "source.yaml")
    assert caught.value.results[0].message.startswith("source.yaml: ")
    assert message in caught.value.results[0].message


def test_the_limits_are_counted_as_aliases_expand() -> None:
    """An alias costs what it expands to: a document of a few hundred bytes that would expand past the
    limit is refused at the alias that crosses it, long before anything is built at that size."""
    levels = ["&l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"&l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 7)]
    text = "[" + ", ".join(levels) + "]"  # 10**6 values once expanded
    with pytest.raises(ConfigError, match="more than 500,000 values once its aliases are expanded"):
        yamlio.load_all(text, "laughs")
    small = "[" + ", ".join(levels[:5]) + "]"  # 10**4: accepted, and the aliases share one list
    document = yamlio.load_all(small, "laughs")[0]
    assert document[4][0] is document[3] and len(document[4]) == 10


def test_skeleton_nodes_locate_the_items() -> None:
    """KRM mode copies items by the marks of the top three levels; an item that is an alias has the marks
    of the anchored node."""
    text = "kind: ResourceList\nfunctionConfig: &f {a: 1}\nitems:\n- kind: A\n  x: 1\n- *f\n- {kind: B}\n"
    document, root = yamlio.load_with_node(text, "ResourceList", any_yaml=True)
    items = next(value for key, value in root.value if key.value == "items")
    spans = [text[node.start_mark.index : node.end_mark.index] for node in items.value]
    assert spans[0].startswith("kind: A\n  x: 1") and spans[1] == "&f {a: 1}" and spans[2] == "{kind: B}"
    assert document["items"][1] is document["functionConfig"]
    assert [type(node).__name__ for node in items.value] == ["MappingNode", "MappingNode", "MappingNode"]
    assert [node.flow_style for node in items.value] == [False, True, True]
