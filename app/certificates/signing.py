"""Verification codes: the certificate id and an Ed25519 signature over its canonical data, base64url.

The code is base64url (no padding) of: one byte giving the id's length in bytes, the id big-endian, the
64-byte signature. The id takes 1, 4 or 7 bytes so the payload is a multiple of 3 bytes: every character
of the code carries six bits of it, and changing any one character changes the payload (no slack bits).
A 1-byte id gives 88 characters, a 4-byte id 92: the verification address fits a small QR code.

The first byte's high nibble names the kind of paper (issue 19.3): 0 a certificate (every code issued before
keeps its meaning), 1 a receipt (the contribution's id), 2 a sponsorship confirmation record (app.papers).
One key, one format, one page (/xac-minh/<code>) for every signed paper.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from app.core.keys import SigningKeyError as SigningKeyError  # what private_key() raises for a bad setting
from app.core.keys import read_ed25519_key

if TYPE_CHECKING:
    from app.certificates.models import Certificate

SIGNATURE_BYTES = 64
KIND_CERTIFICATE, KIND_RECEIPT, KIND_SPONSORSHIP = 0, 1, 2
KINDS = (KIND_CERTIFICATE, KIND_RECEIPT, KIND_SPONSORSHIP)


def canonical_data(cert: Certificate) -> bytes:
    """What the signature covers: the facts shown on the verification page, in a fixed order."""
    issued: date = cert.issued_on
    fields = [
        "chungtay-cert-v1",
        str(cert.id),
        cert.serial,
        str(cert.kind),
        cert.recipient_name,
        str(int(cert.amount_vnd or 0)),
        cert.issuer_name,
        issued.isoformat(),
        str(cert.campaign_id),
        cert.decision_no or "",
    ]
    return "\x1f".join(unicodedata.normalize("NFC", f) for f in fields).encode("utf-8")


@lru_cache(maxsize=8)
def _load_key(configured: str | None, secret_key: str) -> Ed25519PrivateKey:
    if configured:
        return read_ed25519_key(configured)
    # Development and tests: a key derived from SECRET_KEY, stable across restarts of the same deployment.
    seed = hashlib.sha256(b"chungtay/certificate-signing/v1\x00" + secret_key.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key() -> Ed25519PrivateKey:
    # Production refuses to start without a readable CERTIFICATE_SIGNING_KEY (app/core/config_checks.py).
    cfg = current_app.config
    return _load_key(cfg.get("CERTIFICATE_SIGNING_KEY"), cfg["SECRET_KEY"])


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem() -> str:
    """The public key as PEM: printed on the official accounts page, it checks certificates and the signed roots."""
    return (
        public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _id_bytes(cert_id: int) -> bytes:
    for size in (1, 4, 7):
        if cert_id < 1 << (8 * size):
            return cert_id.to_bytes(size, "big")
    raise ValueError("certificate id too large")


def make_code(cert: Certificate) -> str:
    """The verification code of a certificate whose id and data are final."""
    return sign_paper(KIND_CERTIFICATE, int(cert.id), canonical_data(cert))


def sign_paper(kind: int, ident: int, data: bytes) -> str:
    """The verification code of paper `ident` of `kind` whose canonical data is `data`."""
    raw = _id_bytes(ident)
    signature = private_key().sign(data)
    return base64.urlsafe_b64encode(bytes([kind << 4 | len(raw)]) + raw + signature).decode().rstrip("=")


def signed(data: bytes, signature: bytes) -> bool:
    """Whether `signature` is ours over `data`."""
    try:
        public_key().verify(signature, data)
    except InvalidSignature:
        return False
    return True


def parse_code(code: str) -> tuple[int, bytes] | None:
    """(certificate id, signature) from a certificate's code, or None when it is not one."""
    parsed = parse_paper(code)
    if parsed is None or parsed[0] != KIND_CERTIFICATE:
        return None
    return parsed[1], parsed[2]


def parse_paper(code: str) -> tuple[int, int, bytes] | None:
    """(kind, id, signature) from any paper's code, or None when it is not even well-formed."""
    code = (code or "").strip()
    if not code or len(code) > 120 or len(code) % 4:
        return None
    try:
        raw = base64.urlsafe_b64decode(code.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != code:  # non-canonical spelling
        return None
    if len(raw) < 2:
        return None
    kind, size = raw[0] >> 4, raw[0] & 0x0F
    if kind not in KINDS or size not in (1, 4, 7) or len(raw) != 1 + size + SIGNATURE_BYTES:
        return None
    return kind, int.from_bytes(raw[1 : 1 + size], "big"), raw[1 + size :]


def signature_valid(cert: Certificate, signature: bytes) -> bool:
    return signed(canonical_data(cert), signature)
