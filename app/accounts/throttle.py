"""Slowing down password guessing per account, without letting a stranger lock anyone out.

After `after_failures` failed attempts for an e-mail, each further attempt must wait 2, 4, 8 … seconds (doubling
with each failure, capped at `cap_seconds`); an attempt during the wait is refused without checking the password,
so it tries no guess and does not count. A success clears the count. Nothing is ever locked: once the wait has
passed the right password works.

The counts are kept per e-mail *string* (an HMAC of it, never the address itself), in the rate limiter's storage
(Redis in production, shared by every worker; memory in development and tests), so an e-mail with no account
behaves exactly like one with an account and the answers reveal nothing.

Strangers' failures must not delay the real user (an attacker hammering the province's approver the day before a
deadline). A browser where the account has signed in before holds a signed device cookie naming it (OWASP's
"device cookies" against online guessing); attempts from that browser have a count of their own, so the approver
at their usual browser is never delayed by anyone else. Everyone else (new browsers, the attacker) shares the
account-wide count, which is what bounds an attacker spread over many addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits.storage import MemoryStorage, Storage
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import limiter

log = logging.getLogger(__name__)

DEVICE_COOKIE = "thiet_bi"
_DEVICE_SALT = "chungtay/login-device/v1"
_MAX_ACCOUNTS_PER_DEVICE = 10  # a shared office computer: the last ten accounts signed in there


@dataclass(frozen=True)
class Device:
    """What a browser's device cookie says: its random id and the accounts (HMAC keys) that signed in there."""

    id: str
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attempt:
    """wait > 0: refused unchecked, try again in `wait` seconds. Otherwise check the password; `failures` counts
    this attempt, and if it fails the next one waits `delay` seconds (0: no wait yet)."""

    wait: int
    failures: int
    delay: int


@dataclass
class LoginThrottle:
    storage: Storage
    secret: str
    after_failures: int = 5
    cap_seconds: int = 900
    window_seconds: int = 24 * 3600
    fallback: Storage = field(default_factory=MemoryStorage)

    # -------------------------------------------------------------------------------------------- buckets
    def account_key(self, email: str) -> str:
        return hmac.new(self.secret.encode(), b"login:" + email.encode(), hashlib.sha256).hexdigest()[:32]

    def bucket(self, email: str, device: Device | None) -> str:
        account = self.account_key(email)
        if device is not None and account in device.accounts:
            return f"login-delay/{account}/{device.id}"
        return f"login-delay/{account}"

    # -------------------------------------------------------------------------------------------- state
    def begin(self, bucket: str) -> Attempt:
        """Start an attempt on this bucket, before its password is checked.

        The attempt is counted as a failure at once (a success clears the count), and once failures bring a delay
        it claims the wait that follows it, atomically (an INCR in Redis): of many attempts sent together when a
        wait ends, one is checked and the others are refused, so parallel requests cannot try more guesses."""
        if waiting := self._remaining(bucket):
            return Attempt(wait=waiting, failures=0, delay=0)
        failures = self._store(lambda s: s.incr(bucket + "/count", self.window_seconds))
        delay = self.delay_after(failures)
        if delay and self._store(lambda s: s.incr(bucket + "/wait", delay)) != 1:
            return Attempt(wait=max(1, self._remaining(bucket)), failures=failures, delay=0)
        return Attempt(wait=0, failures=failures, delay=delay)

    def succeeded(self, bucket: str) -> None:
        self._store(lambda s: (s.clear(bucket + "/count"), s.clear(bucket + "/wait")))

    def _remaining(self, bucket: str) -> int:
        key = bucket + "/wait"

        def remaining(storage: Storage) -> int:
            if not storage.get(key):
                return 0
            return max(1, math.ceil(storage.get_expiry(key) - time.time()))

        return self._store(remaining)

    def delay_after(self, failures: int) -> int:
        if failures < self.after_failures:
            return 0
        exponent = failures - self.after_failures + 1
        return self.cap_seconds if exponent >= 30 else min(self.cap_seconds, 2**exponent)

    def _store(self, action: Callable[[Any], Any]) -> Any:
        # Redis down must not stop every login (nor answer 500): count in this process until it is back, as
        # Flask-Limiter does for the address limit (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED).
        try:
            return action(self.storage)
        except Exception:  # noqa: BLE001
            log.warning("login throttle storage unavailable; counting in this process", exc_info=True)
            return action(self.fallback)

    # -------------------------------------------------------------------------------------------- devices
    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=_DEVICE_SALT)

    def read_device(self, request: Request, max_age_days: int) -> Device | None:
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw or len(raw) > 4096:
            return None
        try:
            data = self._serializer().loads(raw, max_age=max_age_days * 86400)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("d"), str):
            return None
        accounts = data.get("a")
        if not isinstance(accounts, list) or not all(isinstance(a, str) for a in accounts):
            return None
        return Device(data["d"], tuple(accounts))

    def remember_device(
        self, response: BaseResponse, device: Device | None, email: str, *, max_age_days: int, secure: bool
    ) -> None:
        """After a successful sign-in: this browser now knows the account (newest first, at most ten)."""
        account = self.account_key(email)
        device = device or Device(secrets.token_urlsafe(16))
        accounts = (account, *(a for a in device.accounts if a != account))[:_MAX_ACCOUNTS_PER_DEVICE]
        response.set_cookie(
            DEVICE_COOKIE,
            self._serializer().dumps({"d": device.id, "a": list(accounts)}),
            max_age=max_age_days * 86400,
            secure=secure,
            httponly=True,
            samesite="Lax",
        )


def login_throttle(app: Flask) -> LoginThrottle:
    """The app's throttle, on the rate limiter's storage (created once per app, after the limiter)."""
    throttle = app.extensions.get("login_throttle")
    if throttle is None:
        cfg = app.config
        # With RATELIMIT_ENABLED off (the browser tests) the limiter keeps no storage: the throttle keeps its own,
        # in memory, so logins still work and are still slowed.
        storage = limiter.storage if cfg.get("RATELIMIT_ENABLED", True) else MemoryStorage()
        throttle = LoginThrottle(
            storage=storage,
            secret=cfg["SECRET_KEY"],
            after_failures=cfg["LOGIN_DELAY_AFTER_FAILURES"],
            cap_seconds=cfg["LOGIN_DELAY_CAP_SECONDS"],
            window_seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"],
        )
        app.extensions["login_throttle"] = throttle
    return throttle
