"""What a renderer knows about a workload it built: its component, the object and the pod spec in it.

The pod is hardened here, when the record is made, from the component the renderer names (not
recovered later from labels and container names over the whole output).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from .security import harden

if TYPE_CHECKING:
    from ..components import Component
    from .context import Context, Obj


class Workload(NamedTuple):
    component: Component
    obj: Obj  # the Deployment, StatefulSet or Job
    pod: Obj  # its pod template's spec (part of obj)


Rendered: TypeAlias = "Obj | Workload"


def workload(ctx: Context, component: Component, obj: Obj) -> Workload:
    """The record of a finished workload object, its pod hardened for the component's images."""
    pod = obj["spec"]["template"]["spec"]
    harden(ctx, component, pod)
    return Workload(component, obj, pod)


def objects_of(rendered: list[Rendered]) -> list[Obj]:
    return [item.obj if isinstance(item, Workload) else item for item in rendered]
