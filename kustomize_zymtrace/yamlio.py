"""YAML in and out: libyaml when present, stable output, multi-line strings as readable blocks."""

from __future__ import annotations

from typing import Any

import yaml

from .results import ConfigError, error

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # shared sub-objects are written out in full: no &id001 anchors in manifests


def _represent_str(dumper: Any, data: str) -> Any:
    # Scripts, XML and PEM read better as literal blocks; libyaml falls back to quoting when it must.
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def decode(data: str | bytes, source: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([error("", f"{source}: not UTF-8 text (bad byte at offset {exc.start})")]) from None


def load_all(data: str | bytes, source: str) -> list[Any]:
    """Every document of a YAML stream; a parse problem becomes one error naming line and column."""
    text = decode(data, source)
    try:
        return list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError([error("", f"{source}: not valid YAML{where}: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([error("", f"{source}: not valid YAML: {exc}")]) from None
    except RecursionError:
        raise ConfigError([error("", f"{source}: YAML nested too deeply")]) from None


def dump(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1 << 16, allow_unicode=True)


def dump_all(documents: list[Any]) -> str:
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, width=1 << 16, allow_unicode=True)
