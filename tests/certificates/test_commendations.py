"""Commendations: rules (data, not code) → candidate list → approval by an approver → background issuance."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.certificates import services, tasks
from app.certificates.models import (
    BatchStatus,
    Certificate,
    CertificateKind,
    CommendationCandidate,
    IssuerLevel,
)
from app.core import mail
from app.donors.models import DonorKind
from app.notifications.models import Notification
from app.notifications.models import Status as NotificationStatus
from tests.certificates.conftest import pdf_pages, pdf_text
from tests.factories import make_donor


def _rules(world, session):  # type: ignore[no-untyped-def]
    actor = world.actor(world.province_staff)
    services.add_rule(
        session,
        actor,
        world.campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=100_000_000,
        kind=CertificateKind.GIAY_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
    )
    services.add_rule(
        session,
        actor,
        world.campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=500_000_000,
        kind=CertificateKind.BANG_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
        achievement="Đã có thành tích xuất sắc, ủng hộ xây dựng nhà Đại đoàn kết.",
    )
    services.add_rule(
        session,
        actor,
        world.campaign.id,
        donor_kind=DonorKind.HOUSEHOLD,
        min_total_vnd=20_000_000,
        kind=CertificateKind.GIAY_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
    )
    session.commit()


def _candidates(session, batch):  # type: ignore[no-untyped-def]
    return {
        c.donor.name: (c.kind, c.total_vnd)
        for c in session.execute(
            select(CommendationCandidate).where(CommendationCandidate.batch_id == batch.id)
        ).scalars()
    }


def test_rules_produce_the_candidate_list_highest_rule_wins(world, session):
    _rules(world, session)
    small_biz = make_donor(session, "Công ty TNHH Nhỏ")
    world.receive(300_000_000)
    world.receive(
        250_000_000, receiving=world.khanh_son
    )  # a commune of the province: counts for the province
    world.receive(150_000_000, donor=small_biz)
    world.receive(99_000_000, donor=make_donor(session, "Công ty Dưới Ngưỡng"))
    world.receive(25_000_000, donor=world.other_donor)
    batch = services.propose_batch(session, world.actor(world.province_staff), world.campaign.id, world.kh.id)
    session.commit()
    assert _candidates(session, batch) == {
        "Công ty Cổ phần Yến Sào Khánh Hòa": (CertificateKind.BANG_KHEN, 550_000_000),
        "Công ty TNHH Nhỏ": (CertificateKind.GIAY_KHEN, 150_000_000),
        "Hộ ông Đặng Văn Ánh": (CertificateKind.GIAY_KHEN, 25_000_000),
    }
    assert batch.status == BatchStatus.PROPOSED and batch.total == 3
    # Donors already on a pending list are not proposed twice.
    with pytest.raises(services.CertificateError):
        services.propose_batch(
            session, world.actor(world.province_staff), world.campaign.id, world.khanh_son.id
        )
    again = services.propose_batch(session, world.actor(world.province_staff), world.campaign.id, world.kh.id)
    assert again.total == 0


def test_only_another_approver_approves_with_a_decision_number(world, session):
    _rules(world, session)
    world.receive(600_000_000)
    batch = services.propose_batch(session, world.actor(world.approver2), world.campaign.id, world.kh.id)
    session.commit()
    for who in (world.province_staff, world.khanh_son_staff):
        with pytest.raises(services.CertificateError, match="phê duyệt"):
            services.approve_batch(
                session, world.actor(who), batch.id, decision_no="1/QĐ", decision_date=date.today()
            )
    with pytest.raises(services.CertificateError, match="tự phê duyệt"):
        services.approve_batch(
            session, world.actor(world.approver2), batch.id, decision_no="1/QĐ", decision_date=date.today()
        )
    with pytest.raises(services.CertificateError, match="Số quyết định"):
        services.approve_batch(
            session, world.actor(world.approver), batch.id, decision_no=" ", decision_date=date.today()
        )
    session.rollback()
    services.approve_batch(
        session,
        world.actor(world.approver),
        batch.id,
        decision_no="125/QĐ-MTTQ-BTT",
        decision_date=date(2026, 11, 18),
    )
    session.commit()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by_id == world.approver.id


def test_approved_batch_is_issued_in_chunks_mailed_and_printed_in_one_pdf(world, session, monkeypatch):
    _rules(world, session)
    donors = [make_donor(session, f"Công ty Cổ phần Số {i}") for i in range(7)]
    for i, d in enumerate(donors):
        d.email = f"cty{i}@example.vn"
        world.receive(100_000_000 + i, donor=d)
    excluded_donor = donors[3]
    batch = services.propose_batch(session, world.actor(world.province_staff), world.campaign.id, world.kh.id)
    excluded = session.execute(
        select(CommendationCandidate.id).where(CommendationCandidate.donor_id == excluded_donor.id)
    ).scalar_one()
    services.approve_batch(
        session,
        world.actor(world.approver),
        batch.id,
        decision_no="125/QĐ-MTTQ-BTT",
        decision_date=date(2026, 11, 18),
        excluded_candidate_ids=[excluded],
    )
    session.commit()
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 3)
    assert tasks.issue_batch.delay(batch.id).get() == 2  # 6 candidates in chunks of 3
    session.refresh(batch)
    assert (batch.status, batch.issued_count, batch.emailed_count, batch.percent) == (
        BatchStatus.ISSUED,
        6,
        6,
        100,
    )
    certs = (
        session.execute(
            select(Certificate).where(Certificate.batch_id == batch.id).order_by(Certificate.serial)
        )
        .scalars()
        .all()
    )
    assert [c.serial for c in certs] == [f"GK-56-2026-{n:06d}" for n in range(1, 7)]
    assert excluded_donor.id not in {c.donor_id for c in certs}
    assert {m["To"] for m in mail.OUTBOX} == {d.email for d in donors if d is not excluded_donor}
    # Re-delivering every chunk (a worker restart) issues nothing new.
    ids = (
        session.execute(select(CommendationCandidate.id).where(CommendationCandidate.batch_id == batch.id))
        .scalars()
        .all()
    )
    assert tasks.issue_chunk.delay(batch.id, list(ids)).get() == 0
    assert tasks.issue_batch.delay(batch.id).get() == 0
    assert session.execute(select(func.count()).select_from(Certificate)).scalar_one() == 6
    assert len(mail.OUTBOX) == 6
    data = services.batch_pdf(session, batch)
    assert pdf_pages(data) == 6
    text = pdf_text(data)
    assert "Công ty Cổ phần Số 6" in text and "Quyết định số 125/QĐ-MTTQ-BTT ngày 18/11/2026" in text


def test_the_unique_constraint_refuses_a_second_certificate_for_the_same_recipient(world, session):
    from sqlalchemy.exc import IntegrityError

    _rules(world, session)
    world.receive(200_000_000)
    batch = services.propose_batch(session, world.actor(world.province_staff), world.campaign.id, world.kh.id)
    services.approve_batch(
        session, world.actor(world.approver), batch.id, decision_no="2/QĐ", decision_date=date.today()
    )
    session.commit()
    tasks.issue_batch.delay(batch.id)
    first = session.execute(select(Certificate).where(Certificate.batch_id == batch.id)).scalar_one()
    session.add(
        Certificate(
            kind=first.kind,
            subject_key="other",
            serial="X-1",
            campaign_id=first.campaign_id,
            issuer_name=first.issuer_name,
            donor_id=first.donor_id,
            batch_id=batch.id,
            recipient_name="x",
            place="x",
            issued_on=first.issued_on,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_rules_refuse_nonsense(world, session):
    with pytest.raises(services.CertificateError, match="Mức tối thiểu"):
        services.add_rule(
            session,
            world.actor(world.province_staff),
            world.campaign.id,
            donor_kind=DonorKind.BUSINESS,
            min_total_vnd=0,
            kind=CertificateKind.GIAY_KHEN,
            issuer_level=IssuerLevel.PROVINCE,
        )
    with pytest.raises(services.CertificateError, match="Giấy khen hoặc Bằng khen"):
        services.add_rule(
            session,
            world.actor(world.province_staff),
            world.campaign.id,
            donor_kind=DonorKind.BUSINESS,
            min_total_vnd=1,
            kind=CertificateKind.ACKNOWLEDGEMENT,
            issuer_level=IssuerLevel.PROVINCE,
        )


def test_a_mail_that_fails_is_shown_failed_and_the_chunk_carries_on(world, session):
    _rules(world, session)
    donors = [make_donor(session, f"Công ty TNHH Thử {i}") for i in range(4)]
    for i, d in enumerate(donors):
        d.email = f"tnhh{i}@example.vn"
        world.receive(100_000_000 + i, donor=d)
    donors[1].email = "hong\n@example.vn"  # a header with a line break: building the message fails
    batch = services.propose_batch(session, world.actor(world.province_staff), world.campaign.id, world.kh.id)
    services.approve_batch(
        session,
        world.actor(world.approver),
        batch.id,
        decision_no="126/QĐ-MTTQ-BTT",
        decision_date=date(2026, 11, 18),
    )
    session.commit()
    tasks.issue_batch.delay(batch.id).get()
    session.expire_all()
    certs = {
        c.donor_id: c
        for c in session.execute(select(Certificate).where(Certificate.batch_id == batch.id)).scalars()
    }
    # Each donor is told once (app.notifications): the message that cannot be built fails on its own, shown in
    # the staff list of failed notifications, and the other three are mailed.
    assert len(certs) == 4 and all(c.emailed_at is not None for c in certs.values())
    assert sorted(m["To"] for m in mail.OUTBOX) == sorted(d.email for d in donors if d is not donors[1])
    failed = session.execute(select(Notification).where(Notification.status == NotificationStatus.FAILED))
    assert [n.donor_id for n in failed.scalars()] == [donors[1].id]
