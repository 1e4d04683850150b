"""Whether card payment is really available (issue 19.4): one rule for the pledge form, the pledge page and the
checkout, so a card option is never offered that the checkout then refuses.

- The mode (`gateway_mode`): PAYMENT_GATEWAY ("stripe", "test", "disabled"; unset: "stripe" when a Stripe key is
  configured). The test gateway records money without a card, so a production configuration (secure cookies,
  not TESTING) never runs it, whatever PAYMENT_GATEWAY says.
- Configured: Stripe needs its secret key.
- Healthy: a checkout that could not reach the gateway marks it unreachable in this process for
  CARD_GATEWAY_RETRY_SECONDS (default 300), and the option disappears until then (transfers still work).
"""

from __future__ import annotations

import time

from flask import current_app

_UNREACHABLE_UNTIL = "core.cards.unreachable_until"
DEFAULT_RETRY_SECONDS = 300.0


def gateway_mode() -> str:
    """ "stripe", "test" or "disabled"."""
    cfg = current_app.config
    raw = cfg.get("PAYMENT_GATEWAY") or ("stripe" if cfg.get("STRIPE_SECRET_KEY") else "disabled")
    mode = str(raw).lower()
    if mode == "test" and cfg.get("SESSION_COOKIE_SECURE") and not cfg.get("TESTING"):
        current_app.logger.warning("PAYMENT_GATEWAY=test refused in production; card payments are disabled")
        return "disabled"
    return mode if mode in ("stripe", "test") else "disabled"


def card_available() -> bool:
    """True when a donor can pay by card right now: the gateway on, configured and not known to be down."""
    mode = gateway_mode()
    if mode == "disabled":
        return False
    if mode == "stripe" and not current_app.config.get("STRIPE_SECRET_KEY"):
        return False
    return time.monotonic() >= float(current_app.extensions.get(_UNREACHABLE_UNTIL, 0.0))


def mark_unreachable() -> None:
    """The gateway did not answer: hide the card option in this process for a while."""
    seconds = float(current_app.config.get("CARD_GATEWAY_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    current_app.extensions[_UNREACHABLE_UNTIL] = time.monotonic() + seconds


def reset() -> None:
    current_app.extensions.pop(_UNREACHABLE_UNTIL, None)
