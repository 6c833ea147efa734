"""The checksums and the validator fingerprint are SHA-256, whichever implementation computes them."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from kustomize_zymtrace import digest


@given(st.lists(st.binary(max_size=300), max_size=5))
def test_same_digests_as_hashlib(chunks: list[bytes]) -> None:
    assert digest.sha256_hex(*chunks) == hashlib.sha256(b"".join(chunks)).hexdigest()
    assert digest.sha256_hex(b"".join(chunks)) == hashlib.sha256(b"".join(chunks)).hexdigest()


def test_a_render_does_not_load_openssl() -> None:
    code = (
        "import sys, io\n"
        "from kustomize_zymtrace.loading import load_file_text\n"
        "from kustomize_zymtrace.render import render\n"
        "backend, _ = load_file_text(open('base/generator/zymtrace.yaml', 'rb').read(), 'zymtrace.yaml')\n"
        "assert len(render(backend)) == 41\n"
        "print('_hashlib' in sys.modules)\n"
    )
    from helpers import ROOT

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
