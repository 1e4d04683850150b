"""Pledge bookkeeping shared by every payment channel."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, case, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import Insert

from app.accounts.access import unit_scope_clause
from app.accounts.models import Role, User
from app.audit.services import entry_values, record, record_rows
from app.banking.services import NO_ACCOUNT, official_account_owner
from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import active_campaign
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.db import rowcount, utcnow
from app.core.i18n import VN_TZ, today_vn
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.text import fold, nfc
from app.core.transaction import DomainError
from app.donors.models import Donor, DonorKind, PublicDisplay
from app.ledger.models import Purpose
from app.pledges.models import (
    OFFLINE_METHODS,
    PLEDGE_STATUS_LABELS,
    PaymentMethod,
    Pledge,
    PledgeInstalment,
    PledgeKind,
    PledgeSchedule,
    PledgeStatus,
)
from app.pledges.references import new_reference
from app.units.models import AdminUnit


def amount_paid(session: Session, pledge_id: int) -> int:
    """Money received against a pledge (recorded, not reversed contributions)."""
    return int(
        session.execute(  # int(): PostgreSQL's SUM of bigint is numeric (Decimal)
            select(func.coalesce(func.sum(Contribution.amount_vnd), 0)).where(
                Contribution.pledge_id == pledge_id, Contribution.status == ContributionStatus.RECORDED
            )
        ).scalar_one()
    )


def status_for_paid(pledge: Pledge, paid: int) -> PledgeStatus:
    """What the money received makes of a pledge: fulfilled, partly paid, or (nothing received) pledged —
    a cancelled or lapsed pledge without money stays as it is."""
    if paid >= pledge.amount_vnd:
        return PledgeStatus.FULFILLED
    if paid > 0:
        return PledgeStatus.PARTLY_PAID
    if pledge.status in (PledgeStatus.CANCELLED, PledgeStatus.LAPSED):
        return pledge.status
    return PledgeStatus.PLEDGED


def refresh_status(
    session: Session, actor: Actor, pledge: Pledge, *, paid: int | None = None
) -> PledgeStatus:
    """Let the pledge follow the money received (`paid`, else summed from its recorded contributions), through
    transition(): cancelled and lapsed pledges that still receive money come back to life with a fresh grace
    period (the money is real), a reversal takes a fulfilled pledge back to partly paid or pledged."""
    if paid is None:
        paid = amount_paid(session, pledge.id)
    new = status_for_paid(pledge, paid)
    if new != pledge.status:
        transition(session, actor, pledge, new, paid=paid)
    return new


def outstanding(session: Session, pledge: Pledge) -> int:
    return max(0, pledge.amount_vnd - amount_paid(session, pledge.id))


def record_pledge_payment(
    session: Session,
    actor: Actor,
    pledge: Pledge,
    *,
    amount_vnd: int,
    channel: Channel,
    received_at: datetime | None,
    source: str,
    idempotency_key: str | None = None,
    bank_txn_ref: str | None = None,
    masked_account: str | None = None,
    note: str = "",
    in_kind_description: str | None = None,
    receiving_unit_id: int | None = None,
) -> list:
    """Money received for a pledge: one MoneyIn item through app.contributions.receive.receive (which splits
    off any excess and moves the pledge's status). receiving_unit_id (the unit whose staff took the money in
    hand) defaults to the pledge's. Returns the contributions recorded (or recorded before under the key)."""
    from app.contributions.receive import MoneyIn, receive

    made = receive(
        session,
        actor,
        [
            MoneyIn(
                amount_vnd=amount_vnd,
                channel=channel,
                received_at=received_at,
                receiving_unit_id=receiving_unit_id
                if receiving_unit_id is not None
                else pledge.receiving_unit_id,
                pledge_id=pledge.id,
                bank_txn_ref=bank_txn_ref,
                masked_account=masked_account,
                source=source,
                idempotency_key=idempotency_key,
                note=note,
                in_kind_description=in_kind_description,
            )
        ],
    )
    return [session.get(Contribution, r.id) for r in made]


# ---------------------------------------------------------------------------------------------------------
# Creating, editing and closing pledges
# ---------------------------------------------------------------------------------------------------------
MIN_PLEDGE_VND = 10_000
MAX_INSTALMENTS = 12
REFERENCE_ATTEMPTS = 8


class PledgeError(DomainError):
    """A refused pledge action; the message is Vietnamese and names the field."""


class IllegalTransition(PledgeError):
    """A status change the pledge lifecycle does not allow."""


class AlreadySubmitted(PledgeError):
    """The submission key names a pledge already recorded: the same form page sent again (double click, retry,
    back button, or identical requests arriving together, issue 19.4). Whatever the submission wrote is rolled
    back and the sender is shown the earlier pledge (pledge_for_submission)."""


class BelowPaidError(PledgeError):
    """A pledge cannot be reduced below what was already received."""


class InstalmentMismatch(PledgeError):
    """Instalments that do not add up to the pledge, or are badly dated."""


@dataclass
class DonorInput:
    kind: DonorKind
    name: str
    tax_code: str | None = None
    address: str = ""
    contact_person: str = ""
    email: str | None = None
    phone: str | None = None
    province_id: int | None = None
    commune_id: int | None = None
    anonymous: bool = False
    country: str = "VN"  # ISO 3166-1 alpha-2; abroad: no province or commune
    language: str = (
        "vi"  # the page's language (app.core.i18n.request_language): messages to the donor speak it
    )


@dataclass
class InstalmentInput:
    due_on: date
    amount_vnd: int


@dataclass
class PledgeInput:
    amount_vnd: int
    purpose: Purpose = Purpose.UNRESTRICTED
    earmark_unit_id: int | None = None
    kind: PledgeKind = PledgeKind.MONEY
    schedule: PledgeSchedule = PledgeSchedule.NOW
    instalments: list[InstalmentInput] = field(default_factory=list)
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    due_on: date | None = None
    in_kind_description: str | None = None
    in_kind_quantity: str | None = None
    is_anonymous: bool = False
    contact_email: str | None = None
    note: str = ""
    submission_key: str | None = None  # the public form's idempotency key (pledge_for_submission)
    language: str = "vi"  # the page's language: the pledge's confirmation, reminders and receipts speak it


def campaign_for(session: Session, unit_id: int | None = None) -> Campaign | None:
    """The campaign a pledge joins: the active one covering the earmarked unit, else the national one,
    else the most recent active campaign (a deployment that runs one province's campaign)."""

    found = active_campaign(session, unit_id)
    if found is None:
        found = (
            session.execute(
                select(Campaign)
                .where(Campaign.status == CampaignStatus.ACTIVE)
                .order_by(Campaign.year.desc(), Campaign.id)
            )
            .scalars()
            .first()
        )
    return found


def campaign_is_active(session: Session, campaign_id: int) -> bool:
    return (
        session.execute(
            select(Campaign.id).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.ACTIVE)
        ).first()
        is not None
    )


@dataclass(frozen=True)
class DonorRef:
    """What a new pledge needs of its donor (app.pledges.services.insert_pledge). claims: the business on file
    under the tax code typed, which the pledge names until that business confirms it (issue 19.1);
    registered_by: who typed it ("đăng ký bởi")."""

    id: int
    public_display: PublicDisplay
    email: str | None
    claims: int | None = None
    registered_by: str = ""


# Core statements on the tables, built once: the public form's hot path skips the ORM's bulk-insert layer, and
# SQLAlchemy finds their compiled form by a memoised cache key (a statement built with .values() per call is keyed
# afresh each time).
_DONOR_INSERT = insert(Donor.__table__).returning(Donor.__table__.c.id)


@functools.cache
def _pledge_insert(dialect: str) -> Insert:
    """INSERT of one pledge that inserts nothing when its reference is taken (the caller draws another) or its
    submission key is (the same form page sent again: AlreadySubmitted). On PostgreSQL an INSERT meeting the key
    of a pledge another transaction is still writing waits for that transaction: identical submissions arriving
    together are recorded one after the other by the unique index itself."""
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = Pledge.__table__
    return upsert(table).on_conflict_do_nothing().returning(table.c.id)


def business_on_file(session: Session, tax_code: str) -> int | None:
    """The record a tax code names: a verified one first, else the oldest; never a merged-away record."""
    return session.execute(
        select(Donor.id)
        .where(Donor.tax_code == tax_code, Donor.merged_into_id.is_(None))
        .order_by(Donor.verified_at.is_(None), Donor.id)
        .limit(1)
    ).scalar()


def registrant(data: DonorInput) -> str:
    """“đăng ký bởi”: the person who typed the pledge and how to reach them."""
    who = (nfc(data.contact_person) or "").strip() or (nfc(data.name) or "").strip()
    return " – ".join(filter(None, [who, data.email or data.phone or ""]))[:255]


def insert_donor(
    session: Session, actor: Actor, data: DonorInput, *, audit: list[dict] | None = None
) -> DonorRef:
    """A donor record of what was typed. A tax code is an identifier, not a login (issue 19.1): when a business
    is already on file under the tax code, the pledge gets a record of its own with the name and contact typed
    (published under that name) and names the business on file (DonorRef.claims) until the business or staff
    confirm it; the business's record is never changed from a public form. Households and individuals get a
    record of their own per pledge (duplicates are found and merged by staff: app.donors.merge). Rows are
    inserted directly (the public form's hot path): the donor and its audit entry in two statements, or one when
    the caller collects the audit entries (`audit`, app.audit.services.record_rows)."""
    name = (nfc(data.name) or "").strip()
    if not name:
        raise PledgeError(N_("Tên nhà tài trợ: chưa nhập."))
    claims = business_on_file(session, data.tax_code) if data.tax_code else None
    display = PublicDisplay.ANONYMOUS if data.anonymous else PublicDisplay.FULL_NAME
    ident = session.execute(
        _DONOR_INSERT,
        dict(
            kind=data.kind,
            name=name,
            tax_code=data.tax_code,
            address=nfc(data.address) or "",
            contact_person=nfc(data.contact_person) or "",
            email=data.email,
            phone=data.phone,
            province_id=data.province_id,
            commune_id=data.commune_id,
            country=data.country,
            language=data.language,
            public_display=display,
            search_key=" ".join(filter(None, [fold(name), data.tax_code or ""])),
            created_at=utcnow(),
        ),
    ).scalar_one()
    record_rows(
        session,
        [
            entry_values(
                actor,
                "donor.create",
                "donor",
                ident,
                new={"kind": data.kind, "name": name, "tax_code": data.tax_code, "claims": claims},
            )
        ],
        into=audit,
    )
    return DonorRef(ident, display, data.email, claims, registrant(data))


def pledge_for_submission(session: Session, key: str) -> PledgeRef | None:
    """The pledge an earlier submission of the same form page recorded (its idempotency key), else None: where
    a submission refused with AlreadySubmitted is sent (after its rollback, so the earlier one is committed)."""
    row = session.execute(
        select(Pledge.id, Pledge.reference, Pledge.payment_method, Pledge.receiving_unit_id).where(
            Pledge.submission_key == key
        )
    ).first()
    return PledgeRef(row.id, row.reference, row.payment_method, row.receiving_unit_id) if row else None


def find_or_create_donor(session: Session, actor: Actor, data: DonorInput) -> Donor:
    """insert_donor(), as the ORM object."""
    donor = session.get(Donor, insert_donor(session, actor, data).id)
    assert donor is not None  # noqa: S101 - just inserted or found in this transaction
    return donor


def check_instalments(amount_vnd: int, items: list[InstalmentInput], *, start: date | None = None) -> None:
    if len(items) < 2:
        raise InstalmentMismatch(N_("Các đợt nộp: cần ít nhất 2 đợt (hoặc chọn “Nộp một lần”)."))
    if len(items) > MAX_INSTALMENTS:
        raise InstalmentMismatch(N_("Các đợt nộp: tối đa %(n)s đợt.", n=MAX_INSTALMENTS))
    dates = [i.due_on for i in items]
    for n, item in enumerate(items, start=1):
        if item.amount_vnd <= 0:
            raise InstalmentMismatch(N_("Đợt %(n)s: số tiền phải lớn hơn 0.", n=n))
        if start and item.due_on < start:
            raise InstalmentMismatch(
                N_("Đợt %(n)s: ngày nộp %(day)s đã qua.", n=n, day=item.due_on.strftime("%d/%m/%Y"))
            )
    if len(set(dates)) != len(dates):
        raise InstalmentMismatch(N_("Các đợt nộp: hai đợt trùng ngày."))
    total = sum(i.amount_vnd for i in items)
    if total != amount_vnd:
        raise InstalmentMismatch(
            N_(
                "Các đợt nộp: tổng %(total)s chưa bằng số tiền đăng ký %(amount)s (chênh %(diff)s).",
                total=format_vnd(total),
                amount=format_vnd(amount_vnd),
                diff=format_vnd(abs(total - amount_vnd)),
            )
        )


def receiving_unit_for(
    session: Session, campaign: Campaign | CampaignLike, earmark_unit_id: int | None, method: PaymentMethod
) -> int | None:
    """Whose books receive the money: for a transfer or card, the unit owning the account the donor is
    shown (earmarked unit, else its province, else central); cash and goods go to the earmarked unit."""
    if method in OFFLINE_METHODS:
        return earmark_unit_id if earmark_unit_id is not None else campaign.scope_unit_id
    owner = official_account_owner(session, earmark_unit_id or campaign.scope_unit_id)
    if owner is not NO_ACCOUNT:
        return owner  # type: ignore[return-value]
    return earmark_unit_id if earmark_unit_id is not None else campaign.scope_unit_id


def _validate_pledge(session: Session, data: PledgeInput, *, start: date) -> None:
    if not isinstance(data.amount_vnd, int) or data.amount_vnd < MIN_PLEDGE_VND:
        field_name = "Giá trị ước tính" if data.kind == PledgeKind.IN_KIND else "Số tiền"
        raise PledgeError(
            N_("%(field)s: tối thiểu %(amount)s.", field=field_name, amount=format_vnd(MIN_PLEDGE_VND))
        )
    if data.earmark_unit_id is not None and session.get(AdminUnit, data.earmark_unit_id) is None:
        raise PledgeError(N_("Địa bàn chỉ định: không tồn tại."))
    if data.kind == PledgeKind.IN_KIND:
        if not (data.in_kind_description or "").strip():
            raise PledgeError(N_("Mô tả hiện vật: chưa nhập."))
        if data.schedule != PledgeSchedule.NOW:
            raise PledgeError(N_("Hiện vật: không chia đợt."))
    if data.schedule == PledgeSchedule.INSTALMENTS:
        check_instalments(data.amount_vnd, data.instalments, start=start)


class CampaignLike(Protocol):
    """A campaign as a pledge needs it (a Campaign, or the public form's cached formcache.CampaignView)."""

    @property
    def id(self) -> int: ...

    @property
    def scope_unit_id(self) -> int | None: ...


@dataclass(frozen=True)
class PledgeRef:
    """A pledge just recorded: what the confirmation redirect and its mails need."""

    id: int
    reference: str
    payment_method: PaymentMethod
    receiving_unit_id: int | None


def insert_pledge(
    session: Session,
    actor: Actor,
    campaign: Campaign | CampaignLike,
    donor: Donor | DonorRef,
    data: PledgeInput,
    *,
    audit: list[dict] | None = None,
) -> PledgeRef:
    """Record a pledge with a fresh unique transfer reference (drawn again on the rare collision); AlreadySubmitted
    when its submission key is already recorded (nothing inserted).

    Rows are inserted directly, not through the ORM (the public form's hot path: one statement for the pledge,
    one for its instalments, one for the audit entry unless the caller collects it: `audit`); create_pledge()
    returns the ORM object."""
    start = today_vn()
    _validate_pledge(session, data, start=start)
    method = PaymentMethod.IN_KIND if data.kind == PledgeKind.IN_KIND else data.payment_method
    receiving = receiving_unit_for(session, campaign, data.earmark_unit_id, method)
    values = dict(
        campaign_id=campaign.id,
        donor_id=donor.id,
        amount_vnd=data.amount_vnd,
        earmark_unit_id=data.earmark_unit_id,
        purpose=data.purpose,
        kind=data.kind,
        schedule=data.schedule,
        payment_method=method,
        receiving_unit_id=receiving,
        due_on=data.due_on or (start + timedelta(days=30) if data.schedule == PledgeSchedule.NOW else None),
        in_kind_description=nfc(data.in_kind_description),
        in_kind_quantity=nfc(data.in_kind_quantity),
        is_anonymous=data.is_anonymous or donor.public_display == PublicDisplay.ANONYMOUS,
        contact_email=(data.contact_email or donor.email or None),
        claimed_donor_id=getattr(donor, "claims", None),
        registered_by=getattr(donor, "registered_by", ""),
        note=nfc(data.note) or "",
        submission_key=data.submission_key,
        language=data.language,
        status=PledgeStatus.PLEDGED,
        created_at=utcnow(),
    )
    dialect = session.get_bind().dialect.name
    for _attempt in range(REFERENCE_ATTEMPTS):
        ref = new_reference()  # unique index: a collision inserts nothing, and a new reference is drawn
        ident = session.execute(_pledge_insert(dialect), {"reference": ref, **values}).scalar()
        if ident is not None:
            break
        if data.submission_key is not None and pledge_for_submission(session, data.submission_key):
            raise AlreadySubmitted(N_("Cảm ơn quý vị! Đăng ký ủng hộ đã được ghi nhận."))
    else:  # pragma: no cover - 25^7 references; only a broken random source gets here
        raise PledgeError(N_("Không tạo được mã chuyển khoản. Vui lòng thử lại."))
    instalments = []
    if data.schedule == PledgeSchedule.INSTALMENTS:
        instalments = [
            {"pledge_id": ident, "seq": n, "due_on": item.due_on, "amount_vnd": item.amount_vnd}
            for n, item in enumerate(sorted(data.instalments, key=lambda i: i.due_on), start=1)
        ]
        session.execute(insert(PledgeInstalment.__table__), instalments)
    record_rows(
        session,
        [
            entry_values(
                actor,
                "pledge.create",
                "pledge",
                ident,
                new={
                    "reference": ref,
                    "amount_vnd": data.amount_vnd,
                    "kind": data.kind,
                    "schedule": data.schedule,
                    "purpose": data.purpose,
                    "earmark_unit_id": data.earmark_unit_id,
                    "instalments": [[i["due_on"], i["amount_vnd"]] for i in instalments],
                    "claimed_donor_id": getattr(donor, "claims", None),
                },
                unit_id=receiving,
            )
        ],
        into=audit,
    )
    return PledgeRef(ident, ref, method, receiving)


def record_submission(
    session: Session,
    actor: Actor,
    campaign: Campaign | CampaignLike,
    donor: Donor | None,
    donor_input: DonorInput,
    pledge_input: PledgeInput,
    *,
    contact: bool,
) -> tuple[Donor | DonorRef, PledgeRef]:
    """The public form's submission: the donor record of what was typed (or the signed-in donor's own, `donor`),
    the pledge (AlreadySubmitted when its page was already recorded), the form's two privacy consents (publishing
    the name, being contacted), and the audit entries of all of them in one INSERT (BENCHMARKS.md
    `gunicorn.pledge_submit`; tests/pledges/test_submit_statements.py counts the statements)."""
    from app.privacy import services as privacy  # app.privacy.services uses the donors' and pledges' models

    audit: list[dict] = []
    made = donor is None
    who: Donor | DonorRef = insert_donor(session, actor, donor_input, audit=audit) if donor is None else donor
    if pledge_input.earmark_unit_id is not None:  # else the campaign the form showed
        campaign = campaign_for(session, pledge_input.earmark_unit_id) or campaign
    pledge = insert_pledge(session, actor, campaign, who, pledge_input, audit=audit)
    privacy.record_pledge_consents(
        session,
        actor,
        who.id,
        publish_name=not pledge_input.is_anonymous,
        contact=contact,
        new_donor=made,  # made above: nothing to withdraw
        audit=audit,
    )
    record_rows(session, audit)
    return who, pledge


def create_pledge(
    session: Session, actor: Actor, campaign: Campaign, donor: Donor, data: PledgeInput
) -> Pledge:
    """insert_pledge(), as the ORM object."""
    pledge = session.get(Pledge, insert_pledge(session, actor, campaign, donor, data).id)
    assert pledge is not None  # noqa: S101 - inserted in this transaction
    return pledge


# Manual moves allowed by the lifecycle. Paid states follow the money (refresh_status), never a click.
ALLOWED_MOVES: dict[PledgeStatus, frozenset[PledgeStatus]] = {
    PledgeStatus.PLEDGED: frozenset({PledgeStatus.CANCELLED, PledgeStatus.LAPSED}),
    PledgeStatus.PARTLY_PAID: frozenset({PledgeStatus.CANCELLED, PledgeStatus.LAPSED}),
    PledgeStatus.FULFILLED: frozenset(),
    PledgeStatus.CANCELLED: frozenset({PledgeStatus.PLEDGED}),
    PledgeStatus.LAPSED: frozenset({PledgeStatus.PLEDGED}),
}


# Moves made by money received or reversed (refresh_status): revival of a cancelled or lapsed pledge, payment,
# and back after a reversal.
MONEY_MOVES: dict[PledgeStatus, frozenset[PledgeStatus]] = {
    PledgeStatus.PLEDGED: frozenset({PledgeStatus.PARTLY_PAID, PledgeStatus.FULFILLED}),
    PledgeStatus.PARTLY_PAID: frozenset({PledgeStatus.PLEDGED, PledgeStatus.FULFILLED}),
    PledgeStatus.FULFILLED: frozenset({PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID}),
    PledgeStatus.CANCELLED: frozenset({PledgeStatus.PARTLY_PAID, PledgeStatus.FULFILLED}),
    PledgeStatus.LAPSED: frozenset({PledgeStatus.PARTLY_PAID, PledgeStatus.FULFILLED}),
}


def transition(
    session: Session,
    actor: Actor,
    pledge: Pledge,
    target: PledgeStatus,
    *,
    reason: str = "",
    paid: int | None = None,
) -> None:
    """The pledge state machine, the only place a pledge's status changes. By staff or the nightly task: cancel,
    mark lapsed, or reopen (ALLOWED_MOVES). By money (`paid` given, from refresh_status): to partly paid or
    fulfilled, or back after a reversal (MONEY_MOVES); money reviving a cancelled or lapsed pledge gives it a
    fresh grace period, as reopening does. Raises IllegalTransition for any other move."""
    target = PledgeStatus(target)
    old = pledge.status
    if paid is not None:
        if target not in MONEY_MOVES[old]:
            raise IllegalTransition(
                N_(
                    "Không thể chuyển đăng ký %(ref)s từ “%(old)s” sang “%(new)s”.",
                    ref=pledge.reference,
                    old=PLEDGE_STATUS_LABELS[old],
                    new=PLEDGE_STATUS_LABELS[target],
                )
            )
        if old in (PledgeStatus.CANCELLED, PledgeStatus.LAPSED):  # revived by money: a fresh grace period
            pledge.reopened_at = utcnow()
        pledge.status = target  # flushed with the caller's next statement (a statement's pledges in one go)
        record(
            session,
            actor,
            "pledge.status",
            "pledge",
            pledge.id,
            old={"status": old},
            new={"status": target, "paid_vnd": paid},
            unit_id=pledge.receiving_unit_id,
        )
        return
    if target not in ALLOWED_MOVES[old]:
        raise IllegalTransition(
            N_(
                "Không thể chuyển đăng ký %(ref)s từ “%(old)s” sang “%(new)s”.",
                ref=pledge.reference,
                old=PLEDGE_STATUS_LABELS[old],
                new=PLEDGE_STATUS_LABELS[target],
            )
        )
    if target in (PledgeStatus.CANCELLED, PledgeStatus.LAPSED) and not (reason or "").strip():
        raise PledgeError(N_("Lý do: chưa nhập."))
    if target == PledgeStatus.PLEDGED:  # reopened: the money received decides between pledged and partly paid
        received = amount_paid(session, pledge.id)
        target = (
            PledgeStatus.PARTLY_PAID
            if 0 < received < pledge.amount_vnd
            else (PledgeStatus.FULFILLED if received >= pledge.amount_vnd else PledgeStatus.PLEDGED)
        )
        pledge.closed_at = None
        pledge.reopened_at = utcnow()  # automatic lapsing counts its grace period again from today
    else:
        pledge.closed_at = utcnow()
    pledge.status = target
    pledge.close_reason = nfc(reason) or ""
    session.flush()
    record(
        session,
        actor,
        "pledge.status",
        "pledge",
        pledge.id,
        old={"status": old},
        new={"status": target, "reason": pledge.close_reason},
        unit_id=pledge.receiving_unit_id,
    )


def edit_pledge(
    session: Session,
    actor: Actor,
    pledge: Pledge,
    *,
    amount_vnd: int,
    schedule: PledgeSchedule,
    instalments: list[InstalmentInput] | None = None,
    due_on: date | None = None,
) -> None:
    """Staff change the amount or the schedule. Never below what was received; instalments keep summing
    to the amount; instalments already reminded keep that mark; old and new values are audited."""
    if not pledge.is_open:
        raise PledgeError(
            N_("Đăng ký đang ở trạng thái “%(status)s”: không sửa được.", status=pledge.status_label)
        )
    paid = amount_paid(session, pledge.id)
    if amount_vnd < paid:
        raise BelowPaidError(
            N_(
                "Số tiền: không thể giảm xuống %(amount)s, thấp hơn số đã nhận %(paid)s.",
                amount=format_vnd(amount_vnd),
                paid=format_vnd(paid),
            )
        )
    if amount_vnd < MIN_PLEDGE_VND:
        raise PledgeError(N_("Số tiền: tối thiểu %(amount)s.", amount=format_vnd(MIN_PLEDGE_VND)))
    instalments = list(instalments or [])
    if schedule == PledgeSchedule.INSTALMENTS:
        if pledge.kind == PledgeKind.IN_KIND:
            raise PledgeError(N_("Hiện vật: không chia đợt."))
        check_instalments(amount_vnd, instalments)
    old = {
        "amount_vnd": pledge.amount_vnd,
        "schedule": pledge.schedule,
        "due_on": pledge.due_on,
        "instalments": [[i.due_on, i.amount_vnd] for i in pledge.instalments],
    }
    reminded = {(i.due_on, i.amount_vnd): i.reminder_sent_at for i in pledge.instalments}
    pledge.instalments.clear()
    session.flush()
    if schedule == PledgeSchedule.INSTALMENTS:
        for n, item in enumerate(sorted(instalments, key=lambda i: i.due_on), start=1):
            pledge.instalments.append(
                PledgeInstalment(
                    seq=n,
                    due_on=item.due_on,
                    amount_vnd=item.amount_vnd,
                    reminder_sent_at=reminded.get((item.due_on, item.amount_vnd)),
                )
            )
        pledge.due_on = None
    else:
        pledge.due_on = due_on or pledge.due_on or today_vn()
    pledge.amount_vnd = amount_vnd
    pledge.schedule = schedule
    session.flush()
    new = {
        "amount_vnd": pledge.amount_vnd,
        "schedule": pledge.schedule,
        "due_on": pledge.due_on,
        "instalments": [[i.due_on, i.amount_vnd] for i in pledge.instalments],
    }
    record(
        session, actor, "pledge.edit", "pledge", pledge.id, old=old, new=new, unit_id=pledge.receiving_unit_id
    )
    refresh_status(session, actor, pledge)


# ---------------------------------------------------------------------------------------------------------
# What is due
# ---------------------------------------------------------------------------------------------------------
@dataclass
class InstalmentState:
    instalment: PledgeInstalment
    paid_vnd: int
    outstanding_vnd: int
    overdue: bool


def instalment_states(
    session: Session, pledge: Pledge, *, paid: int | None = None, today: date | None = None
) -> list[InstalmentState]:
    """Money received settles instalments in date order."""
    left = amount_paid(session, pledge.id) if paid is None else paid
    today = today or today_vn()
    states = []
    for inst in pledge.instalments:
        covered = min(left, inst.amount_vnd)
        left -= covered
        due = inst.amount_vnd - covered
        states.append(InstalmentState(inst, covered, due, due > 0 and inst.due_on < today and pledge.is_open))
    return states


@dataclass(frozen=True)
class AmountDue:
    """What a transfer for the pledge asks for (issue 19.4): on an instalment plan, the instalment due (every
    overdue instalment's unpaid part, else the next instalment's), with the whole remainder as the other choice."""

    amount_vnd: int  # the default: the instalment(s) due; the remainder for a one-off pledge
    remainder_vnd: int  # everything still outstanding
    first_seq: int | None = None  # the instalments the default settles (None: not an instalment plan)
    last_seq: int | None = None
    due_on: date | None = None  # the last of them's due date

    @property
    def is_instalment(self) -> bool:
        return self.first_seq is not None and self.amount_vnd < self.remainder_vnd


def amount_due(
    session: Session, pledge: Pledge, *, paid: int | None = None, today: date | None = None
) -> AmountDue:
    paid = amount_paid(session, pledge.id) if paid is None else paid
    remainder = max(0, pledge.amount_vnd - paid)
    if pledge.schedule != PledgeSchedule.INSTALMENTS or not pledge.instalments or remainder == 0:
        return AmountDue(remainder, remainder)
    unpaid = [s for s in instalment_states(session, pledge, paid=paid, today=today) if s.outstanding_vnd > 0]
    if not unpaid:  # pragma: no cover - instalments add up to the pledge (check_instalments)
        return AmountDue(remainder, remainder)
    overdue = [s for s in unpaid if s.overdue]
    chosen = overdue or unpaid[:1]
    amount = min(remainder, sum(s.outstanding_vnd for s in chosen))
    return AmountDue(
        amount,
        remainder,
        chosen[0].instalment.seq,
        chosen[-1].instalment.seq,
        chosen[-1].instalment.due_on,
    )


def overdue_amount(session: Session, pledge: Pledge, *, today: date | None = None) -> int:
    if not pledge.is_open:
        return 0
    today = today or today_vn()
    paid = amount_paid(session, pledge.id)
    if pledge.schedule == PledgeSchedule.INSTALMENTS:
        due = sum(i.amount_vnd for i in pledge.instalments if i.due_on < today)
    else:
        due = pledge.amount_vnd if pledge.due_on is not None and pledge.due_on < today else 0
    return max(0, due - paid)


def _overdue_terms(today: date):  # type: ignore[no-untyped-def]
    """Grouped sums (instalments due before `today`, money received per pledge) and the amount due."""
    due_instalments = (
        select(PledgeInstalment.pledge_id, func.sum(PledgeInstalment.amount_vnd).label("due"))
        .where(PledgeInstalment.due_on < today)
        .group_by(PledgeInstalment.pledge_id)
        .subquery()
    )
    paid = (
        select(Contribution.pledge_id, func.sum(Contribution.amount_vnd).label("paid"))
        .where(Contribution.pledge_id.is_not(None), Contribution.status == ContributionStatus.RECORDED)
        .group_by(Contribution.pledge_id)
        .subquery()
    )
    due = case(
        (Pledge.schedule == PledgeSchedule.INSTALMENTS, func.coalesce(due_instalments.c.due, 0)),
        (and_(Pledge.due_on.is_not(None), Pledge.due_on < today), Pledge.amount_vnd),
        else_=0,
    )
    return due_instalments, paid, due


def overdue_clause(today: date) -> ColumnElement[bool]:
    """SQL: the pledge is open and what was due before `today` exceeds what was received. Written as
    grouped sums joined once (hash joins), not per-pledge correlated subqueries, so it stays fast on a
    national table. For a list, only_overdue() is cheaper (no IN over every overdue id)."""
    due_instalments, paid, due = _overdue_terms(today)
    overdue_ids = (
        select(Pledge.id)
        .outerjoin(due_instalments, due_instalments.c.pledge_id == Pledge.id)
        .outerjoin(paid, paid.c.pledge_id == Pledge.id)
        .where(
            Pledge.status.in_([PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID]),
            due > func.coalesce(paid.c.paid, 0),
        )
    )
    return Pledge.id.in_(overdue_ids)


def only_overdue(query, today: date):  # type: ignore[no-untyped-def]
    """A select of pledges narrowed to the overdue ones (as overdue_clause), the grouped sums outer-joined to
    the query's own pledges row: one pass over the table instead of an id list looked up row by row."""
    due_instalments, paid, due = _overdue_terms(today)
    return (
        query.outerjoin(due_instalments, due_instalments.c.pledge_id == Pledge.id)
        .outerjoin(paid, paid.c.pledge_id == Pledge.id)
        .where(
            Pledge.status.in_([PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID]),
            # implied by the next line; lets the scan drop pledges not yet due before the joins
            or_(Pledge.schedule == PledgeSchedule.INSTALMENTS, Pledge.due_on < today),
            due > func.coalesce(paid.c.paid, 0),
        )
    )


# ---------------------------------------------------------------------------------------------------------
# Reminders and digests (called by the Celery tasks)
# ---------------------------------------------------------------------------------------------------------
def _claim_reminder(session: Session, instalment_id: int) -> bool:
    """Mark the instalment as reminded; False when someone (another worker, an earlier run) already did."""
    result = session.execute(
        update(PledgeInstalment)
        .where(PledgeInstalment.id == instalment_id, PledgeInstalment.reminder_sent_at.is_(None))
        .values(reminder_sent_at=utcnow())
    )
    return rowcount(result) == 1


REMINDER_DAYS = 3  # an instalment is reminded this many days before it is due (issue 19.6)


def instalment_reminders(
    session: Session, *, days: int = REMINDER_DAYS, today: date | None = None
) -> list[tuple[Pledge, InstalmentState]]:
    """Claim (once and for all) the instalments due within `days` that still expect money."""
    today = today or today_vn()
    rows = (
        session.execute(
            select(PledgeInstalment)
            .join(Pledge)
            .where(
                PledgeInstalment.due_on >= today,
                PledgeInstalment.due_on <= today + timedelta(days=days),
                PledgeInstalment.reminder_sent_at.is_(None),
                Pledge.status.in_([PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID]),
                Pledge.reminders_paused_at.is_(None),  # a paused monthly gift (app.recurring) is not reminded
            )
            .order_by(PledgeInstalment.due_on, PledgeInstalment.id)
        )
        .scalars()
        .all()
    )
    claimed = []
    for inst in rows:
        pledge = inst.pledge
        state = next(s for s in instalment_states(session, pledge, today=today) if s.instalment.id == inst.id)
        if state.outstanding_vnd <= 0 or not (pledge.contact_email or pledge.donor.phone):
            continue
        if _claim_reminder(session, inst.id):
            claimed.append((pledge, state))
    return claimed


def overdue_pledges_for(
    session: Session, user: User, *, today: date | None = None, limit: int | None = None
) -> list[Pledge]:
    today = today or today_vn()
    q = (
        select(Pledge)
        .where(
            overdue_clause(today),
            or_(
                unit_scope_clause(user, Pledge.receiving_unit_id),
                unit_scope_clause(user, Pledge.earmark_unit_id),
            ),
        )
        .order_by(Pledge.id)
    )
    if limit:
        q = q.limit(limit)
    return list(session.execute(q).scalars())


def staff_to_notify(session: Session, unit_ids: list[int | None]) -> list:
    """Active commune/province staff covering any of the units (a province's staff cover its communes)."""

    wanted: set[int] = set()
    for uid in unit_ids:
        unit = session.get(AdminUnit, uid) if uid else None
        while unit is not None:
            wanted.add(unit.id)
            unit = unit.parent
    if not wanted:
        return []
    return list(
        session.execute(
            select(User).where(
                User.unit_id.in_(wanted),
                User.is_active_account.is_(True),
                User.role.in_([Role.COMMUNE_STAFF, Role.PROVINCE_STAFF]),
            )
        ).scalars()
    )


# ---------------------------------------------------------------------------------------------------------
# Automatic lapsing (called by the Celery task pledges.lapse_overdue_pledges)
# ---------------------------------------------------------------------------------------------------------
LAPSE_ACTOR = Actor.system("pledges.lapse_overdue_pledges")


def last_due_on(pledge: Pledge) -> date | None:
    """The day the last money of the pledge was due: its last instalment, or the single due date."""
    if pledge.schedule == PledgeSchedule.INSTALMENTS:
        return max((i.due_on for i in pledge.instalments), default=None)
    return pledge.due_on


def _vn_day(moment: datetime) -> date:
    """The Vietnam calendar day of a stored timestamp (UTC, as UTCDateTime hands it back)."""
    return moment.astimezone(VN_TZ).date()


def lapse_candidates(session: Session, *, after_days: int, today: date | None = None) -> list[int]:
    """Ids of open pledges (nothing or part received) whose last due date is more than `after_days` days
    past. Pledges without a due date are never overdue, so they never lapse by themselves."""
    cutoff = (today or today_vn()) - timedelta(days=after_days)
    last_instalment = (
        select(PledgeInstalment.pledge_id, func.max(PledgeInstalment.due_on).label("last_due"))
        .group_by(PledgeInstalment.pledge_id)
        .subquery()
    )
    last_due = case(
        (Pledge.schedule == PledgeSchedule.INSTALMENTS, last_instalment.c.last_due), else_=Pledge.due_on
    )
    return list(
        session.execute(
            select(Pledge.id)
            .outerjoin(last_instalment, last_instalment.c.pledge_id == Pledge.id)
            .where(
                Pledge.status.in_([PledgeStatus.PLEDGED, PledgeStatus.PARTLY_PAID]),
                Pledge.reminders_paused_at.is_(None),  # a paused monthly gift does not lapse while paused
                last_due < cutoff,
            )
            .order_by(Pledge.id)
        ).scalars()
    )


def lapse_overdue(
    session: Session,
    pledge_ids: list[int],
    *,
    after_days: int,
    today: date | None = None,
    actor: Actor = LAPSE_ACTOR,
) -> list[int]:
    """Lapse these pledges if they still qualify once locked (a payment, an edit or a reopening since the
    candidates were listed wins). Payments already received stay recorded. A pledge reopened by staff, or
    revived by money, gets a fresh grace period from that day. Returns the ids lapsed; audited one by one."""
    today = today or today_vn()
    cutoff = today - timedelta(days=after_days)
    lapsed: list[int] = []
    for pledge_id in pledge_ids:
        pledge = session.execute(
            select(Pledge)
            .where(Pledge.id == pledge_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if pledge is None or not pledge.is_open:
            continue
        last = last_due_on(pledge)
        if last is None or last >= cutoff:
            continue
        if pledge.reopened_at is not None and _vn_day(pledge.reopened_at) >= cutoff:
            continue
        paid = amount_paid(session, pledge.id)
        if paid >= pledge.amount_vnd:  # fully paid but not yet refreshed: the money decides
            refresh_status(session, actor, pledge)
            continue
        reason = (
            f"Tự động: quá {after_days} ngày sau hạn nộp cuối {last:%d/%m/%Y}; đã nhận {format_vnd(paid)} "
            f"trên {format_vnd(pledge.amount_vnd)}."
        )
        transition(session, actor, pledge, PledgeStatus.LAPSED, reason=reason)
        pledge.auto_lapsed_at = utcnow()
        pledge.lapse_notified_at = None
        session.flush()
        lapsed.append(pledge.id)
    return lapsed


def claim_lapse_notices(session: Session, *, limit: int = 500) -> list[Pledge]:
    """Claim (once per lapse) the automatically lapsed pledges whose donor has not been told yet. The mark is
    set here and committed by the caller before any mail goes, so a retried or concurrent run never sends
    twice."""
    ids = list(
        session.execute(
            select(Pledge.id)
            .where(
                Pledge.status == PledgeStatus.LAPSED,
                Pledge.auto_lapsed_at.is_not(None),
                Pledge.lapse_notified_at.is_(None),
            )
            .order_by(Pledge.id)
            .limit(limit)
        ).scalars()
    )
    claimed = []
    for pledge_id in ids:
        result = session.execute(
            update(Pledge)
            .where(Pledge.id == pledge_id, Pledge.lapse_notified_at.is_(None))
            .values(lapse_notified_at=utcnow())
        )
        if rowcount(result) == 1:
            claimed.append(pledge_id)
    return [session.get_one(Pledge, i) for i in claimed]
