"""Goods in and out of a commune's store: stock, handouts with two people and a signed list, the ledger, the
verifier (issue 18 item 7)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from app.accounts.models import Role
from app.goods import services as goods
from app.goods.models import GoodsHandout, GoodsStock, HandoutStatus, Measure, RecipientKind
from app.goods.services import GoodsError, LineInput
from app.ledger import services as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerTransaction, Purpose, TransactionKind
from app.ledger.verify import run_checks
from tests.factories import make_user
from tests.goods.conftest import (
    CEMENT_VALUE,
    cement,
    complete,
    household_handout,
    in_kind,
    pdf_list,
)
from tests.needs.conftest import actor_of, add_need, approve


def _balance(session, world, kind: AccountKind) -> int:  # type: ignore[no-untyped-def]
    key = LedgerAccount.make_key(world.campaign.fund_id, world.khanh_son.id, kind, Purpose.HOUSING)
    acc = session.execute(select(LedgerAccount).where(LedgerAccount.key == key)).scalar_one_or_none()
    return acc.balance_vnd if acc else 0


# ----------------------------------------------------------------------------------------- receiving
def test_goods_of_an_in_kind_gift_go_into_the_commune_store_without_a_second_receipt(session, world):
    before = session.execute(select(LedgerTransaction)).all()
    stock = cement(session, world)
    after = session.execute(select(LedgerTransaction)).all()
    assert (stock.unit_id, stock.quantity, stock.value_vnd) == (world.khanh_son.id, 20, CEMENT_VALUE)
    assert len(after) == len(before) + 1  # the in-kind receipt only: taking it into the store posts nothing
    assert _balance(session, world, AccountKind.IN_KIND) == CEMENT_VALUE

    # the same item written otherwise ("xi mang pcb40") is the same stock row
    c = in_kind(session, world, 500_000)
    goods.receive_goods(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        c.id,
        item="xi mang pcb40",
        measure=Measure.BAO,
        quantity=5,
        value_vnd=500_000,
    )
    session.commit()
    assert (stock.quantity, stock.value_vnd) == (25, 2_500_000)


def test_a_gift_cannot_fill_the_store_beyond_its_estimated_value(session, world):
    c = in_kind(session, world, 1_000_000)
    with pytest.raises(GoodsError, match="vượt giá trị ước tính"):
        goods.receive_goods(
            session,
            actor_of(world.ks_staff),
            world.ks_staff,
            c.id,
            item="Gạo",
            measure=Measure.KG,
            quantity=100,
            value_vnd=1_000_001,
        )
    session.rollback()
    outsider = world.cl_staff  # Cam Lâm's staff: not their store
    with pytest.raises(GoodsError, match="không thuộc địa bàn"):
        goods.receive_goods(
            session,
            actor_of(outsider),
            outsider,
            c.id,
            item="Gạo",
            measure=Measure.KG,
            quantity=100,
            value_vnd=1_000_000,
        )
    session.rollback()


# ----------------------------------------------------------------------------------------- handouts
def test_handing_out_more_than_in_stock_is_refused_naming_the_line(session, world, need):
    stock = cement(session, world)
    other = approve(
        session,
        world,
        add_need(session, world, head_name="Hồ Thị Hai", citizen_id="056085731902", phone="0935731902"),
    )
    with pytest.raises(GoodsError) as exc:
        goods.prepare_handout(
            session,
            actor_of(world.ks_staff),
            world.ks_staff,
            world.khanh_son.id,
            recipient_kind=RecipientKind.HOUSEHOLDS,
            lines=[LineInput(stock.id, 12, need.id), LineInput(stock.id, 9, other.id)],
        )
    assert str(exc.value) == "Dòng 2 (Xi măng PCB40, bao): kho chỉ còn 20 bao chưa cấp phát, không đủ 21 bao."
    session.rollback()

    household_handout(session, world, stock, 15, need.id)  # open: holds 15 of the 20 bags
    with pytest.raises(GoodsError, match=r"Dòng 1 \(Xi măng PCB40, bao\): kho chỉ còn 5 bao"):
        household_handout(session, world, stock, 6, other.id)
    session.rollback()


def test_the_maker_the_editor_and_the_uploader_cannot_sign_their_own_work(session, world, need):
    stock = cement(session, world)
    maker = make_user(session, Role.PROVINCE_STAFF, world.khanh_hoa)
    h = household_handout(session, world, stock, 10, need.id, by=maker)
    with pytest.raises(GoodsError, match="Người lập hoặc đã sửa phiếu xuất kho"):
        goods.approve_handout(session, actor_of(maker), maker, h.id)
    session.rollback()

    goods.edit_handout(
        session,
        actor_of(world.province_staff),
        world.province_staff,
        h.id,
        lines=[LineInput(stock.id, 8, need.id)],
    )
    session.commit()
    with pytest.raises(GoodsError, match="Người lập hoặc đã sửa phiếu xuất kho"):
        goods.approve_handout(session, actor_of(world.province_staff), world.province_staff, h.id)
    session.rollback()
    with pytest.raises(GoodsError, match="Chỉ cán bộ cấp tỉnh"):
        goods.approve_handout(session, actor_of(world.ks_staff), world.ks_staff, h.id)
    session.rollback()

    goods.approve_handout(session, actor_of(world.approver), world.approver, h.id)
    goods.upload_signed_list(session, actor_of(world.ks_staff), world.ks_staff, h.id, pdf_list())
    session.commit()
    with pytest.raises(GoodsError, match="người thứ hai"):
        goods.confirm_handout(session, actor_of(world.ks_staff), world.ks_staff, h.id)
    session.rollback()
    goods.confirm_handout(session, actor_of(world.approver), world.approver, h.id)
    session.commit()
    assert h.status == HandoutStatus.DONE and stock.quantity == 12


def test_an_edit_after_approval_sends_the_handout_back(session, world, need):
    stock = cement(session, world)
    h = household_handout(session, world, stock, 10, need.id)
    goods.approve_handout(session, actor_of(world.approver), world.approver, h.id)
    session.commit()
    goods.edit_handout(
        session, actor_of(world.ks_staff), world.ks_staff, h.id, lines=[LineInput(stock.id, 11, need.id)]
    )
    session.commit()
    assert h.status == HandoutStatus.PENDING and h.approved_by_id is None


def test_completion_moves_the_value_out_on_the_ledger_and_a_reversal_brings_it_back(session, world, need):
    stock = cement(session, world)
    h = complete(session, world, household_handout(session, world, stock, 5, need.id))
    tx = session.get(LedgerTransaction, h.ledger_transaction_id)
    assert tx.kind == TransactionKind.IN_KIND_HANDOUT
    assert h.lines[0].value_vnd == 500_000  # 5 of 20 bags worth 2 000 000 ₫
    assert (stock.quantity, stock.value_vnd) == (15, 1_500_000)
    assert _balance(session, world, AccountKind.IN_KIND) == 1_500_000
    assert _balance(session, world, AccountKind.IN_KIND_OUT) == 500_000
    assert ledger.verify_ledger(session, full=True) == []

    with pytest.raises(GoodsError, match="Chỉ người có quyền phê duyệt"):
        goods.reverse_handout(session, actor_of(world.ks_staff), world.ks_staff, h.id, "nhập nhầm số bao")
    session.rollback()
    goods.reverse_handout(session, actor_of(world.approver), world.approver, h.id, "nhập nhầm số bao")
    session.commit()
    assert h.status == HandoutStatus.REVERSED and (stock.quantity, stock.value_vnd) == (20, CEMENT_VALUE)
    assert _balance(session, world, AccountKind.IN_KIND_OUT) == 0
    assert ledger.verify_ledger(session, full=True) == []


def test_the_last_bags_take_the_rest_of_the_value(session, world, need):
    stock = cement(session, world, bags=3, value=1_000_000)  # 333 333.33… ₫ a bag
    h1 = complete(session, world, household_handout(session, world, stock, 1, need.id))
    h2 = complete(session, world, household_handout(session, world, stock, 2, need.id))
    assert (h1.value_vnd, h2.value_vnd) == (333_333, 666_667)
    assert (stock.quantity, stock.value_vnd) == (0, 0)
    assert ledger.verify_ledger(session, full=True) == []


def test_a_photo_of_the_signed_list_is_kept_without_its_gps_position(session, world, need, app):
    from app.core.uploads import image_has_metadata
    from tests.payouts.test_proofs import gps_jpeg

    stock = cement(session, world)
    h = household_handout(session, world, stock, 5, need.id)
    goods.approve_handout(session, actor_of(world.approver), world.approver, h.id)
    goods.upload_signed_list(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        h.id,
        FileStorage(io.BytesIO(gps_jpeg()), filename="danh-sach.jpg"),
    )
    session.commit()
    stored = goods.list_path(h).read_bytes()
    assert h.list_file_kind == "jpeg" and not image_has_metadata(stored)


def test_a_project_handout_names_the_project_and_no_household(session, world, need):
    stock = cement(session, world)
    with pytest.raises(GoodsError, match="Tên công trình: chưa nhập"):
        goods.prepare_handout(
            session,
            actor_of(world.ks_staff),
            world.ks_staff,
            world.khanh_son.id,
            recipient_kind=RecipientKind.PROJECT,
            lines=[LineInput(stock.id, 5)],
        )
    session.rollback()
    h = goods.prepare_handout(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        world.khanh_son.id,
        recipient_kind=RecipientKind.PROJECT,
        project_name="Cầu dân sinh thôn Tà Lương",
        lines=[LineInput(stock.id, 5)],
    )
    session.commit()
    assert h.commune_id == world.khanh_son.id


# ----------------------------------------------------------------------------------------- verifier
def test_the_goods_check_catches_a_tampered_stock_row(session, world, need):
    stock = cement(session, world)
    complete(session, world, household_handout(session, world, stock, 5, need.id))
    assert run_checks(session, ["goods"]).problems == []
    session.execute(update(GoodsStock).where(GoodsStock.id == stock.id).values(quantity=25))
    session.commit()
    problems = run_checks(session, ["goods"]).problems
    assert len(problems) == 1 and problems[0].check == "goods"
    assert "Xi măng PCB40" in problems[0].message and "= 15" in problems[0].message


def test_the_goods_check_catches_a_handout_marked_done_without_its_posting(session, world, need):
    stock = cement(session, world)
    h = household_handout(session, world, stock, 5, need.id)
    session.execute(update(GoodsHandout).where(GoodsHandout.id == h.id).values(status=HandoutStatus.DONE))
    session.commit()
    messages = [p.message for p in run_checks(session, ["goods"]).problems]
    assert any("tồn kho ghi 20" in m for m in messages)
    assert any("sổ quỹ ghi hàng hóa đã cấp phát 0 ₫" in m for m in messages)


# ----------------------------------------------------------------------------------------- race
@pytest.mark.postgres
def test_two_handouts_racing_for_the_last_ten_bags_one_succeeds(app, session, world, need):
    from tests.conftest import race

    stock = cement(session, world, bags=10, value=1_000_000)
    other = approve(
        session,
        world,
        add_need(session, world, head_name="Hồ Thị Hai", citizen_id="056085731902", phone="0935731902"),
    )
    needs = [need.id, other.id]

    def prepare(i: int) -> None:
        from app.accounts.models import User
        from app.extensions import db

        user = db.session.get(User, world.ks_staff.id)
        goods.prepare_handout(
            db.session,
            actor_of(user),
            user,
            world.khanh_son.id,
            recipient_kind=RecipientKind.HOUSEHOLDS,
            lines=[LineInput(stock.id, 10, needs[i])],
        )

    ok, refused, errors = race(app, 2, prepare, refused=(GoodsError,))
    assert errors == [] and (ok, refused) == (1, 1)
    session.expire_all()
    open_ = (
        session.execute(select(GoodsHandout).where(GoodsHandout.status == HandoutStatus.PENDING))
        .scalars()
        .all()
    )
    assert len(open_) == 1 and open_[0].lines[0].quantity == 10


def test_a_gift_whose_goods_are_in_the_store_cannot_be_reversed_behind_the_stores_back(session, world):
    from app.contributions.receive import ContributionError
    from app.contributions.reversal import reverse_contribution
    from app.goods.models import GoodsReceipt

    stock = cement(session, world)
    receipt = session.execute(select(GoodsReceipt).where(GoodsReceipt.stock_id == stock.id)).scalar_one()
    with pytest.raises(ContributionError, match="hiện vật đã được nhập kho"):
        reverse_contribution(session, actor_of(world.approver), receipt.contribution_id, "nhập nhầm")
    session.rollback()
    assert ledger.verify_ledger(session, full=True) == []
