"""A real Kubernetes API server for the tests: etcd and kube-apiserver from hack/install-tools.

No controllers and no kubelet run, so nothing is scheduled or reconciled; objects are validated,
defaulted, admitted (Pod Security included) and stored exactly as a cluster's API server does.
Server-side apply goes through the HTTP API directly (one request per object, strict field
validation), which is what `kubectl apply --server-side` sends, without a process per object.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kustomize_zymtrace import yamlio

FIELD_MANAGER = "kustomize-zymtrace-tests"
READY_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: a killed test run must not leave servers behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.setsid()


@dataclass
class Applied:
    """The outcome of applying one object."""

    obj: dict[str, Any]
    status: int
    body: dict[str, Any]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def ref(self) -> str:
        return f"{self.obj.get('kind')}/{self.obj.get('metadata', {}).get('name')}"

    @property
    def message(self) -> str:
        return str(self.body.get("message", self.body))


@dataclass
class ApiServer:
    url: str
    token: str
    kubeconfig: Path
    logs: list[Path]
    _resources: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ HTTP

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"
    ) -> tuple[int, dict[str, Any], list[str]]:
        req = urllib.request.Request(self.url + path, data=body, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/json")
        if body is not None:
            req.add_header("Content-Type", content_type)
        # Loopback only, and the server's certificate is the throw-away one it generated at start.
        context = ssl._create_unverified_context()
        try:
            with urllib.request.urlopen(req, context=context, timeout=60) as resp:
                status, raw, headers = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as exc:
            status, raw, headers = exc.code, exc.read(), exc.headers
        warnings = [_warning_text(w) for w in headers.get_all("Warning") or []]
        try:
            payload = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            payload = {"message": raw.decode(errors="replace")}
        return status, payload, warnings

    def get(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        status, body, _ = self.request("GET", self.object_path(obj))
        return body if status == 200 else None

    # ------------------------------------------------------------------ discovery

    def _resource_table(self, api_version: str) -> dict[str, tuple[str, bool]]:
        if api_version not in self._resources:
            path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            status, body, _ = self.request("GET", path)
            table: dict[str, tuple[str, bool]] = {}
            if status == 200:
                for res in body.get("resources", []):
                    if "/" not in res["name"]:
                        table[res["kind"]] = (res["name"], bool(res["namespaced"]))
            self._resources[api_version] = table
        return self._resources[api_version]

    def serves(self, api_version: str, kind: str) -> bool:
        return kind in self._resource_table(api_version)

    def object_path(self, obj: dict[str, Any], *, collection: bool = False) -> str:
        api_version, kind = obj["apiVersion"], obj["kind"]
        if not self.serves(api_version, kind):
            raise AssertionError(f"the test API server does not serve {api_version} {kind}")
        plural, namespaced = self._resource_table(api_version)[kind]
        base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        meta = obj.get("metadata", {})
        if namespaced:
            base += f"/namespaces/{urllib.parse.quote(meta.get('namespace') or 'default', safe='')}"
        base += f"/{plural}"
        return base if collection else f"{base}/{urllib.parse.quote(meta['name'], safe='')}"

    # ------------------------------------------------------------------ apply

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, manager: str = FIELD_MANAGER, force: bool = True
    ) -> Applied:
        """Server-side apply of one object with strict field validation (unknown fields are errors), as
        field manager `manager` (operation Apply), forced unless force=False."""
        query = {"fieldManager": manager, "force": str(force).lower(), "fieldValidation": "Strict"}
        if dry_run:
            query["dryRun"] = "All"
        path = f"{self.object_path(obj)}?{urllib.parse.urlencode(query)}"
        status, body, warnings = self.request(
            # The YAML users apply (our writer): JSON's escapes (surrogate pairs, raw C1 characters) are
            # not what any tool sends, and the apply-patch YAML reader refuses them.
            "PATCH",
            path,
            yamlio.dump(obj).encode(),
            content_type="application/apply-patch+yaml",
        )
        return Applied(obj, status, body, warnings)

    def apply_all(self, objects: list[dict[str, Any]], *, dry_run: bool = False, **kw: Any) -> list[Applied]:
        return [self.apply(obj, dry_run=dry_run, **kw) for obj in objects]

    def write(self, obj: dict[str, Any], *, manager: str) -> Applied:
        """Create or replace one object as a client that does not apply: operation Update by `manager`,
        the way Helm 3 (manager helm) and other controllers write objects."""
        body = json.dumps(obj).encode()
        query = urllib.parse.urlencode({"fieldManager": manager, "fieldValidation": "Strict"})
        current = self.get(obj)
        if current is None:
            status, payload, warnings = self.request("POST", f"{self.object_path(obj, collection=True)}?{query}", body)
        else:
            replaced = json.loads(body)
            replaced["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            status, payload, warnings = self.request(
                "PUT", f"{self.object_path(obj)}?{query}", json.dumps(replaced).encode()
            )
        return Applied(obj, status, payload, warnings)

    def delete(self, obj: dict[str, Any]) -> int:
        """Delete one object as Flux's pruning does (background propagation: no garbage collector runs
        here to finish a foreground or orphan deletion); the HTTP status."""
        body = json.dumps({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"})
        status, _, _ = self.request("DELETE", self.object_path(obj), body.encode())
        return status

    def list(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        probe = {"apiVersion": api_version, "kind": kind, "metadata": {"namespace": namespace, "name": "-"}}
        status, body, _ = self.request("GET", self.object_path(probe, collection=True))
        assert status == 200, body
        return [dict(item, apiVersion=api_version, kind=kind) for item in body.get("items", [])]

    def namespace(self, name: str, labels: dict[str, str] | None = None) -> None:
        obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}
        result = self.apply(obj)
        assert result.ok, f"namespace {name}: {result.message}"

    def install(self, objects: list[dict[str, Any]], *, established: str = "") -> None:
        """Apply cluster-level prerequisites (e.g. a CRD) and wait until the API serves the new kind."""
        for result in self.apply_all(objects):
            assert result.ok, f"{result.ref}: {result.message}"
        if established:
            api_version, kind = established.rsplit("/", 1)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                self._resources.pop(api_version, None)
                if self.serves(api_version, kind):
                    return
                time.sleep(0.2)
            raise AssertionError(f"{established} was not served 30 s after its CRD was applied")


def _warning_text(header: str) -> str:
    # RFC 7234 warning: 299 - "text"
    parts = header.split(" ", 2)
    return parts[2].strip().strip('"') if len(parts) == 3 else header


# ---------------------------------------------------------------------- processes


def _wait_ready(server: ApiServer, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} during start-up")
        try:
            status, body, _ = server.request("GET", "/readyz")
            if status == 200:
                return
            last = str(body)[:200]
        except OSError as exc:
            last = str(exc)
        time.sleep(0.25)
    raise RuntimeError(f"kube-apiserver not ready after {READY_TIMEOUT:.0f} s: {last}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)


def _signing_key(directory: Path) -> Path:
    key = directory / "sa.key"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True, timeout=60)
    return key


@contextlib.contextmanager
def running(etcd: str, kube_apiserver: str, workdir: Path) -> Iterator[ApiServer]:
    """etcd and kube-apiserver on free loopback ports; both always stopped on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    (workdir / "tokens.csv").write_text(f'{token},zymtrace-tests,zymtrace-tests,"system:masters"\n')
    key = _signing_key(workdir)
    client_port, peer_port, secure_port = free_port(), free_port(), free_port()
    etcd_url = f"http://127.0.0.1:{client_port}"
    etcd_log, apiserver_log = workdir / "etcd.log", workdir / "kube-apiserver.log"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            _start(
                [
                    etcd,
                    f"--data-dir={workdir / 'etcd'}",
                    f"--listen-client-urls={etcd_url}",
                    f"--advertise-client-urls={etcd_url}",
                    f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                    f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                    f"--initial-cluster=default=http://127.0.0.1:{peer_port}",
                    "--unsafe-no-fsync",  # test data: durability buys nothing and costs seconds
                    "--log-level=warn",
                ],
                etcd_log,
            )
        )
        procs.append(
            _start(
                [
                    kube_apiserver,
                    f"--etcd-servers={etcd_url}",
                    "--bind-address=127.0.0.1",
                    f"--secure-port={secure_port}",
                    f"--cert-dir={workdir / 'certs'}",
                    f"--token-auth-file={workdir / 'tokens.csv'}",
                    "--authorization-mode=RBAC",
                    # No controller creates ServiceAccounts, so the admission plugin would reject pods.
                    "--disable-admission-plugins=ServiceAccount",
                    f"--service-account-key-file={key}",
                    f"--service-account-signing-key-file={key}",
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                    "--service-cluster-ip-range=10.96.0.0/16",
                    "--advertise-address=127.0.0.1",
                    "--enable-priority-and-fairness=false",
                    # As kubeadm and managed clusters run it; Pod Security admission judges privilege.
                    "--allow-privileged=true",
                    "--v=1",
                ],
                apiserver_log,
            )
        )
        url = f"https://127.0.0.1:{secure_port}"
        kubeconfig = workdir / "kubeconfig"
        kubeconfig.write_text(_kubeconfig(url, token))
        server = ApiServer(url=url, token=token, kubeconfig=kubeconfig, logs=[apiserver_log, etcd_log])
        _wait_ready(server, procs)
        yield server
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _kubeconfig(url: str, token: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": {"server": url, "insecure-skip-tls-verify": True}}],
            "users": [{"name": "test", "user": {"token": token}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
            "current-context": "test",
        },
        indent=2,
    )
