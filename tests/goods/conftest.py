"""A Khánh Hòa world (tests/needs) with a ton of cement given in kind to Khánh Sơn and taken into its store."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.contributions.models import Channel, Contribution
from app.contributions.receive import MoneyIn, record_contribution
from app.goods import services as goods
from app.goods.models import GoodsHandout, GoodsStock, Measure, RecipientKind
from app.ledger.models import Purpose
from tests.factories import SYSTEM
from tests.needs.conftest import World, actor_of, add_need, approve, world  # noqa: F401

CEMENT_VALUE = 2_000_000  # 20 bags (a ton) of cement at 100 000 ₫ a bag, an estimate


def in_kind(session, w: World, value: int = CEMENT_VALUE, what: str = "1 tấn xi măng PCB40") -> Contribution:  # type: ignore[no-untyped-def]
    c = record_contribution(
        session,
        SYSTEM,
        w.campaign,
        MoneyIn(
            amount_vnd=value,
            channel=Channel.IN_KIND,
            display_name="Công ty Vật liệu Thử nghiệm",
            received_at=datetime.now(UTC),
            receiving_unit_id=w.khanh_son.id,
            earmark_unit_id=w.khanh_son.id,
            purpose=Purpose.HOUSING,
            in_kind_description=what,
        ),
    )
    session.commit()
    return c


def cement(session, w: World, bags: int = 20, value: int = CEMENT_VALUE) -> GoodsStock:  # type: ignore[no-untyped-def]
    c = in_kind(session, w, value)
    r = goods.receive_goods(
        session,
        actor_of(w.ks_staff),
        w.ks_staff,
        c.id,
        item="Xi măng PCB40",
        measure=Measure.BAO,
        quantity=bags,
        value_vnd=value,
    )
    session.commit()
    return r.stock


def household_handout(
    session, w: World, stock: GoodsStock, bags: int, need_id: int, by: User | None = None
) -> GoodsHandout:  # type: ignore[no-untyped-def]
    user = by or w.ks_staff
    h = goods.prepare_handout(
        session,
        actor_of(user),
        user,
        w.khanh_son.id,
        recipient_kind=RecipientKind.HOUSEHOLDS,
        lines=[goods.LineInput(stock.id, bags, need_id)],
    )
    session.commit()
    return h


def pdf_list() -> FileStorage:
    return FileStorage(
        io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), filename="danh-sach.pdf"
    )


def complete(session, w: World, h: GoodsHandout) -> GoodsHandout:  # type: ignore[no-untyped-def]
    """Approved by the province's approver, list uploaded by the commune, confirmed by the province staff."""
    goods.approve_handout(session, actor_of(w.approver), w.approver, h.id)
    goods.upload_signed_list(session, actor_of(w.ks_staff), w.ks_staff, h.id, pdf_list(), "DS-01/2026")
    goods.confirm_handout(session, actor_of(w.province_staff), w.province_staff, h.id)
    session.commit()
    return h


@pytest.fixture
def need(session, world):  # type: ignore[no-untyped-def]  # noqa: F811
    return approve(session, world, add_need(session, world))
