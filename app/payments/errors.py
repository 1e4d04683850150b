"""PaymentError: a refused payment operation (raised by importing, recording and reversal)."""

from __future__ import annotations


class PaymentError(ValueError):
    """A refused payment operation; the message is Vietnamese."""
