"""Signed-in browsers: which cookie names which user, and how a session ends everywhere.

Flask keeps the session in a signed cookie and Flask-Login's remember cookie holds `User.get_id()`, so a copy of
either keeps working as long as what it names is still valid. Both carry "<user id>:<session version>"; the
version lives on the user and is bumped by `services.end_all_sessions` (logout, "log out everywhere") and by a
password change or reset. A request whose cookie carries an older version is anonymous, on every browser and
every copy of the cookie.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session
from flask_login import logout_user, user_loaded_from_cookie

from app.accounts.models import User
from app.extensions import db, login_manager

REMEMBER_MARK = "remember_me"  # in the session: this browser asked for "Ghi nhớ đăng nhập"


def _remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


@login_manager.user_loader
def load_user(value: str) -> User | None:
    user_id, _, version = value.partition(":")
    if not user_id.isdecimal():
        return None
    user = db.session.get(User, int(user_id))
    if user is not None and str(user.session_version) == version:
        return user
    # A stale session or remember cookie: forget it, so the browser drops the remember cookie at once instead of
    # presenting it (and costing a database read) on every request.
    session.pop("_user_id", None)
    session.pop(REMEMBER_MARK, None)
    if _remember_cookie_name() in request.cookies:
        session["_remember"] = "clear"
    return None


def _signed_in_from_cookie(sender: Flask, user: User) -> None:
    session[REMEMBER_MARK] = True


user_loaded_from_cookie.connect(_signed_in_from_cookie)


def mark_remembered(remember: bool) -> None:
    """Called right after login_user(): a remembered session keeps renewing its cookie (renew_remember_cookie)."""
    if remember:
        session[REMEMBER_MARK] = True


def renew_remember_cookie(response: Response) -> Response:
    """After each request of a remembered session, ask Flask-Login to write the remember cookie again, so it
    expires REMEMBER_COOKIE_DURATION after the last visit. Runs before Flask-Login's own after_request hook
    (registered later, so called earlier), which does the writing; sessions without the mark are left alone."""
    if session.get(REMEMBER_MARK) and "_user_id" in session and "_remember" not in session:
        session["_remember"] = "set"
    return response


def end_browser_session() -> None:
    """Sign this browser out: Flask-Login's user, the whole session (keeping only the language) and the remember
    cookie. The caller has already bumped the session version, which ends every copy of both cookies."""
    lang = session.get("lang")
    logout_user()
    had_remember_cookie = _remember_cookie_name() in request.cookies
    session.clear()  # this also dropped Flask-Login's instruction to delete the remember cookie: give it again
    if had_remember_cookie:
        session["_remember"] = "clear"
    if lang:
        session["lang"] = lang
