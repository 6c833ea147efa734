"""from-helm-values: an existing values file of the zymtrace backend chart -> a ready ZymtraceBackend.

The values go under spec unchanged, comments and quoting included (ruamel.yaml round trip). Where this
project's defaults differ from the chart's (the chart's README wins), the chart's value is written out
explicitly, so an adopted Helm install keeps its database names, ServiceAccount and autoscaling.
Helm reads values as YAML 1.1, where an unquoted yes, no, on or off is a boolean; a ZymtraceBackend is
YAML 1.2 (as for kustomize, kpt and editors), so those are written as true and false.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .api import API_VERSION, KIND
from .results import ConfigError, error

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
    for key in path[:-1]:
        if not isinstance(tree.get(key), dict):
            _append(tree, key, CommentedMap())
        tree = tree[key]
    blank = _append(tree, path[-1], value)
    tree.yaml_add_eol_comment("the chart's default, kept for an in-place adoption", path[-1])
    if blank:
        tree.ca.items[path[-1]][2].value += "\n\n"


def _append(tree: CommentedMap, key: str, value: Any) -> bool:
    """Add a key at the end of a map. A blank line that ended the map moves below the new key (True)."""
    last = next(reversed(tree), None) if len(tree) else None
    trailing = tree.ca.items.get(last) if last is not None else None
    tree[key] = value
    if trailing and len(trailing) > 2 and trailing[2] is not None and trailing[2].value.strip() == "":
        tree.ca.items[last] = [trailing[0], trailing[1], None, *trailing[3:]]
        return True
    return False


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
    not_json = yamlio.not_json_values(documents[0] if documents else None)
    if not_json:
        from .loading import not_json_message

        raise ConfigError([error(f"spec.{path}", not_json_message(value)) for path, value in not_json])
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    try:
        values = yaml.load(data)
    except YAMLError as exc:
        raise ConfigError([error("", f"{source}: not valid YAML: {exc}")]) from None
    if values is None:
        values = CommentedMap()
    if not isinstance(values, CommentedMap):
        raise ConfigError([error("", f"{source}: a values file must be a mapping")])
    yaml11_booleans(values)
    pin_chart_defaults(values)
    header = _take_header(values)
    document = CommentedMap()
    document["apiVersion"] = API_VERSION
    document["kind"] = KIND
    document["metadata"] = CommentedMap(
        [
            ("name", name),
            ("namespace", namespace),
            ("annotations", CommentedMap([("config.kubernetes.io/local-config", DoubleQuotedScalarString("true"))])),
        ]
    )
    document["spec"] = values
    out = io.StringIO()
    if schema:
        out.write(f"# yaml-language-server: $schema={schema}\n")
    out.write(f"# Converted from {source} by kustomize-zymtrace from-helm-values.\n")
    out.write(header)
    yaml.dump(document, out)
    from .loading import load_file_text  # validate what render will read, before printing anything

    load_file_text(out.getvalue(), source)
    return out.getvalue()
