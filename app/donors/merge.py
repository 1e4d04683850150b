"""One record per donor (issue 19.2): duplicate candidates, a merge staff choose field by field, and its undo.

Candidates share a tax code, a national ID hash, a phone number, an e-mail, or the same folded name
(diacritics-insensitive, app.core.text.fold) in the same commune. A merge moves everything that names the
merged record — pledges (and pledges awaiting a business's confirmation), contributions (so receipts, yearly
statements and commendation totals follow), certificates, commendation candidates and donor users — to the
surviving record, republishes the moved contributions under the surviving name (the public list), and keeps
a DonorMerge with the surviving record's fields before and every row moved, so the merge can be undone. The
ledger is not touched (its entries carry accounts and amounts, not donors): `flask ledger verify` stays clean.
Issued certificates keep the name printed on them (their verification code signs it); they move to the
surviving record's account.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from app.accounts.access import unit_scope_clause
from app.accounts.models import Role, User
from app.audit.services import record
from app.certificates.models import Certificate, CommendationCandidate
from app.contributions.models import Contribution
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.text import fold, nfc
from app.donors.models import Donor, DonorKind, DonorMerge, PublicDisplay
from app.donors.services import DonorError, rename_published, republish
from app.pledges.models import Pledge

MERGE_FIELDS: tuple[str, ...] = (
    "kind",
    "name",
    "tax_code",
    "address",
    "contact_person",
    "email",
    "phone",
    "province_id",
    "commune_id",
    "public_display",
    "national_id_hash",
)
FIELD_LABELS = {
    "kind": "Loại nhà tài trợ",
    "name": "Tên",
    "tax_code": "Mã số thuế",
    "address": "Địa chỉ",
    "contact_person": "Người liên hệ",
    "email": N_("Email"),
    "phone": "Điện thoại",
    "province_id": "Tỉnh/thành phố",
    "commune_id": "Xã/phường",
    "public_display": N_("Hiển thị công khai"),
    "national_id_hash": N_("Số định danh (mã băm)"),
}
REASON_LABELS = {
    "tax_code": N_("cùng mã số thuế"),
    "national_id": N_("cùng số định danh"),
    "phone": N_("cùng số điện thoại"),
    "email": N_("cùng email"),
    "name_commune": N_("cùng tên (không dấu) và xã"),
}
MIN_REASON = 5


def national_id_hash(number: str) -> str:
    """A keyed hash of a national ID number (CCCD): equal numbers match, the number itself is never stored and
    cannot be recovered by trying the 10^12 possible numbers without the application's secret key."""
    digits = "".join(ch for ch in number if ch.isdigit())
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"cccd:{digits}".encode(), hashlib.sha256).hexdigest()


def name_key(donor: Donor) -> str:
    return fold(donor.name)


# ----------------------------------------------------------------------------------------------- who sees what
def donor_scope_clause(user: User) -> ColumnElement[bool]:
    """Donors a staff member may see and merge: those of their area (by commune or province), or who pledged
    to their area."""
    if user.role == Role.CENTRAL_ADMIN:
        return true()
    pledged_here = select(Pledge.donor_id).where(
        or_(
            unit_scope_clause(user, Pledge.receiving_unit_id), unit_scope_clause(user, Pledge.earmark_unit_id)
        )
    )
    return or_(
        unit_scope_clause(user, Donor.commune_id),
        unit_scope_clause(user, Donor.province_id),
        Donor.id.in_(pledged_here),
    )


def may_see(session: Session, user: User, donor_id: int) -> bool:
    return (
        session.execute(select(Donor.id).where(Donor.id == donor_id, donor_scope_clause(user))).first()
        is not None
    )


# ----------------------------------------------------------------------------------------------- candidates
@dataclass
class Pair:
    first: int  # the older record (suggested survivor)
    second: int
    reasons: set[str] = field(default_factory=set)

    @property
    def reason_labels(self) -> list[str]:
        return [REASON_LABELS[r] for r in REASON_LABELS if r in self.reasons]


def _keys() -> dict[str, tuple[ColumnElement[Any], ...]]:
    return {
        "tax_code": (Donor.tax_code.expression,),
        "national_id": (Donor.national_id_hash.expression,),
        "phone": (Donor.phone.expression,),
        "email": (func.lower(Donor.email),),
        "name_commune": (Donor.search_key.expression, Donor.commune_id.expression),
    }


def candidates_for(session: Session, donor: Donor, *, scope: ColumnElement[bool] | None = None) -> list[Pair]:
    """Records that may be the same donor as `donor` (one indexed lookup per key)."""
    wanted: list[tuple[str, ColumnElement[bool]]] = []
    if donor.tax_code:
        wanted.append(("tax_code", Donor.tax_code == donor.tax_code))
    if donor.national_id_hash:
        wanted.append(("national_id", Donor.national_id_hash == donor.national_id_hash))
    if donor.phone:
        wanted.append(("phone", Donor.phone == donor.phone))
    if donor.email:
        wanted.append(("email", func.lower(Donor.email) == donor.email.lower()))
    if donor.commune_id is not None and not donor.tax_code:
        wanted.append(
            ("name_commune", and_(Donor.search_key == donor.search_key, Donor.commune_id == donor.commune_id))
        )
    pairs: dict[int, Pair] = {}
    for reason, clause in wanted:
        q = select(Donor.id).where(clause, Donor.id != donor.id, Donor.merged_into_id.is_(None))
        if scope is not None:
            q = q.where(scope)
        for other in session.execute(q.limit(50)).scalars():
            a, b = sorted((donor.id, other))
            pairs.setdefault(other, Pair(a, b)).reasons.add(reason)
    return sorted(pairs.values(), key=lambda p: (p.first, p.second))


def duplicate_pairs(session: Session, user: User, *, limit: int = 100) -> list[Pair]:
    """Pairs of live records in the user's area sharing a key: grouped by each key (GROUP BY … HAVING count > 1)."""
    scope = donor_scope_clause(user)
    live = and_(Donor.merged_into_id.is_(None), scope)
    pairs: dict[tuple[int, int], Pair] = {}
    for reason, cols in _keys().items():
        present = and_(*[c.is_not(None) for c in cols])
        if reason == "name_commune":
            present = and_(present, Donor.tax_code.is_(None), Donor.search_key != "")
        groups = (
            select(*[c.label(f"k{i}") for i, c in enumerate(cols)], func.min(Donor.id).label("first"))
            .where(live, present)
            .group_by(*cols)
            .having(func.count() > 1)
            .limit(limit)
            .subquery()
        )
        rows = session.execute(
            select(groups.c.first, Donor.id)
            .join(groups, and_(*[c == groups.c[f"k{i}"] for i, c in enumerate(cols)]))
            .where(live, Donor.id != groups.c.first)
            .order_by(groups.c.first, Donor.id)
            .limit(limit)
        ).all()
        for first, other in rows:
            key = (int(first), int(other))
            pairs.setdefault(key, Pair(*key)).reasons.add(reason)
        if len(pairs) >= limit:
            break
    return sorted(pairs.values(), key=lambda p: (p.first, p.second))[:limit]


# ----------------------------------------------------------------------------------------------- merge and undo
def _value(donor: Donor, name: str) -> Any:
    value = getattr(donor, name)
    return value.value if isinstance(value, DonorKind | PublicDisplay) else value


def _set(donor: Donor, name: str, value: Any) -> None:
    if name == "kind":
        value = DonorKind(value)
    elif name == "public_display":
        value = PublicDisplay(value)
    setattr(donor, name, value)


def _snapshot(contributions: Sequence[Contribution]) -> list[list[Any]]:
    return [[c.id, c.donor_id, c.public_name, c.search_key, c.donor_kind.value] for c in contributions]


def _reason(reason: str) -> str:
    text = (nfc(reason) or "").strip()
    if len(text) < MIN_REASON:
        raise DonorError(N_("Lý do gộp: cần nhập lý do (ít nhất 5 ký tự)."))
    return text[:2000]


def merge(
    session: Session,
    actor: Actor,
    survivor: Donor,
    merged: Donor,
    *,
    choose: dict[str, str] | None = None,
    reason: str,
) -> DonorMerge:
    """Merge `merged` into `survivor`. choose: field -> "survivor" or "merged" (whose value the surviving record
    keeps; unnamed fields keep the survivor's, or the merged record's where the survivor's is empty)."""
    text = _reason(reason)
    if survivor.id == merged.id:
        raise DonorError(N_("Không thể gộp một nhà tài trợ với chính nó."))
    if survivor.merged_into_id is not None or merged.merged_into_id is not None:
        raise DonorError(N_("Một trong hai hồ sơ đã được gộp trước đó."))
    choose = choose or {}
    unknown = set(choose) - set(MERGE_FIELDS)
    if unknown or any(v not in ("survivor", "merged") for v in choose.values()):
        raise DonorError(N_("Lựa chọn trường không hợp lệ."))
    before = {f: _value(survivor, f) for f in MERGE_FIELDS}
    before["verified_at"] = survivor.verified_at.isoformat() if survivor.verified_at else None
    chosen: dict[str, Any] = {}
    for f in MERGE_FIELDS:
        side = choose.get(f) or (
            "merged" if before[f] in (None, "") and _value(merged, f) not in (None, "") else "survivor"
        )
        if side == "merged":
            chosen[f] = _value(merged, f)
            _set(survivor, f, chosen[f])
    if survivor.verified_at is None and merged.verified_at is not None:
        survivor.verified_at = merged.verified_at
    survivor.search_key = " ".join(filter(None, [fold(survivor.name), survivor.tax_code or ""]))
    session.flush()

    moved: dict[str, Any] = {}
    pledges = list(session.execute(select(Pledge).where(Pledge.donor_id == merged.id)).scalars())
    for p in pledges:
        p.donor_id = survivor.id
    moved["pledges"] = [p.id for p in pledges]
    claims = list(session.execute(select(Pledge).where(Pledge.claimed_donor_id == merged.id)).scalars())
    for p in claims:
        p.claimed_donor_id = survivor.id
    moved["claims"] = [p.id for p in claims]
    contributions = list(
        session.execute(
            select(Contribution)
            .where(Contribution.donor_id.in_([merged.id, survivor.id]))
            .order_by(Contribution.id)
        ).scalars()
    )
    moved["contributions"] = _snapshot(contributions)
    certs = list(session.execute(select(Certificate).where(Certificate.donor_id == merged.id)).scalars())
    for c in certs:
        c.donor_id = survivor.id
    moved["certificates"] = [c.id for c in certs]
    survivor_batches = select(CommendationCandidate.batch_id).where(
        CommendationCandidate.donor_id == survivor.id
    )
    candidates = list(
        session.execute(
            select(CommendationCandidate).where(
                CommendationCandidate.donor_id == merged.id,
                CommendationCandidate.batch_id.not_in(survivor_batches),
            )
        ).scalars()
    )
    for cand in candidates:
        cand.donor_id = survivor.id
    moved["candidates"] = [c.id for c in candidates]
    users = list(session.execute(select(User).where(User.donor_id == merged.id)).scalars())
    for u in users:
        u.donor_id = survivor.id
    moved["users"] = [u.id for u in users]
    merged.merged_into_id = survivor.id
    session.flush()
    republish(session, contributions, survivor)

    row = DonorMerge(
        survivor_id=survivor.id,
        merged_id=merged.id,
        survivor_before=before,
        chosen=chosen,
        moved=moved,
        reason=text,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "donor.merge",
        "donor",
        survivor.id,
        old={"survivor": before, "merged_id": merged.id},
        new={"chosen": chosen, "merge_id": row.id, "reason": text, **{k: len(v) for k, v in moved.items()}},
    )
    return row


def undo(session: Session, actor: Actor, row: DonorMerge, *, reason: str) -> None:
    """Put both records back as they were: the survivor's fields, and every row the merge moved (payments that
    came in since for a pledge moved back go back with it). Later merges of either record are undone first."""
    text = _reason(reason)
    if row.undone_at is not None:
        raise DonorError(N_("Lần gộp này đã được hoàn tác."))
    ids = (row.survivor_id, row.merged_id)
    later = session.execute(
        select(DonorMerge.id).where(
            DonorMerge.id > row.id,
            DonorMerge.undone_at.is_(None),
            or_(DonorMerge.survivor_id.in_(ids), DonorMerge.merged_id.in_(ids)),
        )
    ).first()
    if later is not None:
        raise DonorError(N_("Cần hoàn tác các lần gộp sau trước (hồ sơ đã được gộp tiếp)."))
    survivor = session.get_one(Donor, row.survivor_id)
    merged = session.get_one(Donor, row.merged_id)
    moved = row.moved
    for f in MERGE_FIELDS:
        _set(survivor, f, row.survivor_before.get(f))
    verified = row.survivor_before.get("verified_at")
    if verified is None:
        survivor.verified_at = None
    survivor.search_key = " ".join(filter(None, [fold(survivor.name), survivor.tax_code or ""]))
    pledge_ids = moved.get("pledges", [])
    for p in session.execute(select(Pledge).where(Pledge.id.in_(pledge_ids))).scalars():
        p.donor_id = merged.id
    for p in session.execute(select(Pledge).where(Pledge.id.in_(moved.get("claims", [])))).scalars():
        p.claimed_donor_id = merged.id
    for cert in session.execute(
        select(Certificate).where(Certificate.id.in_(moved.get("certificates", [])))
    ).scalars():
        cert.donor_id = merged.id
    for cand in session.execute(
        select(CommendationCandidate).where(CommendationCandidate.id.in_(moved.get("candidates", [])))
    ).scalars():
        cand.donor_id = merged.id
    for u in session.execute(select(User).where(User.id.in_(moved.get("users", [])))).scalars():
        u.donor_id = merged.id
    merged.merged_into_id = None
    session.flush()
    snapshot = {int(r[0]): r for r in moved.get("contributions", [])}
    for c in session.execute(select(Contribution).where(Contribution.id.in_(list(snapshot)))).scalars():
        _id, donor_id, public_name, search_key, kind = snapshot[c.id]
        rename_published(c, public_name)
        c.donor_id, c.search_key, c.donor_kind = donor_id, search_key, DonorKind(kind)
    since = list(
        session.execute(
            select(Contribution).where(
                Contribution.pledge_id.in_(pledge_ids), Contribution.id.not_in(list(snapshot) or [0])
            )
        ).scalars()
    )
    republish(session, since, merged)
    kept = list(
        session.execute(
            select(Contribution).where(
                Contribution.donor_id == survivor.id, Contribution.id.not_in(list(snapshot) or [0])
            )
        ).scalars()
    )
    republish(session, kept, survivor)  # received since the merge: under the survivor's own name again
    row.undone_at = utcnow()
    row.undone_by_id = actor.user_id
    session.flush()
    record(
        session,
        actor,
        "donor.merge_undo",
        "donor",
        survivor.id,
        old={"merge_id": row.id},
        new={"merged_id": merged.id, "reason": text},
    )
