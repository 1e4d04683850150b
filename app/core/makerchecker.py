"""Maker–checker: the one rule by which a second person signs off what a first prepared (issue 18 item 2).

A payout order (app.payouts) and a goods handout (app.goods) are approved only by someone who neither prepared it
nor edited it, nor edited anything it depends on (the household's payment details, the need). Each caller gathers
who those people were, one group per reason, and asks `refuse_own_work`; the first group naming the approver
refuses with that group's message, raised as the caller's own DomainError type.
"""

from __future__ import annotations

from collections.abc import Iterable

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
