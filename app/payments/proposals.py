"""Proposals for credit lines without a pledge reference: amount, the donor's name in the memo, the date."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.contributions.models import Contribution, ContributionStatus
from app.core.messages import N_, joined
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
    same_unit: bool  # received by the unit that owns the statement's account


MIN_SCORE = 50

# Why a line is proposed for a pledge (the review queue shows them joined by "; "). The line keeps the Vietnamese
# text (StatementLine.proposal_reason, 255 characters); `reason_message` gives it back as messages to translate.
AMOUNT_DUE = N_("đúng số tiền còn phải nộp")
NAME_FOUND = N_("tên người ủng hộ có trong nội dung")
AFTER_PLEDGE = N_("chuyển sau ngày đăng ký")
SAME_UNIT = N_("đăng ký nộp vào đơn vị của tài khoản")
REASON_SEP = "; "


def _name_close(percent: int) -> str:
    return N_("tên người ủng hộ gần giống nội dung (%(percent)s%%)", percent=percent)


_NAME_CLOSE = re.compile(re.escape(_name_close(999_999)).replace("999999", r"(\d+)"))


def reason_message(text: str) -> str:
    """A line's stored proposal reason as the messages it was written from, to show in the reader's language
    (`|message`): each part is one of the reasons above (a part it does not know, e.g. cut at 255 characters,
    is shown as it is)."""
    parts: list[str] = []
    for part in text.split(REASON_SEP) if text else []:
        close = _NAME_CLOSE.fullmatch(part)
        parts.append(_name_close(int(close[1])) if close else part)
    return joined(parts, REASON_SEP) if parts else ""


class Proposer:
    """Proposals for credit lines without a reference, each a suggestion a person can trust (issue 17):

    - the amount is what the pledge still has due (50 points) — never more: a line larger than what is due, or
      than the pledge once partly paid, is no suggestion (confirming it would publish a stranger's money under
      the donor's name as an "overpayment");
    - the donor's name in the memo or the sender's name, compared without diacritics and company words
      ("Công ty CP", "Hộ ông"): up to 40 points for the share of the name's words found; a transfer less than
      what is due is proposed on a full name only;
    - the transfer made after the pledge (10), the pledge received by the account's own unit (5).
    A tie at the top is no suggestion. The import keeps at most one proposed line per pledge (the best-scored:
    importing.one_proposal_per_pledge). Loaded once per statement (no query per line)."""

    def __init__(self, session: Session, unit_id: int | None):
        scope = [unit_id] if unit_id is not None else None
        if unit_id is not None:
            scope += list(
                session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == unit_id)).scalars()
            )
        q = (
            select(
                Pledge.id,
                Pledge.reference,
                Pledge.amount_vnd,
                Pledge.created_at,
                Pledge.receiving_unit_id,
                Donor.name,
            )
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
        self._by_amount_and_time: dict[tuple[int, datetime], tuple[int | None, str, int]] = {}
        self.by_amount: dict[int, list[_Candidate]] = defaultdict(list)
        self.by_name_word: dict[str, list[_Candidate]] = defaultdict(list)
        self.by_id: dict[int, _Candidate] = {}
        for r in rows:
            due = max(0, r.amount_vnd - int(paid.get(r.id) or 0))
            if due == 0:
                continue
            c = _Candidate(
                r.id,
                r.reference,
                r.amount_vnd,
                due,
                _name_key(r.name),
                r.created_at,
                unit_id is not None and r.receiving_unit_id == unit_id,
            )
            self.by_id[c.pledge_id] = c
            self.by_amount[c.due_vnd].append(c)
            words = c.name_key.split()
            if len(words) >= 2:  # first and last word: "hoa … binh", "tran … mo"
                for w in {words[0], words[-1]}:
                    self.by_name_word[w].append(c)

    def propose(self, amount_vnd: int, memo: str, counterparty: str, at: datetime) -> tuple[int | None, str]:
        pid, reason, _score = self.propose_scored(amount_vnd, memo, counterparty, at)
        return pid, reason

    def propose_scored(
        self, amount_vnd: int, memo: str, counterparty: str, at: datetime
    ) -> tuple[int | None, str, int]:
        amount_hits = self.by_amount.get(amount_vnd, ())
        by_name_word = self.by_name_word
        words = _WORD.findall(_fold(f"{memo} {counterparty}")) if by_name_word else []
        name_hits = {c.pledge_id: c for w in set(words) for c in by_name_word.get(w, ())}
        if not amount_hits and not name_hits:
            return None, "", 0
        if not name_hits:  # the answer depends on the amount and the time only: computed once for each
            key = (amount_vnd, at)
            cached = self._by_amount_and_time.get(key)
            if cached is None:
                cached = self._rank(amount_hits, (), words, amount_vnd, at)
                if len(self._by_amount_and_time) > 100_000:
                    self._by_amount_and_time.clear()
                self._by_amount_and_time[key] = cached
            return cached
        return self._rank(amount_hits, list(name_hits.values()), words, amount_vnd, at)

    def score(self, pledge_id: int, amount_vnd: int, memo: str, counterparty: str, at: datetime) -> int:
        """The points this line earns for this pledge (0 when it would not be proposed for it at all)."""
        c = self.by_id.get(pledge_id)
        if c is None:
            return 0
        words = _WORD.findall(_fold(f"{memo} {counterparty}"))
        entry = self._scores([c] if c.due_vnd == amount_vnd else [], [c], words, amount_vnd, at)
        return entry.get(pledge_id, (0, [], c))[0]

    @staticmethod
    def _similarity(name_key: str, words: list[str]) -> float:
        name = name_key.split()
        if not name:
            return 0.0
        present = set(words)
        found = sum(1 for w in name if w in present)
        if found == len(name):
            return 1.0 if f" {name_key} " in " " + " ".join(words) + " " or len(name) == 1 else 0.9
        return found / len(name) if found >= 2 else 0.0

    def _scores(self, amount_hits, name_hits, words, amount_vnd: int, at: datetime) -> dict[int, list]:  # type: ignore[no-untyped-def]
        scores: dict[int, list] = {}  # pledge id -> [score, reasons, candidate]

        def add(c: _Candidate, points: int, why: str) -> None:
            entry = scores.setdefault(c.pledge_id, [0, [], c])
            entry[0] += points
            entry[1].append(why)

        for c in amount_hits:
            if c.due_vnd == amount_vnd:
                add(c, 50, AMOUNT_DUE)
        for c in name_hits:
            if amount_vnd > c.due_vnd:
                continue  # more than is due: never an "overpayment" from a suggestion
            sim = self._similarity(c.name_key, words)
            if sim >= 0.5 and (c.due_vnd == amount_vnd or sim == 1.0):
                add(c, round(40 * sim), NAME_FOUND if sim == 1.0 else _name_close(round(100 * sim)))
        for entry in scores.values():
            c = entry[2]
            if c.created_at <= at + timedelta(days=1):
                entry[0] += 10
                entry[1].append(AFTER_PLEDGE)
            if c.same_unit:
                entry[0] += 5
                entry[1].append(SAME_UNIT)
        return scores

    def _rank(
        self, amount_hits, name_hits, words, amount_vnd: int, at: datetime
    ) -> tuple[int | None, str, int]:  # type: ignore[no-untyped-def]
        scores = self._scores(amount_hits, name_hits, words, amount_vnd, at)
        if not scores:
            return None, "", 0
        ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
        best_id, (best, reasons, _) = ranked[0]
        if best < MIN_SCORE or (len(ranked) > 1 and ranked[1][1][0] == best):
            return None, "", 0
        return best_id, str(REASON_SEP.join(reasons))[:255], best
