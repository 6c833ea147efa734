"""What every store mode answers, with the answers most modes share."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..components import Component, Database
    from ..model.credential import Credential
    from ..results import Result
    from ..settings import Settings


class Written(NamedTuple):
    """A credential under keys of the store's generated Secret (from an existing Secret: references)."""

    keys: tuple[str, ...]
    credential: Credential
    keep_empty: bool = False  # the keys are written even when empty, as the chart does


class SecretEntries(NamedTuple):
    """What a mode writes into its store's generated Secret."""

    written: tuple[Written, ...] = ()
    fixed: tuple[tuple[str, str], ...] = ()  # entries that are no secret (a path, an IAM flag)


class Wait(NamedTuple):
    """An init container of the migrate Job that waits until the store answers."""

    name: str  # container name (declared in the registry with its image family)
    image: str
    what: str  # for the log lines
    command: str  # shell command that succeeds once the store answers


class External(NamedTuple):
    """A store outside the cluster, as the graph draws it."""

    name: str  # node name
    title: str
    address: str  # shown without credentials


class Served(NamedTuple):
    """Who serves a store's clients, as the graph draws it: a component or an external node."""

    by: str
    label: str  # edge label
    external: External | None = None


class StoreMode:
    """One mode of one store. Subclasses override what their mode does differently."""

    in_cluster = False  # the store's database component runs in the cluster

    def service_account(self, s: Settings, workload: Component) -> str:
        """The cloud identity this mode gives one of its clients ("" for none)."""
        return ""

    def secret(self, s: Settings) -> SecretEntries:
        """What the mode writes into its store's generated Secret."""
        raise NotImplementedError

    def wait(self, s: Settings) -> Wait | None:
        """The migrate Job's wait for the store, if the Job can wait for it."""
        return None

    def server(self, s: Settings) -> Component | None:
        """The workload in the namespace that serves the store (its NetworkPolicy target)."""
        return None

    def served(self, s: Settings) -> Served:
        raise NotImplementedError

    def talks(self, s: Settings) -> list[tuple[str, str, str]]:
        """Connections the graph draws beyond the clients' own: (from, to, label)."""
        return []

    def checks(self, s: Settings) -> list[Result]:
        return []


class InCluster(StoreMode):
    """A store's create mode: its database component, in the cluster."""

    in_cluster = True

    def __init__(self, database: Database, label: str) -> None:
        self.database = database
        self.label = label

    def server(self, s: Settings) -> Component | None:
        return self.database

    def served(self, s: Settings) -> Served:
        return Served(self.database.key, self.label)

    def at(self, s: Settings, port: str, scheme: str = "") -> str:
        """[scheme://]<prefix>-<database>:<port number>."""
        where = f"{s.name(self.database.key)}:{self.database.port_number(s.spec, port)}"
        return f"{scheme}://{where}" if scheme else where


def flag(value: bool) -> str:
    return "true" if value else "false"
