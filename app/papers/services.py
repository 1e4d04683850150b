"""Papers a business files (issue 19.3): the sponsorship confirmation record per gift or per year, the
receipt as a signed PDF, their verification, and e-mailing a record.

A record is a snapshot of the gifts it covers, numbered per receiving committee and year and signed with the
certificates' key (app.certificates.signing, kind KIND_SPONSORSHIP). Asking again for the same gift or year
returns the same record while its facts hold; when they changed (a gift reversed, another gift that year, the
business renamed), a new record replaces it and the old one's verification page names its successor.
A receipt needs no row: its signed facts (number, committee, amount, day, channel) never change once
recorded, and its status (reversed or not) is read at verification.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record as audit
from app.certificates import signing
from app.certificates.services import issuer_for, issuer_images, signer_for
from app.contributions.models import CHANNEL_LABELS, Channel, Contribution, ContributionStatus
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.i18n import format_date_vn, in_language, today_vn
from app.core.mail import Attachment, Mail, send_mail
from app.core.messages import N_
from app.core.money import format_vnd
from app.core.sequences import next_numbers
from app.core.transaction import DomainError
from app.core.web import public_url
from app.donors.models import Donor, DonorKind
from app.ledger.models import PURPOSE_LABELS
from app.papers.models import SponsorshipRecord
from app.papers.pdf import PaymentLine, ReceiptPrint, RecordPrint, render_receipt, render_record
from app.papers.rules import BY_KEY, rule_for

BUSINESS_KINDS = (DonorKind.BUSINESS, DonorKind.ORGANISATION)


class PaperError(DomainError):
    pass


def _nfc(value: object) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


# ----------------------------------------------------------------------------------------- receipts
def receipt_data(c: Contribution) -> bytes:
    """What a receipt's signature covers: the facts that never change once the money is recorded."""
    fields = [
        "chungtay-receipt-v1",
        str(c.id),
        c.receipt_no,
        c.receiving_unit_key,
        str(int(c.amount_vnd)),
        c.received_on.isoformat(),
        str(c.channel),
    ]
    return "\x1f".join(_nfc(f) for f in fields).encode("utf-8")


def receipt_code(c: Contribution) -> str:
    return signing.sign_paper(signing.KIND_RECEIPT, int(c.id), receipt_data(c))


def receipt_verify_url(c: Contribution) -> str:
    """The address in a receipt's QR code (issue 19.3). Receipts printed before it carried the public statement
    entry's address (transparency.contribution), which still opens."""
    return public_url("certificates.verify", code=receipt_code(c))


def payer_name(c: Contribution) -> str:
    return c.donor.name if (c.donor is not None and not c.is_anonymous) else c.public_name


def place_date(session: Session, c: Contribution) -> str:
    day = c.received_on
    place = issuer_for(session, c.receiving_unit_id).place
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def receipt_pdf(session: Session, c: Contribution) -> bytes:
    issuer = issuer_for(session, c.receiving_unit_id)
    donor = c.donor
    return render_receipt(
        ReceiptPrint(
            receipt_no=c.receipt_no,
            issuer_name=issuer.name,
            place=issuer.place,
            received_on=c.received_on,
            payer_name=payer_name(c),
            tax_code=(donor.tax_code or "") if donor else "",
            address=(donor.address or "") if donor else "",
            channel=c.channel_label,
            amount_vnd=c.amount_vnd,
            purpose_text=PURPOSE_LABELS[c.purpose],
            pledge_reference=c.pledge_reference or "",
            bank_ref=c.bank_txn_ref or "",
            in_kind=c.in_kind_description or "",
            reversed=c.status == ContributionStatus.REVERSED,
            verify_url=receipt_verify_url(c),
        )
    )


# ----------------------------------------------------------------------------------------- records
def _gifts(session: Session, donor_id: int, *, contribution_id: int | None = None, year: int | None = None,
           unit_key: str | None = None) -> list[Contribution]:  # fmt: skip
    q = select(Contribution).where(
        Contribution.donor_id == donor_id, Contribution.status == ContributionStatus.RECORDED
    )
    if contribution_id is not None:
        q = q.where(Contribution.id == contribution_id)
    else:
        assert year is not None
        q = q.where(
            Contribution.received_on >= date(year, 1, 1),
            Contribution.received_on <= date(year, 12, 31),
            Contribution.receiving_unit_key == unit_key,
        )
    return list(session.execute(q.order_by(Contribution.received_on, Contribution.id)).scalars())


def _form_text(gifts: list[Contribution]) -> str:
    channels = sorted({g.channel for g in gifts}, key=list(Channel).index)
    money = [CHANNEL_LABELS[ch].lower() for ch in channels if ch != Channel.IN_KIND]
    parts = []
    if money:
        parts.append(f"Bằng tiền ({', '.join(money)})")
    if Channel.IN_KIND in channels:
        parts.append("Bằng hiện vật (theo giá trị ước tính)")
    return "; ".join(parts)


def _purpose_text(gifts: list[Contribution]) -> str:
    labels = list(dict.fromkeys(PURPOSE_LABELS[g.purpose] for g in gifts))
    return (
        "Ủng hộ Quỹ “Vì người nghèo” để hỗ trợ hộ nghèo, làm nhà cho người nghèo và nhà Đại đoàn kết "
        f"– hạng mục: {'; '.join(labels)}"
    )


def _payments(gifts: list[Contribution]) -> list[dict[str, object]]:
    return [
        {
            "id": g.id,
            "receipt_no": g.receipt_no,
            "received_on": g.received_on.isoformat(),
            "channel": g.channel_label,
            "bank_ref": g.bank_txn_ref or "",
            "amount_vnd": int(g.amount_vnd),
        }
        for g in gifts
    ]


def _current(session: Session, donor_id: int, contribution_id: int | None, year: int | None,
             unit_key: str) -> SponsorshipRecord | None:  # fmt: skip
    q = select(SponsorshipRecord).where(
        SponsorshipRecord.donor_id == donor_id,
        SponsorshipRecord.issuer_unit_key == unit_key,
        SponsorshipRecord.superseded_by_id.is_(None),
    )
    q = (
        q.where(SponsorshipRecord.contribution_id == contribution_id)
        if contribution_id is not None
        else q.where(SponsorshipRecord.year == year, SponsorshipRecord.contribution_id.is_(None))
    )
    return session.execute(q.order_by(SponsorshipRecord.id.desc()).limit(1)).scalar_one_or_none()


def _issue(session: Session, actor: Actor, donor: Donor, gifts: list[Contribution], *,
           contribution_id: int | None, year: int | None) -> SponsorshipRecord:  # fmt: skip
    if donor.kind not in BUSINESS_KINDS:
        raise PaperError(N_("Biên bản xác nhận tài trợ chỉ lập cho doanh nghiệp, cơ quan, tổ chức."))
    if not gifts:
        raise PaperError(N_("Không có khoản ủng hộ nào đã ghi nhận để lập biên bản."))
    unit_key = gifts[0].receiving_unit_key
    issuer = issuer_for(session, gifts[0].receiving_unit_id)
    payments = _payments(gifts)
    current = _current(session, donor.id, contribution_id, year, unit_key)
    if (
        current is not None
        and current.payments == payments
        and current.donor_name == _nfc(donor.name)
        and current.tax_code == (donor.tax_code or "")
    ):
        return current
    rule = rule_for(gifts[0].received_on if year is None else date(year, 1, 1))
    signer_name, signer_title, _profile = signer_for(session, issuer)
    today = today_vn()
    n = next_numbers(session, f"sponsorship:{unit_key}:{today.year}", 1)[0]
    rec = SponsorshipRecord(
        number=f"BBTT-{issuer.code}-{today.year}-{n:06d}",
        donor_id=donor.id,
        contribution_id=contribution_id,
        year=year,
        issuer_unit_id=issuer.unit_id,
        issuer_unit_key=unit_key,
        issuer_name=issuer.name,
        place=issuer.place,
        donor_name=_nfc(donor.name),
        tax_code=donor.tax_code or "",
        donor_address=_nfc(donor.address),
        donor_representative=_nfc(donor.contact_person),
        amount_vnd=sum(int(g.amount_vnd) for g in gifts),
        purpose_text=_purpose_text(gifts),
        form_text=_form_text(gifts),
        payments=payments,
        rule_key=rule.key,
        issued_on=today,
        signer_name=signer_name,
        signer_title=signer_title,
        created_by_id=actor.user_id,
    )
    session.add(rec)
    session.flush()
    if current is not None:
        current.superseded_by_id = rec.id
    audit(
        session,
        actor,
        "papers.record_issue",
        "sponsorship_record",
        rec.id,
        new={
            "number": rec.number,
            "amount_vnd": rec.amount_vnd,
            "year": year,
            "contribution_id": contribution_id,
            "replaces": current.number if current is not None else None,
        },
        unit_id=issuer.unit_id,
    )
    session.flush()
    return rec


def record_for_gift(session: Session, actor: Actor, donor_id: int, contribution_id: int) -> SponsorshipRecord:
    """The record of one gift of the donor (issued on first request, the same one after)."""
    donor = session.get_one(Donor, donor_id)
    gifts = _gifts(session, donor_id, contribution_id=contribution_id)
    return _issue(session, actor, donor, gifts, contribution_id=contribution_id, year=None)


def record_for_year(
    session: Session, actor: Actor, donor_id: int, year: int, unit_key: str
) -> SponsorshipRecord:
    """The record of the donor's gifts received by one committee in a calendar year."""
    donor = session.get_one(Donor, donor_id)
    gifts = _gifts(session, donor_id, year=year, unit_key=unit_key)
    return _issue(session, actor, donor, gifts, contribution_id=None, year=year)


@dataclass(frozen=True)
class YearGroup:
    year: int
    unit_key: str
    issuer_name: str
    count: int
    amount_vnd: int


def year_groups(session: Session, donor_id: int) -> list[YearGroup]:
    """The (year, receiving committee) pairs of a donor's recorded gifts, newest year first."""
    groups: dict[tuple[int, str], list[Contribution]] = {}
    for g in session.execute(
        select(Contribution).where(
            Contribution.donor_id == donor_id, Contribution.status == ContributionStatus.RECORDED
        )
    ).scalars():
        groups.setdefault((g.received_on.year, g.receiving_unit_key), []).append(g)
    out = [
        YearGroup(
            year,
            key,
            issuer_for(session, gifts[0].receiving_unit_id).name,
            len(gifts),
            sum(int(g.amount_vnd) for g in gifts),
        )
        for (year, key), gifts in groups.items()
    ]
    return sorted(out, key=lambda g: (-g.year, g.unit_key))


def record_data(rec: SponsorshipRecord) -> bytes:
    fields = [
        "chungtay-sponsorship-v1",
        str(rec.id),
        rec.number,
        rec.donor_name,
        rec.tax_code,
        str(int(rec.amount_vnd)),
        rec.issued_on.isoformat(),
        rec.issuer_unit_key,
        rec.rule_key,
        ",".join(str(p["receipt_no"]) for p in rec.payments),
    ]
    return "\x1f".join(_nfc(f) for f in fields).encode("utf-8")


def record_code(rec: SponsorshipRecord) -> str:
    return signing.sign_paper(signing.KIND_SPONSORSHIP, int(rec.id), record_data(rec))


def record_verify_url(rec: SponsorshipRecord) -> str:
    return public_url("certificates.verify", code=record_code(rec))


def period_text(rec: SponsorshipRecord) -> str:
    if rec.year is not None:
        return f"các khoản tài trợ năm {rec.year}"
    day = date.fromisoformat(str(rec.payments[0]["received_on"]))
    return f"khoản tài trợ ngày {day:%d/%m/%Y}"


def record_print(
    session: Session, rec: SponsorshipRecord, images: tuple[bytes | None, bytes | None] | None = None
) -> RecordPrint:
    rule = BY_KEY[rec.rule_key]
    seal, signature = images if images is not None else issuer_images(session, rec.issuer_unit_id)
    return RecordPrint(
        number=rec.number,
        form_name=rule.form_name,
        basis=rule.basis,
        dossier=rule.dossier,
        issuer_name=rec.issuer_name,
        place=rec.place,
        issued_on=rec.issued_on,
        donor_name=rec.donor_name,
        tax_code=rec.tax_code,
        donor_address=rec.donor_address,
        donor_representative=rec.donor_representative,
        amount_vnd=rec.amount_vnd,
        form_text=rec.form_text,
        purpose_text=rec.purpose_text,
        period_text=period_text(rec),
        payments=tuple(
            PaymentLine(
                receipt_no=str(p["receipt_no"]),
                received_on=date.fromisoformat(str(p["received_on"])),
                channel=str(p["channel"]),
                bank_ref=str(p["bank_ref"]),
                amount_vnd=int(str(p["amount_vnd"])),
            )
            for p in rec.payments
        ),
        verify_url=record_verify_url(rec),
        signer_name=rec.signer_name,
        signer_title=rec.signer_title,
        seal_png=seal,
        signature_png=signature,
    )


def record_pdf(session: Session, rec: SponsorshipRecord) -> bytes:
    return render_record(record_print(session, rec))


def record_filename(rec: SponsorshipRecord) -> str:
    return f"bien-ban-xac-nhan-tai-tro-{rec.number}.pdf"


# ----------------------------------------------------------------------------------------- e-mail
def request_mail(session: Session, actor: Actor, rec: SponsorshipRecord, to: str) -> None:
    """Ask for the record to be e-mailed to `to` (the business's address); the task runs after the commit."""
    from app.core import outbox

    if not to:
        raise PaperError(N_("Doanh nghiệp chưa có địa chỉ e-mail để gửi biên bản."))
    rec.mail_to = to
    rec.mail_requested_at = utcnow()
    audit(
        session,
        actor,
        "papers.record_mail",
        "sponsorship_record",
        rec.id,
        new={"number": rec.number, "to": to},
        unit_id=rec.issuer_unit_id,
    )
    session.flush()
    outbox.enqueue(session, "papers.mail_record", rec.id)


def mail_record(session: Session, record_id: int) -> bool:
    """Send the record requested by request_mail (once per request: a retried task finds it sent)."""
    rec = session.get(SponsorshipRecord, record_id)
    if rec is None or not rec.mail_to or rec.mail_requested_at is None:
        return False
    if rec.emailed_at is not None and rec.emailed_at >= rec.mail_requested_at:
        return False
    with in_language(rec.donor.language):  # the e-mail in the donor's language; the record itself is official
        if rec.year is not None:
            period = _("các khoản tài trợ năm %(year)s", year=rec.year)
        else:
            day = date.fromisoformat(str(rec.payments[0]["received_on"]))
            period = _("khoản tài trợ ngày %(date)s", date=format_date_vn(day))
        body = "\n\n".join(
            [
                _("Kính gửi %(name)s,", name=rec.donor_name),
                _(
                    "%(issuer)s gửi Quý đơn vị biên bản xác nhận tài trợ số %(number)s, %(period)s, số tiền "
                    "%(amount)s.",
                    issuer=rec.issuer_name,
                    number=rec.number,
                    period=period,
                    amount=format_vnd(rec.amount_vnd),
                ),
                _(
                    "Bản PDF được đính kèm. Quý đơn vị ký, đóng dấu vào phần Bên tài trợ và lưu cùng chứng từ thanh "
                    "toán. Mọi người có thể xác minh biên bản tại:"
                )
                + "\n"
                + record_verify_url(rec),
                _("Trân trọng cảm ơn tấm lòng của Quý đơn vị đối với người nghèo."),
            ]
        )
        subject = _(
            "Biên bản xác nhận tài trợ %(number)s – %(issuer)s", number=rec.number, issuer=rec.issuer_name
        )
    send_mail(
        Mail(
            to=[rec.mail_to],
            subject=subject,
            body=body + "\n",
            attachments=[Attachment(record_filename(rec), record_pdf(session, rec))],
        )
    )
    rec.emailed_at = utcnow()
    session.flush()
    return True


# ----------------------------------------------------------------------------------------- verification
@dataclass(frozen=True)
class PaperCheck:
    """What the verification page shows for a receipt or a record: only the business's name and tax code
    and amounts, never an individual's name."""

    valid: bool
    title: str = ""
    number: str = ""
    void_reason: str = ""  # a receipt reversed, a record replaced or covering a reversed gift
    facts: tuple[tuple[str, str], ...] = ()


def check_paper(session: Session, kind: int, ident: int, signature: bytes) -> PaperCheck:
    if kind == signing.KIND_RECEIPT:
        c = session.get(Contribution, ident)
        if c is None or not signing.signed(receipt_data(c), signature):
            return PaperCheck(False)
        facts: list[tuple[str, str]] = [
            ("Số", c.receipt_no),
            ("Đơn vị nhận", issuer_for(session, c.receiving_unit_id).name),
        ]
        if c.donor is not None and c.donor.kind in BUSINESS_KINDS and not c.is_anonymous:
            facts += [("Người nộp", c.donor.name), ("Mã số thuế", c.donor.tax_code or "—")]
        facts += [
            ("Số tiền", format_vnd(c.amount_vnd)),
            ("Hình thức", c.channel_label),
            ("Ngày nhận", f"{c.received_on:%d/%m/%Y}"),
        ]
        void = (
            "Khoản này đã bị hủy (hoàn trả hoặc ghi nhầm)." if c.status == ContributionStatus.REVERSED else ""
        )
        return PaperCheck(True, "Biên nhận", c.receipt_no, void, tuple(facts))
    if kind == signing.KIND_SPONSORSHIP:
        rec = session.get(SponsorshipRecord, ident)
        if rec is None or not signing.signed(record_data(rec), signature):
            return PaperCheck(False)
        void = ""
        if rec.superseded_by_id is not None:
            newer = session.get_one(SponsorshipRecord, rec.superseded_by_id)
            void = f"Biên bản này đã được thay bằng biên bản số {newer.number}."
        elif session.execute(
            select(Contribution.id).where(
                Contribution.id.in_(rec.contribution_ids), Contribution.status == ContributionStatus.REVERSED
            )
        ).first():
            void = "Một khoản trong biên bản này đã bị hủy."
        facts = [
            ("Số", rec.number),
            ("Bên tài trợ", rec.donor_name),
            ("Mã số thuế", rec.tax_code or "—"),
            ("Số tiền", format_vnd(rec.amount_vnd)),
            ("Về", period_text(rec)),
            ("Chứng từ thanh toán", ", ".join(str(p["receipt_no"]) for p in rec.payments)),
            ("Bên nhận tài trợ", rec.issuer_name),
            ("Ngày lập", f"{rec.issued_on:%d/%m/%Y}"),
            ("Căn cứ", BY_KEY[rec.rule_key].basis),
        ]
        return PaperCheck(True, "Biên bản xác nhận tài trợ", rec.number, void, tuple(facts))
    return PaperCheck(False)
