"""kubectl as the way to the cluster: the user's kubeconfig, context, credentials plugins and proxies
work as they do for every other command they run, and no Kubernetes client library is needed here."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any

from ..results import ConfigError, Result

Obj = dict[str, Any]
TIMEOUT = 120  # seconds per kubectl run; a cluster that does not answer is an error, not a hang


@dataclass(frozen=True)
class Kubectl:
    executable: str = "kubectl"
    global_args: tuple[str, ...] = field(default=())  # --context, --kubeconfig

    def run(self, args: list[str], stdin: str | None = None) -> str:
        command = [self.executable, *self.global_args, *args]
        try:
            done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except FileNotFoundError:
            raise ConfigError(
                [Result(f"cannot run {self.executable}: not found (install kubectl or give --kubectl)")]
            ) from None
        except subprocess.TimeoutExpired:
            raise ConfigError(
                [Result(f"kubectl {args[0]} did not finish in {TIMEOUT} s: is the cluster reachable?")]
            ) from None
        except OSError as exc:
            raise ConfigError([Result(f"cannot run {self.executable}: {exc.strerror or exc}")]) from None
        if done.returncode:
            raise ConfigError(
                [Result(f"kubectl {args[0]}: {line}") for line in _messages(done.stderr, done.returncode)]
            )
        return done.stdout

    def get(self, namespace: str, resources: list[str]) -> list[Obj]:
        """The live objects among `resources` (kind.group/name) in one namespace ('' for cluster-scoped);
        those that do not exist are left out."""
        if not resources:
            return []
        args = ["get", *resources, "-o", "json", "--show-managed-fields", "--ignore-not-found"]
        out = self.run(args + (["-n", namespace] if namespace else []))
        return _items(out)

    def dry_run_apply(self, manifest: str, manager: str) -> list[Obj]:
        """The objects as a forced server-side apply by `manager` would leave them (nothing is written)."""
        args = ["apply", "--server-side", "--force-conflicts", "--dry-run=server", f"--field-manager={manager}"]
        return _items(self.run([*args, "--show-managed-fields", "-o", "json", "-f", "-"], stdin=manifest))

    def patch(self, namespace: str, resource: str, ops: list[Obj], *, manager: str) -> None:
        args = ["patch", resource, "--type=json", "-p", json.dumps(ops), f"--field-manager={manager}"]
        self.run(args + (["-n", namespace] if namespace else []))

    def set_last_applied(self, manifest: str) -> None:
        """Write each object's last-applied-configuration annotation: exactly the object given."""
        self.run(["apply", "set-last-applied", "--create-annotation", "-f", "-"], stdin=manifest)

    def replace(self, manifest: str, *, manager: str, dry_run: bool) -> None:
        """Update the objects as given (their resourceVersion guards against a change since they were read)."""
        args = ["replace", f"--field-manager={manager}", "-f", "-"] + (["--dry-run=server"] if dry_run else [])
        self.run(args, stdin=manifest)


_KLOG = re.compile(r"[IWEF]\d{4} ")  # client-go's log lines, which repeat what the last line says


def _messages(stderr: str, code: int) -> list[str]:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line for line in lines if not _KLOG.match(line)] or lines[-1:] or [f"exit {code}"]
    return list(dict.fromkeys(said))[-5:]


def _items(out: str) -> list[Obj]:
    if not out.strip():
        return []
    try:
        document = json.loads(out)
    except json.JSONDecodeError:
        raise ConfigError([Result("kubectl printed something that is not JSON")]) from None
    if isinstance(document, dict) and document.get("kind") == "List":
        return [item for item in document.get("items") or [] if isinstance(item, dict)]
    return [document] if isinstance(document, dict) else []


def resource(obj: Obj) -> str:
    """kind.group/name as kubectl takes it (deployment.apps/zymtrace-ui, secret/zymtrace-auth-secrets)."""
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    kind = str(obj["kind"]).lower()
    return f"{kind}.{group}/{obj['metadata']['name']}" if group else f"{kind}/{obj['metadata']['name']}"
