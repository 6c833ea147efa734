"""Config file -> validated model: parse, layer onto the defaults, validate, cross-check.

Every problem is collected and raised together as a ConfigError whose results name the field.
"""

from __future__ import annotations

import os
import typing
from typing import TYPE_CHECKING, Any

from pydantic_core import ValidationError

from . import yamlio
from .api import API_VERSION, KIND
from .model import compiled
from .model.scalars import is_number
from .model.scalars import is_secret_name as is_secret_field
from .results import ConfigError, Result, error, mask
from .values import merge_values, null_lists, strip_nulls

if TYPE_CHECKING:
    from collections.abc import Callable

    from .model import ZymtraceBackend
    from .model.base import Strict

    # field path -> the unquoted scalar there as the file wrote it, and its line (None: not known)
    Locate = Callable[[tuple[Any, ...]], tuple[str, int] | None]

# is_secret_field: leaves whose values are never echoed back in a message. The ...SecretName/SecretKey
# references and existingSecret are included: what fails validation there is often a password pasted into
# the wrong field.

# Bounds on a config's shape, checked before anything merges or validates it, so an oversized config is
# refused in time linear in its size (the API server's own limits are far below: 1 MiB for a Secret or
# ConfigMap, 256 KiB of annotations, about 1.5 MiB for any object).
MAX_ENTRIES = 1000  # keys of one mapping, items of one list (a container with 1000 variables is unheard of)
MAX_VALUES = 20_000  # keys, values and items of the whole config (the chart's own values: about 600)
MAX_TEXT = 1024 * 1024  # characters of one key or value
MAX_TOTAL_TEXT = 8 * 1024 * 1024  # characters of every key and value together
MAX_SHAPE_ERRORS = 20
# The file a legacy exec plugin is given: kustomize's own copy of the generator config (os.CreateTemp(""
# , "kust-plugin-config-") in api/internal/plugins/execplugin), re-encoded by go-yaml v3.
KUSTOMIZE_COPY = "kust-plugin-config-"
_LONG_KEY = 60  # a key longer than this is shortened in a field path


def format_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        text = str(part)
        if len(text) > _LONG_KEY:  # a path names a field; a megabyte key would bury the message
            text = f"{text[: _LONG_KEY - 3]}..."
        path += f".{text}" if path else text
    return path


def shape_errors(document: Any, root: tuple[Any, ...] = (), max_values: int = MAX_VALUES) -> list[Result]:
    """Mappings and lists too long, texts too large, too many values or too much text in all: one error
    each, found in one pass that never descends into what it refuses (iterative: the reader bounds the
    depth and the expansion of aliases)."""
    found: list[Result] = []
    total = values = 0
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, root)]
    while stack and len(found) < MAX_SHAPE_ERRORS:
        node, loc = stack.pop()
        values += 1
        if values > max_values:
            found.append(error("", f"the config holds more than {max_values} values: too large"))
            break
        if isinstance(node, (dict, list)):
            if len(node) > MAX_ENTRIES:
                what = "entries" if isinstance(node, dict) else "items"
                found.append(error(format_path(loc), f"has {len(node)} {what}: at most {MAX_ENTRIES} are allowed"))
                continue
            if isinstance(node, dict):
                for key, value in node.items():
                    total += len(key) if isinstance(key, str) else 0
                    if isinstance(key, str) and len(key) > MAX_TEXT:
                        found.append(error(format_path(loc), f"a key has {len(key)} characters: at most {MAX_TEXT}"))
                        continue
                    stack.append((value, (*loc, key)))
            else:
                stack.extend((item, (*loc, index)) for index, item in enumerate(node))
        elif isinstance(node, str) and len(node) > MAX_TEXT:
            found.append(error(format_path(loc), f"has {len(node)} characters: at most {MAX_TEXT} are allowed"))
        elif isinstance(node, str):
            total += len(node)
        if total > MAX_TOTAL_TEXT:
            found.append(error("", f"the config holds more than {MAX_TOTAL_TEXT} characters of text: too large"))
            break
    return found


def _describe(value: Any) -> str:
    if isinstance(value, str):
        value = mask(value)  # a user:password@ in any address
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return repr(value)


def _field_at(loc: tuple[Any, ...]) -> tuple[type[Strict] | None, str | None]:
    """The section class that owns the last key of `loc`, and that key's field name (None if not a field).

    Only reached when a config is invalid, so pydantic's field machinery is imported here, not every run."""
    from .model import ZymtraceBackend
    from .model.base import keys_of
    from .model.defaults import field_model, model_fields

    model: type[Strict] | None = ZymtraceBackend
    for index, part in enumerate(loc):
        if model is None:
            return None, None
        if isinstance(part, int):
            continue
        name = keys_of(model).get(part)
        if index == len(loc) - 1:
            return model, name
        if name is None:
            return None, None
        model = field_model(model_fields(model)[name].annotation)
    return None, None


def _allowed_keys(model: type[Strict]) -> list[str]:
    from .model.base import keys_of

    return list(keys_of(model))


def _description(model: type[Strict] | None, name: str | None) -> str | None:
    from .model.defaults import model_fields

    return model_fields(model)[name].description if model and name else None


def _literal_options(model: type[Strict] | None, name: str | None) -> list[str]:
    if model is None or name is None:
        return []
    from .model.defaults import model_fields

    annotation = model_fields(model)[name].annotation
    options: list[str] = []
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is typing.Literal:
            options += [str(option) for option in typing.get_args(candidate)]
    return options


def _did_you_mean(word: str, options: list[str]) -> str:
    import difflib  # error path only

    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def not_json_message(value: yamlio.NotJson) -> str:
    return (
        f"a YAML {value.kind} (line {value.line}) has no JSON type and means different things to different "
        "tools: quote it to use it as text"
    )


# pydantic error kinds for a value of the wrong shape, in the config's own words.
SHAPE_MESSAGES = {
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "dataclass_type": "must be a mapping of keys",
    "dataclass_args_type": "must be a mapping of keys",
    "dict_type": "must be a mapping",
    "list_type": "must be a list",
    "string_type": "must be a string",
    "int_type": "must be an integer (unquoted)",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def _number_message(value: Any, secret: bool, written: tuple[str, int] | None) -> str:
    """A number where text must be exact. YAML readers disagree on unquoted numbers (1e3 is 1000 to
    YAML 1.2 readers such as kustomize, the text 1e3 to YAML 1.1 tools), so the value is refused, never
    converted: the fix is to quote it as it should read."""
    if written is None:
        why = "YAML 1.2 readers such as kustomize turn an unquoted 1e3 into 1000, 0o17 into 15, 17.10 into 17.1"
        found = "a number" if secret else f"the number {value}"
        return f"must be text, not {found}: quote the value as it should read ({why})"
    text, line = written
    if secret:
        return (
            f"must be text, not a number: quote it as written on line {line} (unquoted, YAML 1.2 readers such as "
            "kustomize read it as a number: 1e3 becomes 1000)"
        )
    read = f"the number {value}" if text != str(value) else "a number"
    where = f"line {line}; unquoted, YAML 1.2 readers such as kustomize read {read}"
    return f"must be text: quote it as written, '{text}' ({where})"


def _message(err: dict[str, Any], locate: Locate | None = None) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    key = str(loc[-1]) if loc else ""
    value = err.get("input")
    secret = is_secret_field(key)
    if kind == "string_type" and is_number(value):
        return _number_message(value, secret, locate(loc) if locate else None)
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):  # a model's / a dataclass's word for it
        model, _ = _field_at(loc)
        allowed = _allowed_keys(model) if model else []
        hint = _did_you_mean(key, allowed)
        listed = f" (allowed: {', '.join(allowed)})" if allowed and not hint else ""
        return f"unknown key {key!r}{hint}{listed}"
    if kind == "missing":
        model, name = _field_at(loc)
        what = _description(model, name)
        return "required" + (f": {what}" if what else "")
    if kind == "literal_error":
        model, name = _field_at(loc)
        options = _literal_options(model, name)
        hint = _did_you_mean(str(value), options) if not secret else ""
        found = "" if secret else f"found {_describe(value)}; "
        return f"{found}allowed: {', '.join(options) or err['ctx']['expected']}{hint}"
    text = SHAPE_MESSAGES.get(kind) or _bound_message(kind, err.get("ctx") or {}) or err["msg"]
    text = text.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        text = _pattern_message(loc, (err.get("ctx") or {}).get("pattern", ""))
    if secret or value is None or (kind == "value_error" and isinstance(value, (dict, list))):
        return text  # a rule about a whole section names its own fields
    return f"{text} (found {_describe(value)})"


def _bound_message(kind: str, ctx: dict[str, Any]) -> str | None:
    bounds = {
        "less_than_equal": ("le", "at most"),
        "greater_than_equal": ("ge", "at least"),
        "less_than": ("lt", "less than"),
        "greater_than": ("gt", "more than"),
    }
    if kind in bounds and bounds[kind][0] in ctx:
        key, words = bounds[kind]
        return f"must be {words} {ctx[key]}"
    if kind in ("too_short", "too_long") and "min_length" in ctx:
        return f"must have at least {ctx['min_length']} item(s)"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind in ("string_too_long", "too_long") and "max_length" in ctx:
        return f"must be at most {ctx['max_length']} long"
    return None


IMAGE_REGISTRY_RULE = "a registry host with an optional port and path, such as ghcr.io/org (no scheme, no spaces)"
IMAGE_TAG_RULE = "an image tag: up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'"
DNS_LABEL_RULE = "a DNS label: lowercase letters, digits and '-', starting and ending alphanumeric"
OBJECT_NAME_RULE = "a Kubernetes object name: lowercase letters, digits, '-' and '.'"
LABEL_KEY_RULE = "a label key: an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_', '.'"
# Field name -> (rule for a key of that map, rule for a value): what a pattern mismatch means there.
PATTERN_RULES: dict[str, tuple[str, str]] = {
    "namespace": ("", DNS_LABEL_RULE),
    "namePrefix": ("", DNS_LABEL_RULE.replace("alphanumeric", "alphanumeric, starting with a letter")),
    "imageRegistry": ("", IMAGE_REGISTRY_RULE),
    "appImageRegistry": ("", IMAGE_REGISTRY_RULE),
    "dbImageRegistry": ("", IMAGE_REGISTRY_RULE),
    "repository": (
        "",
        "an image repository: lowercase path components separated by '/', optionally after a "
        "registry host, no scheme, tag or spaces",
    ),
    "tag": ("", IMAGE_TAG_RULE),
    "appVersion": ("", IMAGE_TAG_RULE),
    "chartVersion": ("", "a label value: up to 63 letters, digits, '-', '_', '.', starting and ending alphanumeric"),
    "interval": ("", "a duration such as 30s, 1m or 1h30m"),
    "user": ("", "a user name: letters, digits, '_', '.', '@', '-', no spaces"),
    "clusterName": ("", "a cluster name: letters, digits, '_', '.', '@', '-', no spaces"),
    "database": ("", "a database name prefix: letters, digits and '_', not starting with a digit (at most 50)"),
    "name": ("", "a sysctl name such as net.ipv4.ip_unprivileged_port_start"),
    "clusterDomain": ("", "a DNS domain such as cluster.local"),
    "env": ("an environment variable name: letters, digits, '_', '-', '.', not starting with a digit", ""),
    "annotations": (LABEL_KEY_RULE, ""),
    "podAnnotations": (LABEL_KEY_RULE, ""),
}
for _labels in ("nodeSelector", "labels", "podLabels", "additionalLabels"):
    PATTERN_RULES[_labels] = (LABEL_KEY_RULE, "a label value: up to 63 letters, digits, '-', '_', '.'")


def _pattern_rules() -> dict[str, str]:
    """Shared patterns (model/base.py) -> the rule in words; error path only."""
    from .model import base

    return {
        base.LABEL_VALUE: "must be a label value: up to 63 letters, digits, '-', '_', '.', starting and ending "
        "alphanumeric",
        base.QUALIFIED_NAME: "must be " + LABEL_KEY_RULE,
        base.CONFIG_KEY: "must be a key of a Secret: letters, digits, '-', '_' and '.'",
    }


def _pattern_message(loc: tuple[Any, ...], pattern: str = "") -> str:
    """What the value at `loc` must look like: by its pattern when it is a shared one, else named after the
    field (or map) it belongs to."""
    if loc and loc[-1] != "[key]" and pattern in _pattern_rules():
        return _pattern_rules()[pattern]
    if loc and loc[-1] == "[key]":  # (..., map field, the key, "[key]")
        return "must be " + PATTERN_RULES.get(str(loc[-3]), ("a valid key", ""))[0]
    if loc[:1] == ("metadata",):  # metadata.name and .namespace: the object's own name rules
        return "must be " + (
            DNS_LABEL_RULE
            if loc[-1] == "namespace"
            else "a Kubernetes object name: lowercase letters, digits, '-' and '.'"
        )
    # The field's own value, or an entry's value in a map field.
    for name in (str(part) for part in loc[-1:-3:-1]):
        if PATTERN_RULES.get(name, ("", ""))[1]:
            return "must be " + PATTERN_RULES[name][1]
    return "must be " + OBJECT_NAME_RULE


def _validation_results(exc: ValidationError, locate: Locate | None = None) -> list[Result]:
    seen: set[tuple[str, str]] = set()
    results = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        # A bad map key is reported at the key's own path, e.g. spec.services.web.env.1BAD (a key, even a number).
        where = (
            f"{format_path(loc[:-2])}.{format_path((str(loc[-2]),))}" if loc[-1:] == ("[key]",) else format_path(loc)
        )
        item = (where, _message(dict(err), locate))
        if item not in seen:
            seen.add(item)
            results.append(error(*item))
    return results


def validate_document(document: Any, locate: Locate | None = None) -> ZymtraceBackend:
    """A parsed YAML document -> the validated config (the model's own types; see model/compiled.py).
    Raises ConfigError listing every problem. `locate` (field path -> the unquoted scalar as the file wrote
    it, and its line) lets a message quote a number that stands for text as it was written."""
    if not isinstance(document, dict):
        raise ConfigError([error("", f"a {KIND} config must be a mapping, found {_describe(document)}")])
    not_json = yamlio.not_json_values(document)
    if not_json:
        raise ConfigError([error(path, not_json_message(value)) for path, value in not_json])
    too_large = shape_errors(document)
    if too_large:
        raise ConfigError(too_large)
    document = dict(document)
    spec = document.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise ConfigError([error("spec", f"must be a mapping of the chart's values, found {_describe(spec)}")])
    document["spec"] = strip_nulls(merge_values(compiled.defaults(), null_lists(compiled.defaults(), spec)))
    metadata = document.get("metadata")
    if isinstance(metadata, dict):  # orchestrators' metadata is ignored, whatever its keys (`7:` included)
        document["metadata"] = {key: value for key, value in metadata.items() if isinstance(key, str)}
    try:
        backend: ZymtraceBackend = compiled.validator().validate_python(document)
        return backend
    except ValidationError as exc:
        raise ConfigError(_validation_results(exc, locate), _repaired_checks(document, exc)) from None


def _repaired_checks(document: dict[str, Any], exc: ValidationError) -> list[Result]:
    """The cross-field checks (strictSecrets included), run on the config with every field at fault reset
    to its default, so one run reports every kind of problem. Findings about a reset field itself are left
    out (they would describe the default, not the user's value)."""
    from .checks import check

    repaired = merge_values(document, {})  # a deep copy: the caller's document is not touched
    locations: list[tuple[Any, ...]] = [
        tuple(e["loc"][:-1] if e["loc"][-1:] == ("[key]",) else e["loc"]) for e in exc.errors()
    ]
    for loc in locations:
        parent: Any = repaired
        for part in loc[:-1]:
            parent = parent[part] if isinstance(parent, (dict, list)) and _has(parent, part) else None
        if isinstance(parent, dict) and loc:
            parent.pop(loc[-1], None)
        elif isinstance(parent, list) and loc and _has(parent, loc[-1]):
            parent.pop(loc[-1])
    try:
        backend = compiled.validator().validate_python(repaired)
    except ValidationError:
        return []  # not repairable (a required field is missing): schema errors alone
    reset = [format_path(loc) for loc in locations]
    findings = check(backend) + strict_secret_errors(backend)
    return [r for r in findings if not any(r.path.startswith(path) for path in reset)]


def _has(container: dict[str, Any] | list[Any], key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and -len(container) <= key < len(container)


def strict_secret_errors(backend: ZymtraceBackend) -> list[Result]:
    """With gitops.strictSecrets, the credentials the render would write inline, as errors: asked for when
    other errors are reported, so one run lists them all (a valid config meets them in the render)."""
    if not backend.spec.gitops.strictSecrets:
        return []
    from .render import prepare  # error path only

    try:
        prepare(backend)
    except ConfigError as exc:
        return exc.results
    return []


def load(document: Any, locate: Locate | None = None) -> tuple[ZymtraceBackend, list[Result]]:
    """Validate a config and run the cross-field checks: (model, warnings). Raises ConfigError on errors."""
    from .checks import check  # the checks read the validated model only

    backend = validate_document(document, locate)
    findings = check(backend)
    if any(r.severity == "error" for r in findings):
        raise ConfigError(findings + strict_secret_errors(backend))
    return backend, findings


def load_file_text(text: str | bytes, source: str) -> tuple[ZymtraceBackend, list[Result]]:
    """The one config document of a file (the legacy plugin's and `render`'s input)."""
    text = yamlio.decode(text, source)
    documents = [d for d in yamlio.load_all(text, source) if d is not None]
    if len(documents) != 1:
        documents = [d for d in documents if isinstance(d, dict) and d.get("kind") == KIND]
    if len(documents) != 1:
        raise ConfigError([error("", f"{source}: expected exactly one {API_VERSION} {KIND} document")])
    if os.path.basename(source).startswith(KUSTOMIZE_COPY):
        return load(documents[0])  # lines and values as kustomize rewrote them: not what the user wrote
    return load(documents[0], source_locator(text))


def scalar_at(text: str, loc: tuple[Any, ...]) -> tuple[str, int] | None:
    """The unquoted scalar at field path `loc` of the config document in `text`, as written, and its line
    (None if it is quoted, not there, or the text holds no single config)."""
    return source_locator(text)(loc)


def source_locator(text: str) -> Locate:
    """scalar_at for many paths of one text, which is read again (as nodes) once, at the first question:
    only an error path asks."""
    roots: list[Any] = []

    def locate(loc: tuple[Any, ...]) -> tuple[str, int] | None:
        import yaml

        if not roots:
            roots.append(_config_node(text))
        node = roots[0]
        for part in loc:
            node = _child(node, part)
        if isinstance(node, yaml.ScalarNode) and not node.style:  # plain: None (Python parser) or "" (libyaml)
            return node.value, node.start_mark.line + 1
        return None

    return locate


def _config_node(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # nodes keep their text whatever the schema
    try:
        found = [node for node in yaml.compose_all(text, Loader=loader) if node is not None]
    except yaml.YAMLError:
        return None
    if len(found) != 1:
        found = [root for root in found if getattr(_child(root, "kind"), "value", None) == KIND]
    return found[0] if len(found) == 1 else None


def _child(node: Any, part: Any) -> Any:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:  # a key given twice is refused by the reader
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and -len(node.value) <= part < len(node.value):
        return node.value[part]
    return None
