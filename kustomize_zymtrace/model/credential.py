"""Credentials: a secret the config gives either inline or by naming an existing Secret.

The values file spells each one as three keys of one section, the chart's own and the extensions alike:
`<field>` (the value), `<field>SecretName` (an existing Secret, which wins) and `<field>SecretKey` (the key
inside it). A section declares the grouping once, with `CredentialOf("<field>")`; reading that attribute
gives a `Credential`, the one value the renderer (env entries, `secretKeyRef`, plaintext warnings,
gitops.strictSecrets) and the checks read. Strict (base.py) refuses a section whose declarations and
triples disagree, so the inventory, `inventory()`, is found by walking a config and cannot miss one.

No import of the rest of the model here: base.py uses this module to check every section it defines.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, overload

SECRET_NAME = "SecretName"
SECRET_KEY = "SecretKey"


class Credential(NamedTuple):
    """One credential of one section of a validated config."""

    section: Any  # the section holding the three fields (the walk names its path: `locate`)
    field: str  # the value's key, e.g. "password"
    value: str
    secret_name: str  # an existing Secret; when set, the value is not used
    secret_key: str  # the key inside that Secret

    @property
    def given(self) -> bool:
        """Set inline or through an existing Secret."""
        return bool(self.value or self.secret_name)

    @property
    def reference(self) -> str:
        """The key that names an existing Secret instead (what a plaintext warning suggests)."""
        return self.field + SECRET_NAME


class CredentialOf:
    """Declares, on a section, that `field`, `<field>SecretName` and `<field>SecretKey` are one credential;
    reading the attribute from a section gives its `Credential`."""

    __slots__ = ("field", "key", "name")

    def __init__(self, field: str) -> None:
        self.field = field
        self.name = field + SECRET_NAME
        self.key = field + SECRET_KEY

    def fields(self) -> tuple[str, str, str]:
        return self.field, self.name, self.key

    @overload
    def __get__(self, section: None, owner: type) -> CredentialOf: ...

    @overload
    def __get__(self, section: object, owner: type) -> Credential: ...

    def __get__(self, section: object, owner: type) -> Credential | CredentialOf:
        if section is None:
            return self
        values = vars(section)
        return Credential(section, self.field, values[self.field] or "", values[self.name], values[self.key])


def declared(section: type, fields: list[str]) -> tuple[CredentialOf, ...]:
    """The credentials a section class declares (its own and inherited), checked against its fields: every
    `<field>` / `<field>SecretName` / `<field>SecretKey` triple is declared, and every declaration is one."""
    found = {
        credential.field: credential
        for base in section.__bases__
        for credential in getattr(base, "__credentials__", ())
    }
    found.update((value.field, value) for value in vars(section).values() if isinstance(value, CredentialOf))
    names = set(fields)
    triples = {
        name[: -len(SECRET_KEY)]
        for name in fields
        if name.endswith(SECRET_KEY) and {name[: -len(SECRET_KEY)], name[: -len(SECRET_KEY)] + SECRET_NAME} <= names
    }
    if triples != found.keys():
        raise TypeError(
            f"{section.__name__}: credential fields {sorted(triples)} but CredentialOf declarations "
            f"{sorted(found)}: declare each <field>/<field>SecretName/<field>SecretKey triple once"
        )
    return tuple(found.values())


def locate(root: Any, path: str = "spec") -> Iterator[tuple[str, Any]]:
    """Every section of a validated config under `root`, with its path as the values file spells it."""
    yield path, root
    keys = {field: key for key, field in type(root).__keys__.items()}
    for field, value in vars(root).items():
        where = f"{path}.{keys.get(field, field)}"
        if hasattr(type(value), "__keys__"):
            yield from locate(value, where)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if hasattr(type(item), "__keys__"):
                    yield from locate(item, f"{where}[{index}]")


def inventory(root: Any, path: str = "spec") -> Iterator[tuple[str, Credential]]:
    """Every credential of a validated config, with the path of its value."""
    for where, section in locate(root, path):
        for credential in type(section).__credentials__:
            yield f"{where}.{credential.field}", credential.__get__(section, type(section))
