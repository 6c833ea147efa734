"""from-helm-values: an existing values file of the zymtrace backend chart -> a ready ZymtraceBackend.

The values go under spec unchanged, comments and quoting included (ruamel.yaml round trip). Where this
project's defaults differ from the chart's (the chart's README wins), the chart's value is written out
explicitly, so an adopted Helm install keeps its database names, ServiceAccount and autoscaling.
Helm reads values as YAML 1.1, where an unquoted yes, no, on or off is a boolean; a ZymtraceBackend is
YAML 1.2 (as for kustomize, kpt and editors), so those are written as true and false. A number the file
quotes where the chart takes a number (`nodePort: '30080'`: the chart's template prints it unquoted) is
written as that number, with a note. The values are written with the file's own indentation, each line
moved under `spec:` as it was, so comments keep their place.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from .api import API_VERSION, KIND
from .results import ConfigError, Result, error

# The round-trip reader that keeps comments costs about 1 ms a value: a values file of more (the chart's
# own has about 600) is refused before it starts, so a conversion answers in a few seconds.
CONVERT_MAX_VALUES = 3000

# Unquoted scalars YAML 1.1 (Helm) reads as booleans and YAML 1.2 as strings.
YAML11_BOOLEANS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
}


def yaml11_booleans(node: Any) -> None:
    """Give unquoted YAML 1.1 booleans the meaning Helm gave them (quoted strings stay strings)."""
    if isinstance(node, CommentedMap):
        keys: Any = list(node.keys())
    elif isinstance(node, CommentedSeq):
        keys = range(len(node))
    else:
        return
    for key in keys:
        value = node[key]
        if type(value) is str and value in YAML11_BOOLEANS:  # plain scalars only: quoted ones are subclasses
            node[key] = YAML11_BOOLEANS[value]
        else:
            yaml11_booleans(value)


# ------------------------------------------------------------------ numbers where text is meant


def helm_text(value: float) -> str:
    """The text Helm made of a number in a values file: values become JSON numbers (float64) and print
    with Go's %v, the shortest digits in %e form from an exponent of 6 on (1000000 is 1e+06)."""
    from decimal import Decimal

    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return "NaN" if number != number else ("+Inf" if number > 0 else "-Inf")
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    text, point = "".join(map(str, digits)), len(digits) + int(exponent)
    minus = "-" if sign else ""
    if text == "0":
        return minus + "0"
    if not -4 <= point - 1 < 6:
        mantissa = text[0] + (f".{text[1:]}" if len(text) > 1 else "")
        return f"{minus}{mantissa}e{'-' if point - 1 < 0 else '+'}{abs(point - 1):02d}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{text}"
    if point >= len(text):
        return minus + text + "0" * (point - len(text))
    return f"{minus}{text[:point]}.{text[point:]}"


def numbers_for_text(values: CommentedMap, plain: Any, text: str, source: str) -> None:
    """Unquoted numbers where the model takes text, and numbers in extra environment variables. Where the
    file, Helm and this tool read the same text (`tag: 17.4`), the value is quoted as written; where they
    differ (`password: 1e3` is 1000 to Helm and kustomize, and was text to the YAML 1.1 tool that wrote
    it), it is refused with its line: only the user knows which text was meant."""
    from .loading import format_path, source_locator
    from .model.scalars import env_value, is_secret_name

    scalar_at = source_locator(text)
    problems: list[Result] = []
    for loc, value in _text_fields_with_numbers(plain):
        written = scalar_at(loc)
        if written is not None and written[0] == helm_text(value):
            _put(values, loc, SingleQuotedScalarString(written[0]))
        else:
            problems.append(_refusal(loc, value, written, source, "a number where text is meant"))
    for loc, value in _env_numbers(plain):
        if is_secret_name(str(loc[-1])):
            problems.append(_refusal(loc, value, scalar_at(loc), source, "a credential must be text"))
        elif env_value(value) != helm_text(value):
            found = scalar_at(loc)
            line = f"{source} line {found[1]}: " if found else ""
            problems.append(
                error(
                    format_path(("spec", *loc)),
                    f"{line}Helm rendered this number as '{helm_text(value)}', this tool as '{env_value(value)}': "
                    "quote the text you mean",
                )
            )
    if problems:
        raise ConfigError(problems)


def _refusal(loc: tuple[Any, ...], value: Any, written: tuple[str, int] | None, source: str, what: str) -> Result:
    from .loading import format_path
    from .model.scalars import is_secret_name

    path = format_path(("spec", *loc))
    where = f"{source} line {written[1]}: " if written else ""
    if is_secret_name(str(loc[-1])):
        why = "unquoted, 1e3 is the number 1000 to Helm and kustomize"
        return error(path, f"{where}{what}: quote it as you mean it ({why})")
    shown = written[0] if written else str(value)
    return error(
        path,
        f"{where}{what}: {shown} unquoted is the number {value} to YAML 1.2 readers such as kustomize, and Helm "
        f"rendered '{helm_text(value)}': quote the text you mean, e.g. '{shown}'",
    )


def _text_fields_with_numbers(plain: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """(path under spec, number) of each number the model refuses because the field takes text only."""
    from .loading import validate_document
    from .model.scalars import is_number

    if not isinstance(plain, dict):
        return []
    found: list[tuple[Any, ...]] = []

    def record(loc: tuple[Any, ...]) -> None:
        found.append(loc[1:])  # without "spec"

    document = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": "x", "namespace": "x"}, "spec": plain}
    with contextlib.suppress(ConfigError):  # other problems: reported by the converted config's validation
        validate_document(document, record)
    return [(loc, _get_at(plain, loc)) for loc in found if is_number(_get_at(plain, loc))]


def _env_numbers(plain: Any) -> list[tuple[tuple[Any, ...], Any]]:
    from .model.scalars import is_number

    services = plain.get("services") if isinstance(plain, dict) else None
    found = []
    for name, service in services.items() if isinstance(services, dict) else ():
        env = service.get("env") if isinstance(service, dict) else None
        for key, value in env.items() if isinstance(env, dict) else ():
            if is_number(value):
                found.append((("services", name, "env", key), value))
    return found


def _get_at(tree: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            tree = tree[part] if isinstance(tree, (dict, list)) else None
        except (KeyError, IndexError, TypeError):
            return None
    return tree


def _put(tree: Any, loc: tuple[Any, ...], value: Any) -> None:
    for part in loc[:-1]:
        tree = tree[part]
    tree[loc[-1]] = value


# ------------------------------------------------------------------ quoted numbers where numbers are meant

# The digits Helm's template prints for such a text, and every YAML reader reads back as this number: no
# sign, no leading zero (YAML 1.1 reads 030 as octal), no exponent.
NUMBER_TEXT = re.compile(r"-?(0|[1-9][0-9]*)")
QUOTED_NUMBER_NOTE = "quoted in the values file; the chart takes a number"


def quoted_numbers(values: CommentedMap, plain: Any) -> None:
    """Each quoted number that the model refuses as text and accepts as the number it spells becomes that
    number (lossless: the digits are the same), with a note; any other text stays as it is."""
    candidates = [(loc, value) for loc, value in _text_leaves(plain, ()) if NUMBER_TEXT.fullmatch(value)]
    if not candidates:
        return
    from .values import merge_values

    as_numbers = merge_values(plain, {})  # a deep copy
    for loc, value in candidates:
        _put(as_numbers, loc, int(value))
    before, after = _refused_paths(plain), _refused_paths(as_numbers)
    for loc, value in candidates:
        path = _spec_path(loc)
        if path in before and path not in after:
            _put(values, loc, int(value))
            _note(values, loc, QUOTED_NUMBER_NOTE)


def _text_leaves(tree: Any, loc: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in _text_leaves(value, (*loc, key))]
    if isinstance(tree, list):
        return [leaf for index, value in enumerate(tree) for leaf in _text_leaves(value, (*loc, index))]
    return [(loc, tree)] if isinstance(tree, str) else []


def _spec_path(loc: tuple[Any, ...]) -> str:
    from .loading import format_path

    return format_path(("spec", *loc))


def _refused_paths(plain: Any) -> set[str]:
    """The field paths the model reports a problem at, for these values under spec."""
    from .loading import validate_document

    document = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": "x", "namespace": "x"}, "spec": plain}
    try:
        validate_document(document)
    except ConfigError as exc:
        return {result.path for result in exc.results if result.severity == "error"}
    return set()


def _note(values: CommentedMap, loc: tuple[Any, ...], text: str) -> None:
    """An end-of-line comment on the value at loc; a comment the file had there keeps its text first."""
    parent: Any = values
    for part in loc[:-1]:
        parent = parent[part]
    key = loc[-1]
    position = 2 if isinstance(parent, CommentedMap) else 0
    slots = parent.ca.items.get(key)
    token = slots[position] if slots and len(slots) > position else None
    if token is not None and token.value.lstrip(" ").startswith("#"):
        first, newline, rest = token.value.partition("\n")
        token.value = f"{first}; {text}{newline}{rest}"
    elif token is not None:  # blank lines after the value: the comment goes before them
        token.value = f" # {text}{token.value}"
    else:
        parent.yaml_add_eol_comment(f"# {text}", key)


# (path, chart default, condition on the values) for every default this project changed.
CHART_DEFAULTS: tuple[tuple[tuple[str, ...], Any, tuple[tuple[str, ...], Any] | None], ...] = (
    (("postgres", "use_existing", "database"), "zymtrace", (("postgres", "mode"), "use_existing")),
    (("postgres", "gcp_cloudsql", "database"), "zymtrace", (("postgres", "mode"), "gcp_cloudsql")),
    (("postgres", "gcp_cloudsql", "serviceAccount"), "zymtrace-cloudsql-sa", (("postgres", "mode"), "gcp_cloudsql")),
    (("postgres", "gcp_cloudsql", "proxy", "image", "tag"), "2.15.0", (("postgres", "mode"), "gcp_cloudsql")),
    (
        ("postgres", "gcp_cloudsql", "proxy", "resources", "limits", "memory"),
        "556Mi",
        (("postgres", "mode"), "gcp_cloudsql"),
    ),
    (("services", "common", "hpa", "maxReplicas"), 10, None),
    (("services", "common", "hpa", "targetCPUUtilizationPercentage"), 60, None),
    (("services", "common", "hpa", "targetMemoryUtilizationPercentage"), 70, None),
    (
        ("services", "common", "hpa", "behavior"),
        {
            "scaleUp": {
                "stabilizationWindowSeconds": 60,
                "policies": [
                    {"type": "Percent", "value": 50, "periodSeconds": 60},
                    {"type": "Pods", "value": 2, "periodSeconds": 60},
                ],
            },
            "scaleDown": {
                "stabilizationWindowSeconds": 300,
                "policies": [{"type": "Percent", "value": 25, "periodSeconds": 60}],
            },
        },
        None,
    ),
)


def _given(tree: Any, path: tuple[str, ...]) -> bool:
    """The key is in the values, null included: an explicit null deletes the default, as in Helm."""
    for key in path[:-1]:
        if not isinstance(tree, dict) or key not in tree:
            return False
        tree = tree[key]
    return isinstance(tree, dict) and path[-1] in tree


def _get(tree: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _set(tree: CommentedMap, path: tuple[str, ...], value: Any) -> None:
    """Add the default at the end of the map that exists; the blank lines that ended that map's block move
    to the end of the block as it is now (below what was added), so none lands between the new lines."""
    depth = 0
    while depth < len(path) - 1 and isinstance(tree.get(path[depth]), dict):
        tree, depth = tree[path[depth]], depth + 1
    anchor, blanks = tree, _take_blank_lines(tree)
    for key in path[depth:-1]:
        tree[key] = CommentedMap()
        tree = tree[key]
    tree[path[-1]] = _commented(value)
    tree.yaml_add_eol_comment("the chart's default, kept for an in-place adoption", path[-1])
    _give_blank_lines(anchor, blanks)


def _commented(value: Any) -> Any:
    """Plain maps and lists as ruamel's own, so a comment can be attached anywhere in them."""
    if isinstance(value, dict):
        return CommentedMap((key, _commented(item)) for key, item in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(item) for item in value)
    return value


def _last_line(tree: Any) -> tuple[Any, Any] | None:
    """(container, key) of the value written on the block's last line: the last key (or item) down to a scalar."""
    found = None
    while isinstance(tree, (CommentedMap, CommentedSeq)) and len(tree):
        key = next(reversed(tree)) if isinstance(tree, CommentedMap) else len(tree) - 1
        found, tree = (tree, key), tree[key]
    return found


def _slot(container: Any) -> int:
    return 2 if isinstance(container, CommentedMap) else 0  # where ruamel keeps a line's end comment


def _take_blank_lines(tree: Any) -> int:
    """Remove the blank lines after the block's last line (kept in that line's comment token); how many."""
    last = _last_line(tree)
    if last is None:
        return 0
    container, key = last
    slots = container.ca.items.get(key)
    token = slots[_slot(container)] if slots and len(slots) > _slot(container) else None
    if token is None or "\n" not in token.value:
        return 0
    line, _, rest = str(token.value).partition("\n")
    if not line.strip():
        slots[_slot(container)] = None  # only blank lines
    else:
        token.value = line + "\n"
    return rest.count("\n")


def _give_blank_lines(tree: Any, blanks: int) -> None:
    last = _last_line(tree)
    if not blanks or last is None:
        return
    container, key = last
    slots = container.ca.items.get(key)
    token = slots[_slot(container)] if slots and len(slots) > _slot(container) else None
    if token is None:
        container.yaml_add_eol_comment("#", key)  # a token to hold the lines, emptied below
        token = container.ca.items[key][_slot(container)]
        token.value = "\n"
    elif not token.value.endswith("\n"):
        token.value += "\n"
    token.value += "\n" * blanks


def _uses_hpa(values: dict[str, Any]) -> bool:
    services = values.get("services") or {}
    return any(isinstance(s, dict) and (s.get("hpa") or {}).get("enabled") for s in services.values())


def pin_chart_defaults(values: CommentedMap) -> None:
    hpa = _uses_hpa(values)
    for path, default, condition in CHART_DEFAULTS:
        if _given(values, path):
            continue
        if condition is None and not hpa:
            continue
        if condition is not None and _get(values, condition[0]) != condition[1]:
            continue
        _set(values, path, default)


def _take_header(values: CommentedMap) -> str:
    """The values file's leading comment block: it describes the file, so it moves above the document."""
    comment = values.ca.comment
    if not comment or len(comment) < 2 or not comment[1]:
        return ""
    text = "".join(token.value for token in comment[1])
    comment[1] = []
    return text if text.endswith("\n") else text + "\n"


def convert(data: bytes | str, source: str, *, name: str, namespace: str, schema: str = "") -> str:
    """The values as a ZymtraceBackend; `schema` (a path relative to the output file, or a URL) adds the
    yaml-language-server modeline that points editors at the JSON Schema."""
    from . import yamlio

    # Read once as render reads it (YAML 1.2 core, duplicate keys and non-JSON values are errors), so
    # a value means the same here, in render and in kustomize; ruamel only keeps the comments.
    documents = [d for d in yamlio.load_all(data, source) if d is not None]
    if len(documents) > 1:
        raise ConfigError([error("", f"{source}: a values file holds one YAML document, found {len(documents)}")])
    plain = documents[0] if documents else None
    not_json = yamlio.not_json_values(plain)
    if not_json:
        from .loading import not_json_message

        raise ConfigError([error(f"spec.{path}", not_json_message(value)) for path, value in not_json])
    from .loading import shape_errors

    too_large = shape_errors(plain, ("spec",), CONVERT_MAX_VALUES)  # before the round trip, which is slow
    if too_large:
        raise ConfigError(too_large)
    # One line break, whatever the file used: YAML reads CR LF and CR as LF anyway, and the comments ruamel
    # copies verbatim would keep a CR.
    text = yamlio.decode(data, source).replace("\r\n", "\n").replace("\r", "\n")
    yaml = _round_trip(text)
    try:
        values = yaml.load(text)
    except YAMLError as exc:
        raise ConfigError([error("", f"{source}: not valid YAML: {exc}")]) from None
    if values is None:
        values = CommentedMap()
    if not isinstance(values, CommentedMap):
        raise ConfigError([error("", f"{source}: a values file must be a mapping")])
    yaml11_booleans(values)
    numbers_for_text(values, plain, text, source)
    quoted_numbers(values, plain)
    pin_chart_defaults(values)
    header = _take_header(values)
    out = io.StringIO()
    if schema:
        out.write(f"# yaml-language-server: $schema={schema}\n")
    out.write(f"# Converted from {source} by kustomize-zymtrace from-helm-values.\n")
    out.write(header)
    out.write(_document_head(name, namespace))
    out.write(_under_spec(yaml, values))
    from .loading import load_file_text  # validate what render will read, before printing anything

    load_file_text(out.getvalue(), source)
    return out.getvalue()


def _round_trip(text: str) -> YAML:
    """ruamel's round trip writing with the file's own indentation (nested maps, sequences and where their
    dashes sit), so the lines it writes are the file's lines."""
    mapping, sequence, dash = _indentation(text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=mapping, sequence=sequence, offset=dash)
    return yaml


def _indentation(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence item indent, dash offset), in ruamel's terms, as the file's first nested
    mapping and first block sequence below a `key:` line have them; what the file does not show is the
    chart's own style (2; items 4, dashes 2)."""
    mapping: int | None = None
    sequence: tuple[int, int] | None = None
    parent: int | None = None  # the column of the `key:` line just read
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(line) - len(stripped)
        if parent is not None and depth >= parent and stripped.startswith("- ") and sequence is None:
            item = len(stripped) - len(stripped[1:].lstrip(" ")) + depth
            if not stripped[1:].lstrip(" ").startswith("#"):
                sequence = (item - parent, depth - parent)
        elif parent is not None and depth > parent and mapping is None:
            mapping = depth - parent
        if mapping is not None and sequence is not None:
            break
        parent = depth if stripped.rstrip().endswith(":") and not stripped.startswith("-") else None
    mapping = mapping or 2
    items, dash = sequence or (mapping + 2, mapping)
    return mapping, items, dash


def _document_head(name: str, namespace: str) -> str:
    document = CommentedMap([("apiVersion", API_VERSION), ("kind", KIND)])
    local = DoubleQuotedScalarString("true")
    annotations = CommentedMap([("config.kubernetes.io/local-config", local)])
    document["metadata"] = CommentedMap([("name", name), ("namespace", namespace), ("annotations", annotations)])
    out = io.StringIO()
    YAML().dump(document, out)
    return out.getvalue() + "spec:"


def _under_spec(yaml: YAML, values: CommentedMap) -> str:
    """The values as ruamel writes them alone (each line where the file had it), every line moved two
    columns right under `spec:`: comments move with the lines, so they keep their places."""
    if not values and not values.ca.comment:
        return " {}\n"
    out = io.StringIO()
    yaml.dump(values, out)
    return "\n" + "".join(f"  {line}" if line.strip() else line for line in out.getvalue().splitlines(keepends=True))
