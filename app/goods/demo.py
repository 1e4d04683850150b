"""Demo goods: Khánh Sơn's store receives cement, rice and roofing sheets given in kind (through the one money-in
path, receive()), and hands some out to households and to a project (prepared by the commune, approved by the
province's approver, signed list uploaded by the commune and confirmed by the province), so the public store page
says where the cement went; a project handout awaits its confirmation and a fourth gift awaits the store."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.contributions.models import Channel
from app.contributions.receive import MoneyIn, record_contribution
from app.core.actor import Actor
from app.goods import services
from app.goods.models import Measure, RecipientKind
from app.ledger.models import Purpose
from app.needs.funding import PUBLIC_STATUSES
from app.needs.models import HouseholdNeed

DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (donor shown, what the gift says, item, measure, quantity, estimated value, purpose)
GIFTS = (
    (
        "Công ty Xi măng Thử nghiệm",
        "1 tấn xi măng PCB40 (20 bao)",
        "Xi măng PCB40",
        Measure.BAO,
        200,
        20_000_000,
        Purpose.HOUSING,
    ),
    (
        "Hội Doanh nhân trẻ (thử nghiệm)",
        "2 tấn gạo",
        "Gạo tẻ",
        Measure.KG,
        2_000,
        36_000_000,
        Purpose.UNRESTRICTED,
    ),
    (
        "Cửa hàng Tôn Thép Thử",
        "150 tấm tôn lạnh",
        "Tôn lạnh 0,4 mm",
        Measure.TAM,
        150,
        22_500_000,
        Purpose.HOUSING,
    ),
)


def load(session: Session, ctx: dict) -> None:
    users = ctx["users"]
    commune_user = users.get("khanhson@khanhhoa.chungtay.vn")
    approver = users.get("pheduyet@khanhhoa.chungtay.vn")
    province_user = users.get("tinh@khanhhoa.chungtay.vn")
    campaign = ctx.get("campaign")
    if commune_user is None or approver is None or province_user is None or commune_user.unit_id is None:
        return
    if campaign is None:
        return
    unit_id = commune_user.unit_id
    maker = Actor(user_id=commune_user.id, label=commune_user.email)
    checker = Actor(user_id=approver.id, label=approver.email)
    confirmer = Actor(user_id=province_user.id, label=province_user.email)
    stocks = {}
    when = datetime.now(UTC) - timedelta(days=20)
    for donor, what, item, measure, qty, value, purpose in GIFTS:
        gift = record_contribution(
            session,
            Actor.system("demo"),
            campaign,
            MoneyIn(
                amount_vnd=value,
                channel=Channel.IN_KIND,
                display_name=donor,
                received_at=when,
                receiving_unit_id=unit_id,
                earmark_unit_id=unit_id,
                purpose=purpose,
                in_kind_description=what,
            ),
        )
        receipt = services.receive_goods(
            session, maker, commune_user, gift.id, item=item, measure=measure, quantity=qty, value_vnd=value
        )
        stocks[item] = receipt.stock
    needs = list(
        session.execute(
            select(HouseholdNeed)
            .where(HouseholdNeed.commune_id == unit_id, HouseholdNeed.status.in_(PUBLIC_STATUSES))
            .order_by(HouseholdNeed.id)
            .limit(3)
        ).scalars()
    ) or list(
        session.execute(
            select(HouseholdNeed)
            .where(HouseholdNeed.commune_id == unit_id)
            .order_by(HouseholdNeed.id)
            .limit(3)
        ).scalars()
    )
    cement, rice, roof = stocks["Xi măng PCB40"], stocks["Gạo tẻ"], stocks["Tôn lạnh 0,4 mm"]
    if needs:
        lines = []
        for need in needs:
            lines += [
                services.LineInput(cement.id, 40, need.id),
                services.LineInput(roof.id, 30, need.id),
                services.LineInput(rice.id, 200, need.id),
            ]
        done = services.prepare_handout(
            session, maker, commune_user, unit_id, recipient_kind=RecipientKind.HOUSEHOLDS, lines=lines
        )
        services.approve_handout(session, checker, approver, done.id)
        services.upload_signed_list(
            session,
            maker,
            commune_user,
            done.id,
            FileStorage(io.BytesIO(DEMO_PDF), filename="danh-sach-cap-phat.pdf"),
            "DS-01/2026",
        )
        services.confirm_handout(session, confirmer, province_user, done.id)
    project = services.prepare_handout(
        session,
        maker,
        commune_user,
        unit_id,
        recipient_kind=RecipientKind.PROJECT,
        project_name="Nhà văn hóa thôn (thử nghiệm)",
        lines=[services.LineInput(cement.id, 50)],
    )
    services.approve_handout(session, checker, approver, project.id)
    services.upload_signed_list(  # awaiting a second person's confirmation
        session,
        maker,
        commune_user,
        project.id,
        FileStorage(io.BytesIO(DEMO_PDF), filename="bien-ban-nha-van-hoa.pdf"),
        "DS-02/2026",
    )
    # a gift in kind still awaiting the store
    record_contribution(
        session,
        Actor.system("demo"),
        campaign,
        MoneyIn(
            amount_vnd=5_000_000,
            channel=Channel.IN_KIND,
            display_name="Nhóm thiện nguyện Thử nghiệm",
            received_at=datetime.now(UTC) - timedelta(days=2),
            receiving_unit_id=unit_id,
            earmark_unit_id=unit_id,
            purpose=Purpose.UNRESTRICTED,
            in_kind_description="50 thùng mì tôm",
        ),
    )
    session.flush()
