"""Agency collections: register, confirm the e-mail, upload the staff list (checked whole: nothing kept unless every
row is right), confirm it (one pledge for the total, a lookup code per line), and look a line up by its code.

Why a package of its own and not inside app/pledges: the collection is a pledge for the money (reference, QR,
statuses, excess rule, reminders: all the pledge's) plus a list and codes that only agencies have; the money is
split by app.contributions.receive (app.agencies.split), never here.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.accounts.access import unit_scope_clause
from app.accounts.models import User
from app.agencies.models import AgencyCollection, AgencyLine, AgencyStatus
from app.audit.services import record
from app.campaigns.models import Campaign
from app.collections.services import CollectionError, _amount, _text, read_table
from app.contributions.models import Contribution, ContributionStatus
from app.core import outbox
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.messages import N_
from app.core.money import AmountError, format_vnd
from app.core.spreadsheet import SafeCSVWriter
from app.core.text import fold, sql_fold
from app.core.transaction import DomainError
from app.core.uploads import UploadError, store_bytes
from app.donors.models import DonorKind
from app.pledges.models import Pledge
from app.pledges.services import (
    MIN_PLEDGE_VND,
    DonorInput,
    PledgeInput,
    PledgeRef,
    insert_donor,
    insert_pledge,
)

HEADERS = ("Họ tên", "Số tiền", "Ghi chú", "Công khai tên")
FIELDS = ("name", "amount", "note", "publish")
OPTIONAL = frozenset({"note", "publish"})
MAX_LINES = 5_000
MAX_NAME = 200
MAX_NOTE = 500
YES = frozenset({"co", "x", "1", "yes", "true", "dong y"})
NO = frozenset({"", "khong", "0", "no", "false"})

# Lookup codes: 8 characters of Crockford's base32 (digits and letters without I, L, O, U), 40 random bits from
# `secrets`; read back ignoring case, spaces and hyphens, with O read as 0 and I/L as 1 as Crockford specifies
# (https://www.crockford.com/base32.html).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{8}$")


class AgencyError(DomainError):
    """A refused agency action; the message is Vietnamese and names the field or the row."""


# ---------------------------------------------------------------------------------------------------- codes
def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """The code typed ("abcd-efgh", "ABCD EFGH", "0O1I…" read the Crockford way), or None when it cannot be one."""
    raw = re.sub(r"[\s\-.]", "", text or "").upper().replace("O", "0").replace("I", "1").replace("L", "1")
    return raw if _CODE_RE.match(raw) else None


def show_code(code: str | None) -> str:
    return f"{code[:4]}-{code[4:]}" if code else ""


# ---------------------------------------------------------------------------------------------------- register
@dataclass
class AgencyInput:
    name: str
    email: str
    contact_person: str = ""
    tax_code: str | None = None
    phone: str | None = None


def register(session: Session, actor: Actor, campaign: Campaign, data: AgencyInput) -> AgencyCollection:
    """A new collection waiting for its e-mail to be confirmed (app.agencies.notify sends the link on commit)."""
    name = (data.name or "").strip()
    if not name:
        raise AgencyError(N_("Tên cơ quan, đơn vị: chưa nhập."), field="name")
    if not data.email:
        raise AgencyError(N_("E-mail: chưa nhập."), field="email")
    collection = AgencyCollection(
        campaign_id=campaign.id,
        name=name,
        tax_code=data.tax_code,
        contact_person=(data.contact_person or "").strip(),
        email=data.email,
        phone=data.phone,
        status=AgencyStatus.REGISTERED,
    )
    session.add(collection)
    session.flush()
    record(
        session,
        actor,
        "agency.register",
        "agency_collection",
        collection.id,
        new={
            "name": name,
            "tax_code": data.tax_code,
            "email": data.email,
            "contact_person": data.contact_person,
        },
    )
    return collection


def verify_email(session: Session, actor: Actor, collection: AgencyCollection) -> bool:
    """The link mailed to the agency was opened: its e-mail is confirmed (once; later visits change nothing)."""
    if collection.verified_at is not None:
        return False
    collection.verified_at = utcnow()
    collection.status = AgencyStatus.VERIFIED
    record(
        session,
        actor,
        "agency.verify",
        "agency_collection",
        collection.id,
        old={"status": AgencyStatus.REGISTERED},
        new={"status": AgencyStatus.VERIFIED, "email": collection.email},
    )
    return True


# ---------------------------------------------------------------------------------------------------- the list
@dataclass
class CheckedLine:
    row_no: int
    name: str = ""
    amount_vnd: int = 0
    note: str = ""
    publish: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class ListCheck:
    lines: list[CheckedLine]

    @property
    def errors(self) -> list[CheckedLine]:
        return [line for line in self.lines if line.errors]

    @property
    def total_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines if not line.errors)


def check_line(row_no: int, values: dict[str, object]) -> CheckedLine:
    out = CheckedLine(row_no=row_no)
    out.name = _text(values.get("name"))
    if not out.name:
        out.errors.append(N_("Họ tên: chưa nhập."))
    elif len(out.name) > MAX_NAME:
        out.errors.append(N_("Họ tên: quá dài (tối đa %(max)s ký tự).", max=MAX_NAME))
    raw_amount = values.get("amount")
    if not _text(raw_amount):
        out.errors.append(N_("Số tiền: chưa nhập."))
    else:
        try:
            out.amount_vnd = _amount(raw_amount)
        except (AmountError, CollectionError) as exc:
            out.errors.append(exc.args[0] if len(exc.args) == 1 else str(exc))  # an N_ message
        else:
            if out.amount_vnd <= 0:
                out.errors.append(N_("Số tiền: phải lớn hơn 0."))
    out.note = _text(values.get("note"))
    if len(out.note) > MAX_NOTE:
        out.errors.append(N_("Ghi chú: quá dài (tối đa %(max)s ký tự).", max=MAX_NOTE))
    publish = fold(_text(values.get("publish")))
    if publish in YES:
        out.publish = True
    elif publish not in NO:
        out.errors.append(
            N_(
                "Công khai tên: “%(value)s” không hiểu; ghi “có” hoặc “không”.",
                value=_text(values.get("publish")),
            )
        )
    return out


def check_list(kind: str, data: bytes) -> ListCheck:
    """Read and check every row of a staff list (the shared safe readers of app.collections and app.core.uploads)."""
    lines: list[CheckedLine] = []
    for n, (row_no, values) in enumerate(read_table(kind, data, HEADERS, FIELDS, OPTIONAL), start=1):
        if n > MAX_LINES:
            raise AgencyError(
                N_("Danh sách có quá %(max_lines)s dòng; hãy chia thành nhiều đợt thu.", max_lines=MAX_LINES)
            )
        lines.append(check_line(row_no, values))
    if not lines:
        raise AgencyError(N_("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."))
    return ListCheck(lines)


def upload_list(
    session: Session, actor: Actor, collection: AgencyCollection, kind: str, data: bytes, original_name: str
) -> ListCheck:
    """Check the file; when every row is right keep it as the collection's list to preview (replacing an earlier
    one not yet confirmed). A file with any wrong row keeps nothing: the check is returned with its errors."""
    if collection.status not in (AgencyStatus.VERIFIED, AgencyStatus.PREVIEW):
        raise AgencyError(
            N_(
                N_("Đợt thu đang ở trạng thái “%(status_label)s”: không tải danh sách được."),
                status_label=collection.status_label,
            )
        )
    if kind not in ("csv", "xlsx"):
        raise UploadError(N_("Loại tệp không được chấp nhận; chỉ nhận: CSV, Excel .xlsx."))
    try:
        result = check_list(kind, data)
    except CollectionError as exc:  # wrong headers, an empty file: the shared reader's messages
        raise AgencyError(str(exc)) from exc
    if result.errors:
        return result
    if result.total_vnd < MIN_PLEDGE_VND:
        raise AgencyError(
            N_(
                "Tổng danh sách %(total)s: tối thiểu %(minimum)s.",
                total=format_vnd(result.total_vnd),
                minimum=format_vnd(MIN_PLEDGE_VND),
            )
        )
    stored = store_bytes(data, kind, original_name, "agencies")
    collection.lines.clear()
    session.flush()
    for seq, line in enumerate(result.lines, start=1):
        collection.lines.append(
            AgencyLine(
                seq=seq,
                row_no=line.row_no,
                full_name=line.name,
                amount_vnd=line.amount_vnd,
                note=line.note,
                publish_name=line.publish,
            )
        )
    collection.total_vnd = result.total_vnd
    collection.original_name = stored.original_name
    collection.file_sha256 = stored.sha256
    old_status = collection.status
    collection.status = AgencyStatus.PREVIEW
    session.flush()
    record(
        session,
        actor,
        "agency.list.upload",
        "agency_collection",
        collection.id,
        old={"status": old_status},
        new={
            "status": AgencyStatus.PREVIEW,
            "file": stored.original_name,
            "sha256": stored.sha256,
            "rows": len(result.lines),
            "amount_vnd": result.total_vnd,
        },
    )
    return result


def confirm(session: Session, actor: Actor, collection: AgencyCollection) -> PledgeRef:
    """Fix the list: the agency's donor record and ONE pledge for the total (its reference and QR are what the
    agency pays with), a lookup code per line, the pledge's confirmation mail queued."""
    if collection.status != AgencyStatus.PREVIEW or not collection.lines:
        raise AgencyError(
            N_(
                "Đợt thu đang ở trạng thái “%(status_label)s”: không chốt được.",
                status_label=collection.status_label,
            )
        )
    donor = insert_donor(
        session,
        actor,
        DonorInput(
            kind=DonorKind.ORGANISATION,
            name=collection.name,
            tax_code=collection.tax_code,
            contact_person=collection.contact_person,
            email=collection.email,
            phone=collection.phone,
        ),
    )
    campaign = session.get_one(Campaign, collection.campaign_id)
    pledge = insert_pledge(
        session,
        actor,
        campaign,
        donor,
        PledgeInput(
            amount_vnd=collection.total_vnd,
            contact_email=collection.email,
            note=f"Thu theo danh sách cơ quan: {len(collection.lines)} người.",
        ),
    )
    codes: set[str] = set()
    while len(codes) < len(collection.lines):
        fresh = {new_code() for _ in range(len(collection.lines) - len(codes))} - codes
        taken = set(session.execute(select(AgencyLine.code).where(AgencyLine.code.in_(fresh))).scalars())
        codes |= fresh - taken
    for line, code in zip(collection.lines, list(codes), strict=True):
        line.code = code
    collection.donor_id = donor.id
    collection.pledge_id = pledge.id
    collection.status = AgencyStatus.CONFIRMED
    collection.confirmed_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "agency.confirm",
        "agency_collection",
        collection.id,
        old={"status": AgencyStatus.PREVIEW},
        new={
            "status": AgencyStatus.CONFIRMED,
            "pledge_id": pledge.id,
            "reference": pledge.reference,
            "amount_vnd": collection.total_vnd,
            "rows": len(collection.lines),
        },
        unit_id=pledge.receiving_unit_id,
    )
    for name in ["pledges.send_confirmation"] + (
        ["pledges.ask_business"] if donor.claims is not None else []
    ):
        outbox.enqueue(session, name, pledge.id, dedupe_key=f"{name}:{pledge.id}")
    return pledge


# ---------------------------------------------------------------------------------------------------- reading
@dataclass
class LineState:
    line: AgencyLine
    paid_vnd: int

    @property
    def outstanding_vnd(self) -> int:
        return max(0, self.line.amount_vnd - self.paid_vnd)


def line_states(session: Session, collection: AgencyCollection) -> list[LineState]:
    paid = dict(
        session.execute(
            select(Contribution.agency_line_id, func.sum(Contribution.amount_vnd))
            .join(AgencyLine, AgencyLine.id == Contribution.agency_line_id)
            .where(
                AgencyLine.collection_id == collection.id, Contribution.status == ContributionStatus.RECORDED
            )
            .group_by(Contribution.agency_line_id)
        ).all()
    )
    return [LineState(line, int(paid.get(line.id, 0))) for line in collection.lines]


def codes_csv(session: Session, collection: AgencyCollection, lookup_url: str) -> str:
    """The list the agency hands out: each staff member's line and lookup code (neutralised CSV, for Excel)."""
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
    writer = SafeCSVWriter(buf)
    writer.writerow(
        ["STT", "Họ tên", "Số tiền", "Ghi chú", "Công khai tên", "Mã tra cứu", "Đã nhận", "Tra cứu tại"]
    )
    for state in line_states(session, collection):
        line = state.line
        writer.writerow(
            [
                line.seq,
                line.full_name,
                line.amount_vnd,
                line.note,
                "có" if line.publish_name else "không",
                show_code(line.code),
                state.paid_vnd,
                lookup_url,
            ]
        )
    return buf.getvalue()


@dataclass
class Receipt:
    receipt_no: str
    received_on: date
    amount_vnd: int
    public_name: str


@dataclass
class Lookup:
    """What the public lookup shows for one code: that line only, and its agency."""

    code: str
    public_name: str
    agency_name: str
    amount_vnd: int
    paid_vnd: int
    reference: str
    receipts: list[Receipt]

    @property
    def outstanding_vnd(self) -> int:
        return max(0, self.amount_vnd - self.paid_vnd)


def lookup(session: Session, text: str) -> Lookup | None:
    """The line a staff member's code names, with the money received for it; None for an unknown code."""
    from app.agencies.split import public_name

    code = normalize_code(text)
    if code is None:
        return None
    row = session.execute(
        select(AgencyLine, AgencyCollection.name, Pledge.reference)
        .join(AgencyCollection, AgencyCollection.id == AgencyLine.collection_id)
        .join(Pledge, Pledge.id == AgencyCollection.pledge_id)
        .where(AgencyLine.code == code, AgencyCollection.status == AgencyStatus.CONFIRMED)
    ).first()
    if row is None:
        return None
    line, agency_name, reference = row
    receipts = [
        Receipt(c.receipt_no, c.received_on, c.amount_vnd, c.public_name)
        for c in session.execute(
            select(Contribution)
            .where(Contribution.agency_line_id == line.id, Contribution.status == ContributionStatus.RECORDED)
            .order_by(Contribution.received_at, Contribution.id)
        ).scalars()
    ]
    return Lookup(
        code=show_code(code),
        public_name=public_name(line.full_name, line.publish_name, agency_name),
        agency_name=agency_name,
        amount_vnd=line.amount_vnd,
        paid_vnd=sum(r.amount_vnd for r in receipts),
        reference=reference,
        receipts=receipts,
    )


# ----------------------------------------------------------------------------------------- staff list
STAFF_PAGE = 50


@dataclass(frozen=True)
class StaffLine:
    line: AgencyLine
    agency_name: str
    reference: str
    paid_vnd: int

    @property
    def code(self) -> str:
        return show_code(self.line.code)


def staff_lines(
    session: Session, user: User, *, q: str = "", paid: str = "", page: int = 1
) -> tuple[list[StaffLine], int]:
    """The lines of confirmed agency collections whose pledge is received in the staff member's area (a province
    sees its communes'), newest collection first, STAFF_PAGE a page. `q` finds a staff member's or an agency's
    name, with or without diacritics, or a lookup code; `paid`: "yes" (fully received), "no" (not yet, or partly).
    Returns (the page's lines, how many match)."""
    received = (
        select(func.coalesce(func.sum(Contribution.amount_vnd), 0))
        .where(
            Contribution.agency_line_id == AgencyLine.id, Contribution.status == ContributionStatus.RECORDED
        )
        .scalar_subquery()
    )
    stmt = (
        select(AgencyLine, AgencyCollection.name, Pledge.reference, received)
        .join(AgencyCollection, AgencyCollection.id == AgencyLine.collection_id)
        .join(Pledge, Pledge.id == AgencyCollection.pledge_id)
        .where(unit_scope_clause(user, Pledge.receiving_unit_id))
    )
    if q.strip():
        typed = fold(q)
        code = normalize_code(q)
        match = or_(
            sql_fold(AgencyLine.full_name).like(f"%{typed}%"),
            sql_fold(AgencyCollection.name).like(f"%{typed}%"),
        )
        stmt = stmt.where(or_(match, AgencyLine.code == code) if code else match)
    if paid == "yes":
        stmt = stmt.where(received >= AgencyLine.amount_vnd)
    elif paid == "no":
        stmt = stmt.where(received < AgencyLine.amount_vnd)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(AgencyCollection.id.desc(), AgencyLine.seq)
        .limit(STAFF_PAGE)
        .offset((max(page, 1) - 1) * STAFF_PAGE)
    ).all()
    return [StaffLine(line, name, ref, int(got)) for line, name, ref, got in rows], total
