"""Enumerate and classify the app's routes from app.url_map, so tests cover routes merged later too."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from werkzeug.routing import Rule

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STAFF_PREFIX = "/can-bo"

# Endpoints that need no CSRF token, each with its reason. Anything else exempt from CSRF fails the tests.
CSRF_EXEMPT_REASONS = {
    "webhook": "payment gateway callbacks are authenticated by the gateway's signature (Stripe-Signature), "
    "not by a browser session; they must answer 400 to an unsigned request",
    "notifications.opt_out": "the unsubscribe link of an e-mail or SMS (RFC 8058 one-click POST from a mail "
    "client, which carries no token) is authenticated by the HMAC in its code; a code that is not signed must "
    "answer 404 and change nothing",
}


def _wrapper_chain(func):  # type: ignore[no-untyped-def]
    seen = 0
    while func is not None and seen < 20:
        yield func
        func = getattr(func, "__wrapped__", None)
        seen += 1


def _has_decorator(view, marker_freevar: str, filename_part: str) -> bool:  # type: ignore[no-untyped-def]
    for f in _wrapper_chain(view):
        code = getattr(f, "__code__", None)
        if code and filename_part in code.co_filename and marker_freevar in code.co_freevars:
            return True
    return False


def is_staff_view(view) -> bool:  # type: ignore[no-untyped-def]
    """Wrapped by app.accounts.access.staff_required (its wrapper closes over `roles`)."""
    return _has_decorator(view, "roles", "accounts/access.py")


def is_login_view(view) -> bool:  # type: ignore[no-untyped-def]
    """Wrapped by donor_required or flask_login.login_required."""
    for f in _wrapper_chain(view):
        code = getattr(f, "__code__", None)
        if not code:
            continue
        if (
            "accounts/access.py" in code.co_filename
            and code.co_name == "wrapped"
            and "roles" not in code.co_freevars
        ):
            return True
        if "flask_login" in code.co_filename and code.co_name == "decorated_view":
            return True
    return False


@dataclass
class Route:
    rule: Rule
    kind: str  # staff | login | public | webhook | static
    methods: frozenset[str] = field(default_factory=frozenset)

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def path(self) -> str:
        return self.rule.rule

    @property
    def args(self) -> list[str]:
        return sorted(self.rule.arguments)

    @property
    def state_changing(self) -> bool:
        return bool(self.methods & STATE_CHANGING)

    def __str__(self) -> str:
        return f"{self.endpoint} {sorted(self.methods)} {self.path}"


def classify(app: Flask, rule: Rule) -> Route:
    methods = frozenset(rule.methods or ()) - {"HEAD", "OPTIONS"}
    view = app.view_functions[rule.endpoint]
    if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
        kind = "static"
    elif "webhook" in rule.endpoint:
        kind = "webhook"
    elif rule.rule.startswith(STAFF_PREFIX) or is_staff_view(view):
        kind = "staff"
    elif is_login_view(view):
        kind = "login"
    else:
        kind = "public"
    return Route(rule, kind, methods)


def all_routes(app: Flask) -> list[Route]:
    return [classify(app, r) for r in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))]


def report(title: str, routes: list[Route]) -> None:
    """Printed with -s and kept in the junit/captured output: the routes a test covered."""
    print(f"\n[{title}] {len(routes)} routes covered")
    for r in routes:
        print(f"  {r}")
