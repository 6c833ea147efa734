"""Config file -> validated model: parse, layer onto the defaults, validate, cross-check.

Every problem is collected and raised together as a ConfigError whose results name the field.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

from pydantic_core import ValidationError

from . import yamlio
from .api import API_VERSION, KIND
from .model import compiled
from .results import ConfigError, Result, error, mask
from .values import merge_values, null_lists, strip_nulls

if TYPE_CHECKING:
    from .model import ZymtraceBackend
    from .model.base import Strict

# Leaves whose values are never echoed back in a message. The ...SecretName/SecretKey references and
# existingSecret are included: what fails validation there is often a password pasted into the wrong field.
_SECRET_WORDS = ("password", "secret", "apikey", "token", "licensekey", "privatekey", "accesskey")
_SECRET_NAMES = ("key", "cert", "ca")


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(word in lowered for word in _SECRET_WORDS)


def format_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


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


def _message(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    key = str(loc[-1]) if loc else ""
    value = err.get("input")
    secret = is_secret_field(key)
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


def _validation_results(exc: ValidationError) -> list[Result]:
    seen: set[tuple[str, str]] = set()
    results = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        # A bad map key is reported at the key's own path, e.g. spec.services.web.env.1BAD.
        item = (format_path(loc[:-1] if loc and loc[-1] == "[key]" else loc), _message(dict(err)))
        if item not in seen:
            seen.add(item)
            results.append(error(*item))
    return results


def validate_document(document: Any) -> ZymtraceBackend:
    """A parsed YAML document -> the validated config (the model's own types; see model/compiled.py).
    Raises ConfigError listing every problem."""
    if not isinstance(document, dict):
        raise ConfigError([error("", f"a {KIND} config must be a mapping, found {_describe(document)}")])
    not_json = yamlio.not_json_values(document)
    if not_json:
        raise ConfigError([error(path, not_json_message(value)) for path, value in not_json])
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
        raise ConfigError(_validation_results(exc), _repaired_checks(document, exc)) from None


def _repaired_checks(document: dict[str, Any], exc: ValidationError) -> list[Result]:
    """The cross-field checks, run on the config with every field at fault reset to its default, so one
    run reports both kinds of problem. Findings about a reset field itself are left out (they would
    describe the default, not the user's value)."""
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
    return [r for r in check(backend) if not any(r.path.startswith(path) for path in reset)]


def _has(container: dict[str, Any] | list[Any], key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and -len(container) <= key < len(container)


def load(document: Any) -> tuple[ZymtraceBackend, list[Result]]:
    """Validate a config and run the cross-field checks: (model, warnings). Raises ConfigError on errors."""
    from .checks import check  # the checks read the validated model only

    backend = validate_document(document)
    findings = check(backend)
    if any(r.severity == "error" for r in findings):
        raise ConfigError(findings)
    return backend, findings


def load_file_text(text: str | bytes, source: str) -> tuple[ZymtraceBackend, list[Result]]:
    """The one config document of a file (the legacy plugin's and `render`'s input)."""
    documents = [d for d in yamlio.load_all(text, source) if d is not None]
    if len(documents) != 1:
        documents = [d for d in documents if isinstance(d, dict) and d.get("kind") == KIND]
    if len(documents) != 1:
        raise ConfigError([error("", f"{source}: expected exactly one {API_VERSION} {KIND} document")])
    return load(documents[0])
