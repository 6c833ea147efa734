"""SHA-256 for checksums and fingerprints, without loading OpenSSL.

`hashlib` initializes OpenSSL when it is imported, which cost a render 3 to 5 ms of its ~40; CPython's
own SHA-256 module gives the same digests. It is private (named _sha256 up to Python 3.11 and _sha2
since 3.12) and may be left out of a build, hence hashlib as the fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _constructor() -> Callable[[bytes], Any]:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found]  # Python 3.11
        except ImportError:
            from hashlib import sha256
    return sha256  # type: ignore[no-any-return]


_SHA256 = _constructor()


def sha256_hex(*chunks: bytes) -> str:
    """The hex SHA-256 of the chunks, one after the other."""
    digest = _SHA256(b"")
    for chunk in chunks:
        digest.update(chunk)
    return str(digest.hexdigest())
