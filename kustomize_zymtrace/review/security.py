"""Pod Security Standards level of a pod spec (privileged < baseline < restricted), assessed from the spec
alone, and the individual changes that weaken a pod's isolation."""

from __future__ import annotations

from typing import Any

from ..render.context import Obj

LEVELS = ("privileged", "baseline", "restricted")
# Capabilities the baseline profile allows a container to add.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)


def containers(pod: Obj) -> list[Obj]:
    return [*pod.get("initContainers", []), *pod.get("containers", []), *pod.get("ephemeralContainers", [])]


def _context(container: Obj) -> Obj:
    return container.get("securityContext") or {}


def _effective(pod: Obj, container: Obj, field: str) -> Any:
    """A container's setting, falling back to the pod's securityContext (as the kubelet does)."""
    own = _context(container).get(field)
    return own if own is not None else (pod.get("securityContext") or {}).get(field)


def baseline_violations(pod: Obj) -> list[str]:
    found = [f"{flag}: true" for flag in ("hostNetwork", "hostPID", "hostIPC") if pod.get(flag)]
    found += [f"hostPath volume {v['name']}" for v in pod.get("volumes", []) if "hostPath" in v]
    for sysctl in (pod.get("securityContext") or {}).get("sysctls", []):
        if sysctl.get("name") not in SAFE_SYSCTLS:
            found.append(f"sysctl {sysctl.get('name')}")
    for container in containers(pod):
        name, context = container.get("name", "?"), _context(container)
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        added = set((context.get("capabilities") or {}).get("add", [])) - BASELINE_CAPABILITIES
        found += [f"{name}: adds capability {cap}" for cap in sorted(added)]
        found += [f"{name}: hostPort {p['hostPort']}" for p in container.get("ports", []) if p.get("hostPort")]
        if context.get("procMount") not in (None, "Default"):
            found.append(f"{name}: procMount {context['procMount']}")
        if (_effective(pod, container, "seccompProfile") or {}).get("type") == "Unconfined":
            found.append(f"{name}: seccomp Unconfined")
    return found


def restricted_violations(pod: Obj) -> list[str]:
    found = [f"volume {v['name']} of a restricted type" for v in pod.get("volumes", []) if not _restricted_volume(v)]
    for container in containers(pod):
        name, context = container.get("name", "?"), _context(container)
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation not false")
        if _effective(pod, container, "runAsNonRoot") is not True:
            found.append(f"{name}: runAsNonRoot not set")
        if _effective(pod, container, "runAsUser") == 0:
            found.append(f"{name}: runAsUser 0")
        if (_effective(pod, container, "seccompProfile") or {}).get("type") not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: no RuntimeDefault seccomp profile")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in capabilities.get("drop", []):
            found.append(f"{name}: does not drop ALL capabilities")
        found += [f"{name}: adds {cap}" for cap in capabilities.get("add", []) if cap != "NET_BIND_SERVICE"]
    return found


def _restricted_volume(volume: Obj) -> bool:
    return any(kind in RESTRICTED_VOLUMES for kind in volume if kind != "name")


def level(pod: Obj) -> tuple[str, list[str]]:
    """The strictest Pod Security level the pod meets, and what keeps it from the next one."""
    baseline = baseline_violations(pod)
    if baseline:
        return "privileged", baseline
    restricted = restricted_violations(pod)
    return ("baseline", restricted) if restricted else ("restricted", [])


def weakenings(old: Obj, new: Obj) -> list[str]:
    """Individual changes that loosen a pod's isolation, whatever its level (containers matched by name)."""
    found: list[str] = []
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if new.get(flag) and not old.get(flag):
            found.append(f"{flag} turned on")
    old_host = {v["name"] for v in old.get("volumes", []) if "hostPath" in v}
    found += [
        f"hostPath volume {v['name']} added"
        for v in new.get("volumes", [])
        if "hostPath" in v and v["name"] not in old_host
    ]
    if new.get("automountServiceAccountToken") is not False and old.get("automountServiceAccountToken") is False:
        found.append("the ServiceAccount token is mounted again")
    if new.get("serviceAccountName") != old.get("serviceAccountName"):
        before, after = old.get("serviceAccountName") or "default", new.get("serviceAccountName") or "default"
        found.append(f"runs as ServiceAccount {after} instead of {before}")
    before = {c.get("name"): c for c in containers(old)}
    for container in containers(new):
        previous = before.get(container.get("name"))
        if previous is not None:
            found += _container_weakenings(old, previous, new, container)
    return found


def _container_weakenings(old_pod: Obj, old: Obj, new_pod: Obj, new: Obj) -> list[str]:
    name, was, now = new.get("name", "?"), _context(old), _context(new)
    found = []
    if now.get("privileged") and not was.get("privileged"):
        found.append(f"{name}: privileged")
    added = set((now.get("capabilities") or {}).get("add", [])) - set((was.get("capabilities") or {}).get("add", []))
    found += [f"{name}: adds capability {cap}" for cap in sorted(added)]
    no_longer = set((was.get("capabilities") or {}).get("drop", [])) - set(
        (now.get("capabilities") or {}).get("drop", [])
    )
    found += [f"{name}: no longer drops {cap}" for cap in sorted(no_longer)]
    if was.get("allowPrivilegeEscalation") is False and now.get("allowPrivilegeEscalation") is not False:
        found.append(f"{name}: privilege escalation allowed")
    if _effective(old_pod, old, "runAsNonRoot") is True and _effective(new_pod, new, "runAsNonRoot") is not True:
        found.append(f"{name}: runAsNonRoot dropped")
    if _effective(new_pod, new, "runAsUser") == 0 and _effective(old_pod, old, "runAsUser") != 0:
        found.append(f"{name}: runs as root (runAsUser 0)")
    if was.get("readOnlyRootFilesystem") and not now.get("readOnlyRootFilesystem"):
        found.append(f"{name}: root filesystem writable")
    return found
