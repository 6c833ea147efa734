"""What we write, kustomize (both pinned releases) and kpt read back as the same strings.

They read YAML 1.2 with go-yaml v3, where a plain 1e3 is a number and 0o17 is 15; PyYAML reads 1.1,
where on is a boolean. Drawn strings (and keys of any length) go into a Secret, a ConfigMap and a
custom object; the real tool reads the rendered file as a resource and writes it out again; what it
wrote must hold the very same strings.
"""

from __future__ import annotations

import os
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from helpers import run, secret_data, tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from kustomize_zymtrace import emitter

EXAMPLES = int(os.environ.get("TOOL_PROPERTY_EXAMPLES", "15"))
RUAMEL = YAML(typ="safe", pure=True)
# go-yaml writes "<<" and "=" plain; to go-yaml they are strings, not YAML 1.1's merge and value.
for _tag in ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"):
    RUAMEL.constructor.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))
TRICKY = [
    "1e3",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "0777",
    "on",
    "off",
    "yes",
    "y",
    "n",
    "~",
    "null",
    ".inf",
    "-.Inf",
    ".nan",
    "12:30",
    "190:20:30",
    "2001-12-14",
    "2001-1-2",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "",
    " lead",
    "trail ",
    "a: b",
    "#x",
    "x #y",
    "- x",
    "? x",
    "!x",
    "&x",
    "*x",
    "@x",
    "`x",
    "%x",
    "|",
    ">",
    "'",
    '"',
    "two\nlines",
    "end\n",
    "end\n\n",
    "\ttab",
    "crlf\r\n",
    "é ü 😀",
    "\u2028",
    "\x00nul",
    "\ufeffbom",
]
# YAML cannot carry surrogates. kustomize cannot carry DEL and the C1 controls (U+007F to U+009F)
# whatever their spelling: it re-reads objects as JSON, which leaves them raw, with go-yaml, which
# refuses them raw ("control characters are not allowed"), and a U+0085 in a key becomes a line
# break there; the same for U+FFFE and U+FFFF in keys. Every other code point must survive
# (tests/test_emitter.py covers all of them in-process).
KUSTOMIZE_CANNOT = [chr(c) for c in range(0x7F, 0xA0)] + ["\ufffe", "\uffff"]
CHARACTERS = st.characters(blacklist_categories=["Cs"], blacklist_characters=KUSTOMIZE_CANNOT)
strings = st.sampled_from(TRICKY) | st.text(CHARACTERS, max_size=40)
# kustomize drops a "<<" key however it is quoted (kyaml merges it): keys leave it out. Long keys (past
# the 128 characters where writers switch to explicit keys) use what a config lets reach a long key, an
# environment variable name's characters. Drawn from any characters, a 646-character double-quoted key
# was found that kustomize reads from our output and then fails to re-read from its own ("did not find
# expected ',' or '}'"), while removing any one character of it passes: a fault in go-yaml's writer,
# which no input can avoid and which needs a key the model never lets through.
ENV_NAME = st.text(
    st.sampled_from("-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), min_size=120, max_size=1100
)
keys = strings.filter(lambda key: key != "<<") | ENV_NAME.filter(lambda key: not key[0].isdigit())


def _objects(values: list[str], spec: dict[str, str]) -> list[dict]:
    data = {f"k{n}": value for n, value in enumerate(values)}
    meta = {"name": "drawn", "namespace": "ns", "annotations": {f"example.com/a{n}": v for n, v in enumerate(values)}}
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "drawn", "namespace": "ns"}, "stringData": data},
        {
            "apiVersion": "example.com/v1",
            "kind": "Drawn",
            "metadata": {"name": "drawn", "namespace": "ns"},
            "spec": spec,
        },
    ]


def _kustomize(binary: str, directory: Path) -> list[dict]:
    result = run([binary, "build", str(directory)])
    assert result.returncode == 0, result.stderr
    return [d for d in RUAMEL.load_all(result.stdout) if d]


def _kpt(binary: str, directory: Path) -> list[dict]:
    # kpt reads the package with kyaml and writes every item of it back out as a ResourceList.
    result = run([binary, "fn", "source", str(directory)])
    assert result.returncode == 0, result.stderr
    items = [
        item for item in RUAMEL.load(result.stdout)["items"] if item.get("kind") in ("ConfigMap", "Secret", "Drawn")
    ]
    for item in items:
        annotations = item["metadata"].get("annotations") or {}
        for key in [k for k in annotations if k.startswith(("config.kubernetes.io/", "internal.config."))]:
            del annotations[key]
        if not annotations:
            item["metadata"].pop("annotations", None)
    return items


KINDS = ("ConfigMap", "Secret", "Drawn")
READERS = {"kustomize": _kustomize, "kustomize-v5.5.0": _kustomize, "kpt": _kpt}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_real_tools_read_back_the_same_strings(reader: str) -> None:
    binary = tool(reader)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(strings, min_size=1, max_size=30), st.dictionaries(keys, strings, max_size=6))
    def check(values: list[str], spec: dict[str, str]) -> None:
        objects = _objects(values, spec)
        with TemporaryDirectory() as tmp:
            directory = Path(tmp)
            (directory / "drawn.yaml").write_text(emitter.dump_all(objects))
            (directory / "kustomization.yaml").write_text("resources:\n- drawn.yaml\n")
            back = READERS[reader](binary, directory)
        assert sorted(back, key=lambda o: o["kind"]) == sorted(objects, key=lambda o: o["kind"])

    check()


def test_tricky_strings_survive_kustomize_once_each() -> None:
    """Every known trap, through the pinned kustomize, without relying on the draw to find it."""
    objects = _objects(TRICKY, {value: value for value in TRICKY if value != "<<"})
    with TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "drawn.yaml").write_text(emitter.dump_all(objects))
        (directory / "kustomization.yaml").write_text("resources:\n- drawn.yaml\n")
        back = _kustomize(tool("kustomize"), directory)
    assert sorted(back, key=lambda o: o["kind"]) == sorted(objects, key=lambda o: o["kind"])


@pytest.mark.parametrize("kustomize", ["kustomize", "kustomize-v5.5.0"])
def test_credentials_that_look_like_numbers_survive_the_plugin_build(kustomize: str, tmp_path: Path) -> None:
    """The reported corruption: a PostgreSQL user 0o17 arrived as 15 and a password 1e3 as 1000 (user
    names now start with a letter, so the numbers are passwords here, and the user a YAML 1.1 word)."""
    from helpers import PLUGIN_HOME, config, tool_env

    spec = {
        "postgres": {"create": {"config": {"user": "on", "password": "1e3"}}},
        "clickhouse": {"create": {"config": {"password": "0o17"}}},
    }
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "zymtrace.yaml").write_text(emitter.dump(config(spec)))
    (tmp_path / "generator" / "kustomization.yaml").write_text("resources:\n- zymtrace.yaml\n")
    (tmp_path / "kustomization.yaml").write_text("generators:\n- generator\n")
    result = run(
        [tool(kustomize), "build", "--enable-alpha-plugins", str(tmp_path)],
        env=tool_env(KUSTOMIZE_PLUGIN_HOME=str(PLUGIN_HOME)),
    )
    assert result.returncode == 0, result.stderr
    objects = [d for d in RUAMEL.load_all(result.stdout) if d and d["kind"] in ("Secret", "ConfigMap")]
    values = [v for o in objects for v in (secret_data(o) if o["kind"] == "Secret" else o["data"]).values()]
    assert "0o17" in values and "1e3" in values and "on" in values
    assert all(isinstance(v, str) for v in values)
