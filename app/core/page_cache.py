"""Micro-cache for the public pages that everybody reads at once (the overview, sao kê, house cards).

On 17 October and 18 November thousands of readers ask for the same few pages; rendering each one for every
reader is what saturates the server. An anonymous reader's page is cached for PUBLIC_PAGE_CACHE_SECONDS, under a
key that contains a money version: the ledger sends `money_moved` (app.core.signals) when it posts, and once that
session commits the version is renewed in the cache, so the next reader gets a fresh page at once and the figures
are never older than the last money movement (other public changes, such as a house's stage, show within the
TTL). Storage is Flask-Caching's backend: Redis in production (shared by every gunicorn
worker and host), a per-process dictionary in development; a cache that is down is bypassed, never an error.

Never cached: logged-in users (their pages differ), a reader with a flashed message waiting, pages that put a
CSRF token in the HTML (forms: their token belongs to one session), anything but a 200.

The same pages are compressed for anonymous readers (Flask-Compress: zstd, brotli or gzip, as the browser accepts;
a 22 KB statement page becomes about 4 KB on a phone's slow connection). Only these: a page compressed next to a
secret (a form's CSRF token, a signed-in user's menu) and text the reader controls (the search box) would let an
attacker who can watch response sizes guess the secret (BREACH); an anonymous public page holds no secret.

Benchmark-driven (docs/CONVENTIONS.md, "Benchmark-driven machinery"): no BENCHMARKS.md row justifies this cache yet.
Every bench module runs with PUBLIC_PAGE_CACHE_SECONDS=0 and the Load section has no run without it; the pages it
serves meet their rows uncached (transparency.list_page_p95 10.28 ms, target 50 ms). Verdict: remove unless a load
row with and without it shows it is needed. Tests run the simple path (PUBLIC_PAGE_CACHE_SECONDS=0 in testing);
tests/transparency/test_page_cache.py and a few others switch it on.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, after_this_request, current_app, request, session
from flask_babel import get_locale
from flask_caching import Cache
from flask_compress import Compress
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.signals import money_moved

cache = Cache()
compress = Compress()
MONEY_VERSION_KEY = "page:money-version"
_MOVED = "page_cache.money_moved"  # a flag in Session.info: this session posted money, not yet committed


def _bypass() -> bool:
    if not current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS"):
        return True
    if request.method != "GET" or current_user.is_authenticated:
        return True
    return bool(session.get("_flashes"))


def money_version() -> str:
    """The version of the money figures the cached pages show: renewed whenever money moves (any process, since
    it lives in the cache's backend); a new one when the cache lost it."""
    version = cache.get(MONEY_VERSION_KEY)
    if version is None:
        cache.add(MONEY_VERSION_KEY, secrets.token_hex(8), timeout=0)
        version = cache.get(MONEY_VERSION_KEY)
    return str(version)


@money_moved.connect
def _remember_money_moved(session: Session, **_: Any) -> None:
    session.info[_MOVED] = True


@event.listens_for(Session, "after_commit")
def _renew_after_commit(session: Session) -> None:
    # After the commit, not at the posting: a reader in between would otherwise cache the old figures under
    # the new version.
    if session.info.pop(_MOVED, False):
        try:
            cache.set(MONEY_VERSION_KEY, secrets.token_hex(8), timeout=0)
        except Exception:  # noqa: BLE001 - a cache that is down is bypassed, never an error
            current_app.logger.warning("page cache: could not renew the money version", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_MOVED, None)


def _key() -> str:
    # Scheme and host are part of the key: whatever a page holds, a reader is never served a page rendered
    # for another host (the absolute links themselves come from PUBLIC_BASE_URL, see app.core.web.public_url,
    # and production answers only to TRUSTED_HOSTS).
    return f"page:{request.scheme}://{request.host}:{get_locale()}:{money_version()}:{request.full_path}"


def _cacheable(rv: Any) -> bool:
    if isinstance(rv, tuple):
        return len(rv) > 1 and rv[1] == 200 and isinstance(rv[0], str)
    return isinstance(rv, str)


def _compressed(response: Response) -> Response:
    return compress.after_request(response)


def public_page(view: Callable) -> Callable:
    """Decorate a public GET view whose HTML is the same for every anonymous reader."""

    # timeout=None: the backend's default, which init_app sets from PUBLIC_PAGE_CACHE_SECONDS.
    cached = cache.cached(
        timeout=None, unless=_bypass, make_cache_key=lambda *a, **k: _key(), response_filter=_cacheable
    )(view)

    @wraps(view)
    def page(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            after_this_request(_compressed)
        return cached(*args, **kwargs)

    return page


def init_app(app: Any) -> None:
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", app.config.get("PUBLIC_PAGE_CACHE_SECONDS") or 0)
    cache.init_app(app)
    # Not on every response (see the module's docstring): public_page asks for it page by page.
    app.config.setdefault("COMPRESS_REGISTER", False)
    compress.init_app(app)
