"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from app.core.messages import N_

_strong = PasswordHasher()  # argon2-cffi's RFC 9106 "low memory" profile
_fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast
    return _strong


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASHES: dict[int, str] = {}


def verify_against_nothing(password: str) -> None:
    """Spend what checking a real password costs, for an e-mail without an account (the answer's timing must
    not tell which e-mails are accounts). The dummy hash is made once per hasher, outside the measured path."""
    hasher = _hasher()
    dummy = _DUMMY_HASHES.get(id(hasher))
    if dummy is None:
        dummy = _DUMMY_HASHES[id(hasher)] = hasher.hash("no-such-account-" + secrets.token_hex(8))
    verify_password(dummy, password)


def password_problem(password: str) -> str | None:
    """A Vietnamese reason the password is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Mật khẩu phải có ít nhất %(min_length)s ký tự.", min_length=MIN_PASSWORD_LENGTH)
    if password.isdigit() or password.isalpha():
        return N_("Mật khẩu phải có cả chữ và số.")
    return None
