"""A minimal Language Server Protocol client over stdio: enough to open documents in a real
yaml-language-server and collect the diagnostics it publishes for them."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any


class LspClient:
    def __init__(self, command: list[str], root: Path, settings: dict[str, Any]) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.settings = settings
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.published: dict[str, int] = {}
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {"workspace": {"configuration": True}, "textDocument": {"publishDiagnostics": {}}},
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": settings})

    # ---------------------------------------------------------------- wire format

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            if not headers:
                return  # the server closed its output
            self.messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 30) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if message.get("id") == ident and "method" not in message:
                assert "error" not in message, message
                return message.get("result")

    def _next(self, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from the language server")
        try:
            message = self.messages.get(timeout=remaining)
        except queue.Empty:
            raise TimeoutError("no message from the language server") from None
        self._handle(message)
        return message

    def _handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            uri = message["params"]["uri"]
            self.diagnostics[uri] = message["params"]["diagnostics"]
            self.published[uri] = self.published.get(uri, 0) + 1
        elif method == "workspace/configuration" and "id" in message:
            items = message["params"]["items"]
            self._send({"id": message["id"], "result": [self.settings.get(i.get("section", ""), None) for i in items]})
        elif "id" in message and method:  # any other request from the server (registrations, progress)
            self._send({"id": message["id"], "result": None})

    # ---------------------------------------------------------------- documents

    def diagnose(self, path: Path, text: str, settle: float = 1.5, timeout: float = 60) -> list[dict[str, Any]]:
        """Open `text` as the document at `path`; its diagnostics once the server has published them and
        then stayed quiet about it for `settle` seconds (a schema loads asynchronously)."""
        return self.diagnose_all([(path, text)], settle, timeout)[0]

    def diagnose_all(
        self, documents: list[tuple[Path, str]], settle: float = 1.5, timeout: float = 60
    ) -> list[list[dict[str, Any]]]:
        """`diagnose` for several documents open at once: one settling wait for all of them."""
        # A name of its own in the same directory (the modeline resolves alike): the server's clearing
        # publish after an earlier didClose of the same URI cannot be taken for this document's.
        uris = []
        for path, text in documents:
            self._next_id += 1
            uris.append(path.with_name(f"{path.stem}.lsp-{self._next_id}{path.suffix}").as_uri())
            document = {"uri": uris[-1], "languageId": "yaml", "version": 1, "text": text}
            self.notify("textDocument/didOpen", {"textDocument": document})
        deadline = time.monotonic() + timeout
        while not all(self.published.get(uri, 0) for uri in uris):
            self._next(deadline)
        quiet_from = time.monotonic()
        while (remaining := quiet_from + settle - time.monotonic()) > 0:
            counts = [self.published.get(uri, 0) for uri in uris]
            try:
                self._next(time.monotonic() + remaining)
            except TimeoutError:
                break
            if [self.published.get(uri, 0) for uri in uris] != counts:
                quiet_from = time.monotonic()
        for uri in uris:
            self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        return [self.diagnostics.get(uri, []) for uri in uris]

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
