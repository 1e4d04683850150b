"""Reading an Ed25519 private key from a setting (certificate verification codes; production checks it at start-up,
app/core/config_checks.py): a PEM key or the base64 (standard or URL-safe) of a 32-byte seed."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class SigningKeyError(RuntimeError):
    """CERTIFICATE_SIGNING_KEY is set but unreadable."""


def read_ed25519_key(text: str) -> Ed25519PrivateKey:
    """The key `text` holds, or SigningKeyError saying why it cannot be read."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:  # malformed or password-protected
            raise SigningKeyError("CERTIFICATE_SIGNING_KEY: PEM key cannot be read") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("CERTIFICATE_SIGNING_KEY: PEM key is not Ed25519")
        return key
    try:
        seed = base64.b64decode(
            text + "=" * (-len(text) % 4),
            altchars=b"-_" if "-" in text or "_" in text else None,
            validate=True,
        )
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError("CERTIFICATE_SIGNING_KEY: neither a PEM key nor a base64 32-byte seed") from exc
    if len(seed) != 32:
        raise SigningKeyError("CERTIFICATE_SIGNING_KEY: a base64 seed must decode to 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)
