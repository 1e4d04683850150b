"""PaymentError: a refused payment operation (raised by importing, recording and reversal)."""

from __future__ import annotations

from app.core.transaction import DomainError


class PaymentError(DomainError):
    """A refused payment operation; the message is Vietnamese."""
