"""Maker–checker: the one rule by which a second person signs off what a first prepared (issue 18 item 2).

A payout order (app.payouts) and a goods handout (app.goods) are approved only by someone who neither prepared it
nor edited it, nor edited anything it depends on (the household's payment details, the need). Each caller gathers
who those people were, one group per reason, and asks `refuse_own_work`; the first group naming the approver
refuses with that group's message, raised as the caller's own DomainError type.

The same items are cancelled and reversed the same way: a reason is required (`required_reason`), the status must
allow it (`require_status`), and the change is kept with its reason and audited
(`app.payouts.closing.close_with_reason`: it writes the audit log, a domain package app.core does not import).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from app.core.messages import Message
from app.core.text import nfc
from app.core.transaction import DomainError


def refuse_own_work(
    approver_id: int | None,
    groups: Iterable[tuple[Iterable[int | None], str]],
    error: type[DomainError] = DomainError,
) -> None:
    """Raise `error(message)` for the first (people, message) group that contains the approver."""
    if approver_id is None:
        return
    for people, message in groups:
        if approver_id in set(people):
            raise error(message)


def required_reason(reason: str | None, missing: str, error: type[DomainError] = DomainError) -> str:
    """The reason typed for cancelling or reversing, NFC and stripped; `error(missing, field="reason")` when empty."""
    text = (nfc(reason) or "").strip()
    if not text:
        raise error(missing, field="reason")
    return text


def require_status(
    current: str,
    allowed: Collection[str],
    refusal: str,
    error: type[DomainError] = DomainError,
    /,
    **values: object,
) -> None:
    """Refuse an action on an item whose status is not one of `allowed`. `refusal` is a msgid marked with N_ whose
    placeholders are filled from `values` (e.g. the item's reference and status label)."""
    if current not in allowed:
        raise error(Message(refusal, values) if values else refusal)
