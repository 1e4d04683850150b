"""How app.contributions.receive splits an agency's transfer into its staff lines (the only caller).

One transfer for the agency's pledge becomes one contribution per staff line, in list order: each line takes what
it still expects (its amount less what earlier transfers gave it) until the money runs out, so a partial transfer
pays the first lines in full and leaves the last ones waiting, and the pieces always add up to the money. What
exceeds the pledge never reaches here: receive() has already split it off as an unrestricted gift, as it does for
every pledge. Each piece is published under the line's name (or its initials) followed by the agency's name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agencies.models import AgencyCollection, AgencyLine
from app.contributions.models import Contribution, ContributionStatus
from app.core.text import initials

CHUNK = 5_000

if TYPE_CHECKING:
    from app.contributions.receive import MoneyIn


def public_name(full_name: str, publish: bool, agency_name: str) -> str:
    """ "Nguyễn Văn An – Sở Tài chính" when the line publishes its name, else "N.V.A. – Sở Tài chính"."""
    return f"{full_name if publish else initials(full_name)} – {agency_name}"[:255]


@dataclass
class _Due:
    line_id: int
    name: str
    left: int


@dataclass
class LineQueue:
    """The lines of one agency pledge with what each still expects, consumed as money is split."""

    lines: list[_Due]

    def split(self, item: MoneyIn) -> list[MoneyIn]:
        pieces: list[MoneyIn] = []
        money = item.amount_vnd
        for due in self.lines:
            if money == 0:
                break
            if due.left <= 0:
                continue
            take = min(due.left, money)
            due.left -= take
            money -= take
            key = item.idempotency_key
            if key and pieces:  # the first piece keeps the item's key: a retried transfer is found by it
                key = f"{key}:l{due.line_id}"
            pieces.append(
                replace(
                    item,
                    amount_vnd=take,
                    agency_line_id=due.line_id,
                    display_name=due.name,
                    idempotency_key=key,
                )
            )
        if (
            money > 0
        ):  # the pledge expected more than its lines (changed by staff): the rest stays the pledge's
            key = item.idempotency_key
            pieces.append(
                replace(item, amount_vnd=money, idempotency_key=f"{key}:rest" if key and pieces else key)
            )
        return pieces


def lines_due(session: Session, pledge_ids: Sequence[int]) -> dict[int, LineQueue]:
    """{pledge id: its staff lines and what each still expects} for the pledges that are agency collections."""
    if not pledge_ids:
        return {}
    ids = list(pledge_ids)
    collections = [
        row
        for start in range(
            0, len(ids), CHUNK
        )  # a statement of many pledges: bounded IN lists, as receive() reads
        for row in session.execute(
            select(AgencyCollection.id, AgencyCollection.pledge_id, AgencyCollection.name).where(
                AgencyCollection.pledge_id.in_(ids[start : start + CHUNK])
            )
        ).all()
    ]
    if not collections:
        return {}
    by_collection = {c.id: c for c in collections}
    paid = dict(
        session.execute(
            select(Contribution.agency_line_id, func.sum(Contribution.amount_vnd))
            .join(AgencyLine, AgencyLine.id == Contribution.agency_line_id)
            .where(
                AgencyLine.collection_id.in_(list(by_collection)),
                Contribution.status == ContributionStatus.RECORDED,
            )
            .group_by(Contribution.agency_line_id)
        ).all()
    )
    out: dict[int, LineQueue] = {}
    for line in session.execute(
        select(AgencyLine)
        .where(AgencyLine.collection_id.in_(list(by_collection)))
        .order_by(AgencyLine.collection_id, AgencyLine.seq)
    ).scalars():
        c = by_collection[line.collection_id]
        out.setdefault(c.pledge_id, LineQueue([])).lines.append(
            _Due(
                line.id,
                public_name(line.full_name, line.publish_name, c.name),
                line.amount_vnd - int(paid.get(line.id, 0)),
            )
        )
    return out
