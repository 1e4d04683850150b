"""Encryption at rest of beneficiaries' identifiers (citizen ID, phone, exact address).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with the key in DATA_ENCRYPTION_KEY; in development
and testing, when that is unset, a key is derived from SECRET_KEY (production refuses to start without
DATA_ENCRYPTION_KEY: see config.ProductionConfig.check). A keyed HMAC of the citizen ID (a "blind index")
lets the registry refuse duplicates without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class CryptoError(ValueError):
    """A value could not be decrypted (wrong key or corrupted data)."""


def _key_material() -> bytes:
    configured = current_app.config.get("DATA_ENCRYPTION_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else configured
    # Development/testing only: production refuses to start without DATA_ENCRYPTION_KEY.
    digest = hashlib.sha256(
        b"chungtay-needs-identifiers:" + current_app.config["SECRET_KEY"].encode()
    ).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> Fernet:
    return Fernet(_key_material())


def encrypt(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise CryptoError("Không giải mã được thông tin định danh (sai khóa hoặc dữ liệu hỏng).") from exc


def citizen_digest(citizen_id: str | None) -> str | None:
    """Keyed HMAC-SHA256 of a normalised citizen ID (hex), or None."""
    if not citizen_id:
        return None
    key = hashlib.sha256(b"citizen-id-index:" + _key_material()).digest()
    return hmac.new(key, citizen_id.encode("ascii"), hashlib.sha256).hexdigest()


_CCCD = re.compile(r"^\d{12}$")


def normalize_citizen_id(value: str) -> str:
    """A 12-digit citizen ID (CCCD / định danh cá nhân); the first three digits are the province of birth
    registration (001–096). Old 9-digit CMND numbers are refused: the commune's review uses CCCD."""
    v = re.sub(r"[\s.\-]", "", value or "")
    if not _CCCD.match(v):
        raise ValueError("Số CCCD phải gồm đúng 12 chữ số.")
    if not 1 <= int(v[:3]) <= 96:
        raise ValueError("Số CCCD: ba chữ số đầu (mã tỉnh nơi đăng ký khai sinh) phải từ 001 đến 096.")
    return v


def mask(value: str | None, keep: int = 3) -> str:
    """ "056123456789" -> "•••••••••789" (for showing that a value exists without revealing it)."""
    if not value:
        return ""
    return "•" * max(len(value) - keep, 0) + value[-keep:]
