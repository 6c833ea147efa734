"""Pod and container hardening, from what each image needs (components.IMAGES; docs/security.md explains
every row).

baseline (default): seccomp RuntimeDefault, no privilege escalation, no service-account token, and
every capability dropped where the process needs none (NET_RAW only where the image's entrypoint
switches users or binds a low port as root). restricted: the Pod Security Standards restricted
profile: non-root users, all capabilities dropped, read-only root filesystems with scratch volumes.
"""

from __future__ import annotations

from ..components import IMAGES, PROXY, Component, Family, Needs
from ..model.scalars import escalates
from ..values import layered, plain
from .context import Context, Obj


def _scratch_name(path: str) -> str:
    return "scratch" + path.replace("/", "-").replace(".", "")


def _families(component: Component) -> dict[str, Family]:
    """Container name (without the prefix) -> image family: the component's own containers, and the
    Cloud SQL proxy's, which joins its clients' pods as a sidecar."""
    return dict(PROXY.containers) | dict(component.containers)


def harden(ctx: Context, component: Component, pod: Obj) -> None:
    """Harden a component's pod spec in place."""
    # The section whose podSecurityContext/securityContext apply: the component's own.
    overrides = component.section(ctx.spec)
    families = _families(component)
    security = ctx.spec.security
    restricted = ctx.restricted
    containers = pod.get("initContainers", []) + pod["containers"]
    needs = [IMAGES[families[c["name"].removeprefix(f"{ctx.prefix}-")]] for c in containers]
    pod_context: Obj = {}
    if restricted:
        main = needs[len(pod.get("initContainers", []))]
        pod_context = {"runAsNonRoot": True, "runAsUser": main.user, "runAsGroup": main.user, "fsGroup": main.user}
        if any(need.low_port for need in needs):
            # Non-root processes may bind port 80 (a safe sysctl, allowed by the restricted profile).
            pod_context["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
        _add_scratch_volumes(pod, containers, needs)
    pod_context["seccompProfile"] = {"type": "RuntimeDefault"}
    pod["securityContext"] = layered(
        pod_context, plain(security.podSecurityContext), plain(overrides.podSecurityContext)
    )
    pod["automountServiceAccountToken"] = security.automountServiceAccountToken
    asked = ctx.asked_container_security(component)
    for container, need in zip(containers, needs, strict=True):
        # A privileged container asked for escalation: the default yields (the API refuses both together).
        context: Obj = {} if escalates(asked) else {"allowPrivilegeEscalation": False}
        if restricted or need.non_root_image:
            context.update(runAsNonRoot=True, runAsUser=need.user, readOnlyRootFilesystem=True)
        context["capabilities"] = {"drop": ["ALL"] if restricted or need.drop_all else ["NET_RAW"]}
        container["securityContext"] = layered(context, asked)


def _add_scratch_volumes(pod: Obj, containers: list[Obj], needs: list[Needs]) -> None:
    paths = sorted({path for need in needs for path in need.writable})
    pod.setdefault("volumes", []).extend({"name": _scratch_name(path), "emptyDir": {}} for path in paths)
    for container, need in zip(containers, needs, strict=True):
        mounts = container.setdefault("volumeMounts", [])
        mounts.extend({"name": _scratch_name(path), "mountPath": path} for path in need.writable)
