"""Thank-you letters: issued per payment or per fulfilled pledge as the campaign sets, once, e-mailed with the PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from app.certificates import services, tasks
from app.certificates.models import Certificate, CertificateKind
from app.contributions.models import Channel
from app.contributions.reversal import reverse_contribution
from app.core import mail
from app.pledges.services import record_pledge_payment
from tests.certificates.conftest import KH_ISSUER, pdf_text
from tests.factories import SYSTEM, make_donor


def _letters(session) -> list[Certificate]:  # type: ignore[no-untyped-def]
    return session.execute(select(Certificate).order_by(Certificate.id)).scalars().all()


def test_a_gift_without_pledge_gets_a_letter_with_everything_printed(world, session):
    c = world.receive(50_000_000, when=datetime(2026, 10, 20, 3, tzinfo=UTC))
    cert = services.acknowledge_contribution(session, SYSTEM, c.id)
    session.commit()
    assert cert.kind == CertificateKind.ACKNOWLEDGEMENT
    assert cert.serial == "TCT-56-2026-000001"
    assert (cert.issuer_name, cert.place, cert.issued_on) == (KH_ISSUER, "Khánh Hòa", date(2026, 10, 20))
    assert (cert.signer_name, cert.signer_title) == (
        "Nguyễn Văn Mẫu",
        "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
    )
    text = pdf_text(services.certificate_pdf(session, cert))
    for expected in (
        KH_ISSUER,
        "Công ty Cổ phần Yến Sào Khánh Hòa",
        "50.000.000 ₫",
        "Năm mươi triệu đồng",
        "Khánh Hòa, ngày 20 tháng 10 năm 2026",
        "TCT-56-2026-000001",
        world.campaign.name[:20],
    ):
        assert expected in text, expected


def test_letters_are_issued_once_and_numbered_per_issuer_and_year(world, session):
    a = world.receive(1_000_000)
    b = world.receive(2_000_000, receiving=world.cam_lam)
    c = world.receive(3_000_000, when=datetime(2027, 1, 3, 3, tzinfo=UTC))
    d = world.receive(4_000_000)
    first = services.acknowledge_contribution(session, SYSTEM, a.id)
    again = services.acknowledge_contribution(session, SYSTEM, a.id)
    serials = [services.acknowledge_contribution(session, SYSTEM, x.id).serial for x in (b, c, d)]
    session.commit()
    assert again.id == first.id
    assert serials == [f"TCT-{world.cam_lam.code}-2026-000001", "TCT-56-2027-000001", "TCT-56-2026-000002"]
    commune_letter = session.execute(
        select(Certificate).where(Certificate.contribution_id == b.id)
    ).scalar_one()
    assert commune_letter.issuer_name == "Ủy ban Mặt trận Tổ quốc Việt Nam xã Cam Lâm"
    assert (
        commune_letter.signer_title == "Chủ tịch Ủy ban MTTQ xã Cam Lâm"
    )  # no approver there: the commune's chair
    assert session.execute(select(func.count()).select_from(Certificate)).scalar_one() == 4


def test_nothing_for_money_without_a_donor_or_reversed(world, session):
    from app.contributions.services import NewContribution, record_contribution

    household = record_contribution(
        session,
        SYSTEM,
        world.campaign,
        NewContribution(
            amount_vnd=50_000,
            channel=Channel.HOUSEHOLD_COLLECTION,
            display_name="Hộ bà Lò Thị Xuân",
            receiving_unit_id=world.khanh_son.id,
        ),
    )
    reversed_ = world.receive(9_000_000)
    reverse_contribution(session, SYSTEM, reversed_.id, "Ghi nhầm")
    session.commit()
    assert services.acknowledge_contribution(session, SYSTEM, household.id) is None
    assert services.acknowledge_contribution(session, SYSTEM, reversed_.id) is None
    assert _letters(session) == []


def test_fulfilled_mode_thanks_the_pledge_once_when_it_is_complete(world, session):
    pledge = world.pledge(50_000_000)
    at = datetime(2026, 10, 21, 3, tzinfo=UTC)
    [part] = record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=20_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=at,
        source="test",
        idempotency_key="p1",
    )
    session.commit()
    assert services.acknowledge_contribution(session, SYSTEM, part.id) is None  # partly paid: not yet
    [rest] = record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=30_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime(2026, 10, 25, 3, tzinfo=UTC),
        source="test",
        idempotency_key="p2",
    )
    session.commit()
    letter = services.acknowledge_contribution(session, SYSTEM, rest.id)
    assert services.acknowledge_pledge(session, SYSTEM, pledge.id).id == letter.id
    session.commit()
    assert (letter.pledge_id, letter.amount_vnd, letter.issued_on) == (
        pledge.id,
        50_000_000,
        date(2026, 10, 25),
    )
    assert len(_letters(session)) == 1


def test_payment_mode_thanks_each_payment(world, session):
    world.campaign.settings = {**world.campaign.settings, "acknowledge_on": "payment"}
    session.commit()
    pledge = world.pledge(50_000_000)
    for i, amount in enumerate((20_000_000, 30_000_000)):
        record_pledge_payment(
            session,
            SYSTEM,
            pledge,
            amount_vnd=amount,
            channel=Channel.BANK_TRANSFER,
            received_at=datetime(2026, 10, 21 + i, 3, tzinfo=UTC),
            source="test",
            idempotency_key=f"pay-{i}",
        )
        session.commit()
        tasks.acknowledge.delay(pledge_id=pledge.id)
    assert [c.amount_vnd for c in _letters(session)] == [20_000_000, 30_000_000]
    assert all(c.contribution_id is not None for c in _letters(session))


def test_task_emails_the_letter_as_pdf_once(world, session):
    c = world.receive(50_000_000)
    tasks.acknowledge.delay(contribution_id=c.id)
    tasks.acknowledge.delay(contribution_id=c.id)  # enqueued twice (webhook retried): one letter, one e-mail
    assert len(mail.OUTBOX) == 1
    msg = mail.OUTBOX[0]
    assert msg["To"] == "ketoan@yensao.example.vn" and "Thư cảm ơn" in msg["Subject"]
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "TCT-56-2026-000001.pdf"
    assert "Năm mươi triệu đồng" in pdf_text(attachment.get_content())
    letter = _letters(session)[0]
    assert letter.emailed_at is not None and services.verification_url(letter) in msg.get_body().get_content()


def test_sweep_catches_what_no_payment_path_enqueued(world, session):
    gift = world.receive(5_000_000)
    pledge = world.pledge(10_000_000, donor=world.other_donor)
    record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=10_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime(2026, 10, 22, 3, tzinfo=UTC),
        source="test",
        idempotency_key="s1",
    )
    half = world.pledge(10_000_000)
    record_pledge_payment(
        session,
        SYSTEM,
        half,
        amount_vnd=4_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime(2026, 10, 22, 3, tzinfo=UTC),
        source="test",
        idempotency_key="s2",
    )
    session.commit()
    assert services.unacknowledged(session) == ([gift.id], [pledge.id])
    result = tasks.sweep_acknowledgements.delay().get()
    assert result == {"issued": 2, "mailed": 2}
    assert {(c.contribution_id, c.pledge_id) for c in _letters(session)} == {
        (gift.id, None),
        (None, pledge.id),
    }
    assert services.unacknowledged(session) == ([], [])
    assert tasks.sweep_acknowledgements.delay().get() == {"issued": 0, "mailed": 0}


def test_sweep_mails_letters_whose_mail_never_went_out(world, session):
    no_email = make_donor(session, "Bà Nguyễn Thị Hồng")
    for donor in (world.donor, no_email):
        services.acknowledge_contribution(session, SYSTEM, world.receive(2_000_000, donor=donor).id)
    session.commit()  # issued by a path that did not mail (or whose mail server was down)
    assert tasks.sweep_acknowledgements.delay().get() == {"issued": 0, "mailed": 1}
    assert [m["To"] for m in mail.OUTBOX] == ["ketoan@yensao.example.vn"]
    assert tasks.sweep_acknowledgements.delay().get() == {"issued": 0, "mailed": 0}
