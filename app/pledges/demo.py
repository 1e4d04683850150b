"""Demo pledges for Khánh Hòa: a business pledging 50.000.000 ₫ for housing in Xã Khánh Sơn, a household
paying in instalments, a company pledging building materials, and a few already paid or overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.contributions.models import Channel
from app.core.actor import Actor
from app.core.text import fold
from app.donors.models import Donor, DonorKind
from app.ledger.models import Purpose
from app.pledges import services
from app.pledges.models import PaymentMethod, PledgeKind, PledgeSchedule


def load(session: Session, ctx: dict) -> None:
    actor = Actor.system("demo")
    campaign = ctx["campaign"]
    khanh_son = ctx["communes"][22714]
    cam_lam = ctx["communes"][22453]
    donors = ctx["donors"]
    yen_sao, duong, ho_anh = donors[0], donors[2], donors[3]
    today = services.today_vn()
    now = datetime.now(UTC)

    # 1. A business pledges 50.000.000 ₫ for housing in Xã Khánh Sơn, to pay by transfer (or card).
    services.create_pledge(
        session,
        actor,
        campaign,
        yen_sao,
        services.PledgeInput(
            amount_vnd=50_000_000,
            purpose=Purpose.HOUSING,
            earmark_unit_id=khanh_son.id,
            contact_email="ketoan@yensao.example.vn",
            note="Ủng hộ xây nhà Đại đoàn kết cho hộ nghèo xã Khánh Sơn.",
        ),
    )

    # 2. A business pledge already paid by transfer: shows "Đã hoàn thành" and a receipt.
    paid = services.create_pledge(
        session,
        actor,
        campaign,
        duong,
        services.PledgeInput(amount_vnd=20_000_000, purpose=Purpose.EDUCATION, contact_email=duong.email),
    )
    services.record_pledge_payment(
        session,
        actor,
        paid,
        amount_vnd=20_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=now - timedelta(days=2),
        source="demo",
        bank_txn_ref="FT26329000111",
        idempotency_key="demo:pledge-paid",
    )

    # 3. A household pledges 6.000.000 ₫ in three instalments; the first paid in cash at Cam Lâm.
    household = services.create_pledge(
        session,
        actor,
        campaign,
        ho_anh,
        services.PledgeInput(
            amount_vnd=6_000_000,
            purpose=Purpose.UNRESTRICTED,
            earmark_unit_id=cam_lam.id,
            schedule=PledgeSchedule.INSTALMENTS,
            contact_email=ho_anh.email,
            payment_method=PaymentMethod.CASH,
            instalments=[services.InstalmentInput(today + timedelta(days=d), 2_000_000) for d in (1, 31, 61)],
        ),
    )
    services.record_pledge_payment(
        session,
        actor,
        household,
        amount_vnd=2_000_000,
        channel=Channel.CASH,
        received_at=now,
        source="demo",
        idempotency_key="demo:household-1",
        receiving_unit_id=cam_lam.id,
    )

    # 4. Goods: 500 bags of cement for houses in Khánh Sơn, to be handed over to the commune.
    builder = Donor(
        kind=DonorKind.BUSINESS,
        name="Công ty TNHH Vật liệu Xây dựng Cam Ranh",
        tax_code="4200588562",
        address="Phường Cam Ranh, tỉnh Khánh Hòa",
        contact_person="Võ Văn Hùng",
        email="hung.vo@vlxdcamranh.example.vn",
        phone="0258 3854 123",
        search_key=fold("Công ty TNHH Vật liệu Xây dựng Cam Ranh 4200588562"),
    )
    session.add(builder)
    session.flush()
    services.create_pledge(
        session,
        actor,
        campaign,
        builder,
        services.PledgeInput(
            amount_vnd=45_000_000,
            kind=PledgeKind.IN_KIND,
            purpose=Purpose.HOUSING,
            earmark_unit_id=khanh_son.id,
            in_kind_description="Xi măng PCB40 cho 5 căn nhà Đại đoàn kết",
            in_kind_quantity="500 bao",
            contact_email=builder.email,
        ),
    )

    # 5. An individual whose first instalment is overdue (it shows in the staff's weekly digest).
    person = services.find_or_create_donor(
        session,
        actor,
        services.DonorInput(
            kind=DonorKind.INDIVIDUAL,
            name="Phan Thị Thu Trang",
            email="thutrang.phan@example.vn",
            province_id=ctx["province"].id,
            commune_id=khanh_son.id,
        ),
    )
    late = services.create_pledge(
        session,
        actor,
        campaign,
        person,
        services.PledgeInput(
            amount_vnd=4_000_000,
            purpose=Purpose.HEALTH,
            earmark_unit_id=khanh_son.id,
            contact_email=person.email,
            schedule=PledgeSchedule.INSTALMENTS,
            instalments=[services.InstalmentInput(today + timedelta(days=d), 2_000_000) for d in (0, 30)],
        ),
    )
    for inst in late.instalments:  # the pledge was made six weeks ago
        inst.due_on -= timedelta(days=42)
    session.flush()
    ctx["pledges_demo"] = {"business": "50.000.000 ₫ cho Xã Khánh Sơn"}
