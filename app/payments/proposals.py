"""Proposals for credit lines without a pledge reference: amount, the donor's name in the memo, the date."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.contributions.models import Contribution, ContributionStatus
from app.core.text import fold
from app.donors.models import Donor
from app.payments.statements.parsing import _fold
from app.pledges.models import Pledge, PledgeStatus
from app.units.models import AdminUnit

_GENERIC = {
    "cong",
    "ty",
    "tnhh",
    "co",
    "phan",
    "cp",
    "mtv",
    "ho",
    "ong",
    "ba",
    "anh",
    "chi",
    "gia",
    "dinh",
    "chi nhanh",
    "ngan",
    "hang",
    "tmcp",
}
_WORD = re.compile(r"[a-z0-9]+")


def _name_key(name: str) -> str:
    words = _WORD.findall(fold(name))
    while words and words[0] in _GENERIC:
        words = words[1:]
    return " ".join(words)


@dataclass
class _Candidate:
    pledge_id: int
    reference: str
    amount_vnd: int
    due_vnd: int
    name_key: str
    created_at: datetime


class Proposer:
    """Proposals for credit lines without a reference: same amount (what is due, or the pledge), the donor's
    name in the memo, and a transfer made after the pledge. Loaded once per statement (no query per line)."""

    def __init__(self, session: Session, unit_id: int | None):
        scope = [unit_id] if unit_id is not None else None
        if unit_id is not None:
            scope += list(
                session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == unit_id)).scalars()
            )
        q = (
            select(Pledge.id, Pledge.reference, Pledge.amount_vnd, Pledge.created_at, Donor.name)
            .join(Donor, Donor.id == Pledge.donor_id)
            .where(Pledge.status.in_([PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID]))
        )
        if scope is not None:
            q = q.where(or_(Pledge.receiving_unit_id.in_(scope), Pledge.earmark_unit_id.in_(scope)))
        rows = session.execute(q).all()
        paid = (
            dict(
                session.execute(
                    select(Contribution.pledge_id, func.sum(Contribution.amount_vnd))
                    .where(
                        Contribution.status == ContributionStatus.RECORDED,
                        Contribution.pledge_id.in_([r.id for r in rows] or [-1]),
                    )
                    .group_by(Contribution.pledge_id)
                ).all()
            )
            if rows
            else {}
        )
        self._by_amount_and_time: dict[tuple[int, datetime], tuple[int | None, str]] = {}
        self.by_amount: dict[int, list[_Candidate]] = defaultdict(list)
        self.by_first_word: dict[str, list[_Candidate]] = defaultdict(list)
        for r in rows:
            c = _Candidate(
                r.id,
                r.reference,
                r.amount_vnd,
                max(0, r.amount_vnd - int(paid.get(r.id) or 0)),
                _name_key(r.name),
                r.created_at,
            )
            self.by_amount[c.due_vnd].append(c)
            if c.amount_vnd != c.due_vnd:
                self.by_amount[c.amount_vnd].append(c)
            if len(c.name_key.split()) >= 2:
                self.by_first_word[c.name_key.split()[0]].append(c)

    def propose(self, amount_vnd: int, memo: str, counterparty: str, at: datetime) -> tuple[int | None, str]:
        amount_hits = self.by_amount.get(amount_vnd, ())
        by_first_word = self.by_first_word
        words = _WORD.findall(_fold(f"{memo} {counterparty}")) if by_first_word else ()
        name_hits = [c for w in set(words) for c in by_first_word.get(w, ())]
        if not amount_hits and not name_hits:
            return None, ""
        if not name_hits:  # the answer depends on the amount and the time only: computed once for each
            key = (amount_vnd, at)
            cached = self._by_amount_and_time.get(key)
            if cached is None:
                cached = self._rank(amount_hits, (), words, amount_vnd, at)
                if len(self._by_amount_and_time) > 100_000:
                    self._by_amount_and_time.clear()
                self._by_amount_and_time[key] = cached
            return cached
        return self._rank(amount_hits, name_hits, words, amount_vnd, at)

    def _rank(self, amount_hits, name_hits, words, amount_vnd: int, at: datetime) -> tuple[int | None, str]:  # type: ignore[no-untyped-def]
        scores: dict[int, list] = {}  # pledge id -> [score, reasons, candidate]

        def add(c: _Candidate, points: int, why: str) -> None:
            entry = scores.setdefault(c.pledge_id, [0, [], c])
            entry[0] += points
            entry[1].append(why)

        for c in amount_hits:
            add(
                c,
                50 if c.due_vnd == amount_vnd else 40,
                "đúng số tiền còn phải nộp" if c.due_vnd == amount_vnd else "đúng số tiền đăng ký",
            )
        if name_hits:
            padded = " " + " ".join(words) + " "
            for c in name_hits:
                if f" {c.name_key} " in padded:
                    add(c, 40, "tên người ủng hộ có trong nội dung")
        if not scores:
            return None, ""
        for entry in scores.values():
            c = entry[2]
            if c.created_at <= at + timedelta(days=1):
                entry[0] += 10
                entry[1].append("chuyển sau ngày đăng ký")
        ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
        if not ranked:  # name words matched but no candidate's full name did
            return None, ""
        best_id, (best, reasons, _) = ranked[0]
        if best < 50 or (len(ranked) > 1 and ranked[1][1][0] == best):
            return None, ""
        return best_id, "; ".join(reasons)[:255]
