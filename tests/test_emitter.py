"""The YAML writer: whatever it writes reads back as the same data, and it writes what PyYAML would."""

from __future__ import annotations

import os
import re

import yaml
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from kustomize_zymtrace import emitter

RUAMEL = YAML(typ="safe", pure=True)

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "50"))
text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30) | st.sampled_from(
    [
        "",
        "-",
        "--flag",
        ":9001",
        "a: b",
        "a #b",
        "yes",
        "No",
        "null",
        "~",
        "0x1F",
        "1e3",
        "0.0.0.0:80",
        "2001-12-14",
        "=",
        "<<",
        "&a",
        "*a",
        "!tag",
        "'q'",
        '"q"',
        "line\n",
        "two\nlines",
        "\n",
        "trailing \nspace",
        " lead\nx",
        "tab\there",
        "end\n\n",
        "\ttab",
        "a\r\nb",
        "\u2028",
        "\x85",
        "…",
        "emoji 😀",
    ]
)
scalars = st.one_of(text, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.dictionaries(text, documents, min_size=1, max_size=5))
def test_everything_written_reads_back_equal(document: dict) -> None:
    written = emitter.dump(document)
    assert yaml.safe_load(written) == document
    assert RUAMEL.load(written) == document  # YAML 1.2, as kustomize and kpt read it


def test_yaml_1_2_numbers_and_1_1_words_are_quoted() -> None:
    """The strings kustomize and kpt turned into numbers, and the YAML 1.1 words PyYAML turns into bools."""
    risky = [
        "1e3",
        "0o17",
        "0x1F",
        "0b101",
        "1_000",
        "+12",
        ".inf",
        "-.Inf",
        ".NaN",
        "0777",
        "0_x1F",
        "_1_",
        "1.",
        "12:30",
        "-_",  # ruamel takes these for numbers and then fails to convert them
        "._",
        "__",
        "+_",
    ]
    risky += ["on", "Off", "yes", "y", "N", "~", "null", "NULL", "2001-12-14", "2001-1-2", "2001-12-14 1:2:3"]
    risky += ["<<", "="]
    for value in risky:
        assert emitter.scalar(value).startswith("'"), value
        assert RUAMEL.load(emitter.dump({"v": value})) == {"v": value}
    for readable in ("100m", "1Gi", "26.8.4", "bad", "x", "0b2ec3e4", "0o8", "0xg"):
        assert emitter.scalar(readable) == readable  # quantities stay readable


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(min_size=emitter.IMPLICIT_KEY_MAX - 5, max_size=1500), documents)
def test_keys_of_any_length(key: str, value: object) -> None:
    """YAML caps implicit keys at 1024 characters: longer ones are written as explicit "? key" entries."""
    for document in ({key: value}, {"a": [{key: value, "b": 1}]}):
        written = emitter.dump(document)
        assert yaml.safe_load(written) == document
        assert RUAMEL.load(written) == document


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.dictionaries(text, documents, min_size=1, max_size=3), min_size=1, max_size=3))
def test_streams_read_back_equal(documents_: list) -> None:
    assert [d for d in yaml.safe_load_all(emitter.dump_all(documents_))] == documents_


def test_same_bytes_as_pyyaml_on_every_golden_render() -> None:
    """The golden files were first written by PyYAML (block style, literal blocks): same bytes now."""

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: object) -> bool:
            return True

    def literal(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    Dumper.add_representer(str, literal)
    for tag, pattern in emitter.OTHER_READERS:  # the same quoting rule for YAML 1.2 readers
        Dumper.add_implicit_resolver(tag, re.compile(pattern), None)
    for expected in sorted(ROOT.glob("tests/cases/*/expected.yaml")):
        objects = [d for d in yaml.safe_load_all(expected.read_text()) if d]
        ours = emitter.dump_all(objects)
        theirs = yaml.dump_all(objects, Dumper=Dumper, sort_keys=False, width=1 << 16, allow_unicode=True)
        assert ours == theirs == expected.read_text(), expected.parent.name


def test_single_quotable_is_yamls_printable_set_for_every_code_point() -> None:
    """The written-out range check equals the character class YAML's printable set is usually written as,
    for every Unicode code point (and so for every string, since both look at each character alone)."""
    import re

    from kustomize_zymtrace.emitter import _single_quotable

    printable = re.compile(r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]\Z")
    differ = [hex(c) for c in range(0x110000) if bool(printable.match(chr(c))) != _single_quotable(chr(c))]
    assert differ == []
    assert _single_quotable("plain ascii") and not _single_quotable("tab\there") and not _single_quotable("\x85")
