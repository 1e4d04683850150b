"""Funding (recorded for the matching engine), disbursement in tranches, construction stages, late houses,
photos and traceability."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core import i18n
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.services import PoolDraw
from app.needs import construction, figures, registry, scoring, tracing
from app.needs import funding as needs_funding
from app.needs.models import NeedKind, NeedStatus, TrancheKind
from tests.conftest import login, post_form
from tests.factories import SYSTEM, make_donor, receive
from tests.needs.conftest import actor_of, add_need, approve, fund

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\xa5\xf7\xa5\xca\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_funding_makes_the_need_funded_and_bumps_its_version(session, world):
    need = approve(session, world, add_need(session, world))
    version = need.version
    fund(session, world, need, 20_000_000)
    assert need.status == NeedStatus.APPROVED and need.funded_vnd == 20_000_000  # partly: still matchable
    fund(session, world, need)
    assert need.status == NeedStatus.FUNDED and need.funded_vnd == need.requested_vnd == 60_000_000
    assert need.version == version + 2


def test_funding_beyond_the_request_or_for_an_unapproved_need_is_refused(session, world):
    proposed = add_need(session, world)
    draws = [PoolDraw(world.khanh_son.id, Purpose.HOUSING, 10_000_000)]
    with pytest.raises(registry.NeedError, match="không ở trạng thái chờ bố trí"):
        needs_funding.record_need_funding(session, SYSTEM, proposed, 10_000_000, draws, 1, None)
    need = approve(session, world, add_need(session, world, citizen_id="056085731902"))
    big = [PoolDraw(world.khanh_son.id, Purpose.HOUSING, 70_000_000)]
    with pytest.raises(registry.NeedError, match="vượt số còn thiếu"):
        needs_funding.record_need_funding(session, SYSTEM, need, 70_000_000, big, 1, None)
    health = [PoolDraw(world.khanh_son.id, Purpose.HEALTH, 10_000_000)]
    with pytest.raises(registry.NeedError, match="mục đích khác"):
        needs_funding.record_need_funding(session, SYSTEM, need, 10_000_000, health, 1, None)


def test_disbursement_in_tranches_moves_the_ledger_and_stops_at_the_needs_funding(session, world):
    need = fund(session, world, approve(session, world, add_need(session, world)))
    # Another house in the same commune has its own allocation: it must not be spendable on this one.
    other = fund(session, world, approve(session, world, add_need(session, world, citizen_id="056085731903")))
    fund_id = world.campaign.fund_id
    before = ledger.totals(session, fund_id, [world.khanh_son.id])
    needs_funding.disburse_need(
        session, SYSTEM, need.id, 30_000_000, "PC-01/2026", tranche=TrancheKind.ADVANCE
    )
    session.commit()
    after = ledger.totals(session, fund_id, [world.khanh_son.id])
    assert after.disbursed_vnd - before.disbursed_vnd == 30_000_000
    with pytest.raises(registry.NeedError, match=r"vượt số đã bố trí cho hộ này còn lại \(30.000.000 ₫\)"):
        needs_funding.disburse_need(
            session, SYSTEM, need.id, 30_000_001, "PC-02/2026", tranche=TrancheKind.FINAL
        )
    session.rollback()
    needs_funding.disburse_need(session, SYSTEM, need.id, 30_000_000, "PC-02/2026", tranche=TrancheKind.FINAL)
    session.commit()
    assert need.disbursed_vnd == 60_000_000
    with pytest.raises(registry.NeedError, match="vượt số đã bố trí"):
        needs_funding.disburse_need(session, SYSTEM, need.id, 1, "PC-03/2026")
    session.rollback()
    assert other.disbursed_vnd == 0
    assert ledger.verify_ledger(session) == []


def test_disbursement_form_refuses_over_funding_with_a_message(client, session, world):
    """A tranche is now prepared as a payout order (issue 18.2): the form refuses more than was allocated."""
    from app.payouts import services as payouts
    from app.payouts.models import PayMethod, PayoutOrder
    from tests.needs.conftest import actor_of

    need = fund(session, world, approve(session, world, add_need(session, world)))
    payouts.set_payment_details(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        payouts.DetailsInput(PayMethod.CASH, recipient_name="Mấu Văn Thử", witness_name="Trưởng thôn"),
    )
    session.commit()
    login(client, world.ks_staff.email)
    page = f"/can-bo/chi-tra/ho/{need.id}"
    resp = post_form(client, f"{page}/lap-lenh", {"tranche": "advance", "amount": "70.000.000"}, page=page)
    assert "Số tiền: vượt số đã bố trí cho hộ còn chưa chi hay chưa lập lệnh (60.000.000 ₫)" in resp.get_data(
        as_text=True
    )
    resp = post_form(client, f"{page}/lap-lenh", {"tranche": "advance", "amount": ""}, page=page)
    assert "Số tiền: chưa nhập." in resp.get_data(as_text=True)
    session.expire_all()
    assert need.disbursed_vnd == 0
    assert session.execute(select(PayoutOrder)).first() is None


def test_an_unfunded_need_cannot_be_paid(session, world):
    need = approve(session, world, add_need(session, world))
    with pytest.raises(registry.NeedError, match="Chưa giải ngân được"):
        needs_funding.disburse_need(session, SYSTEM, need.id, 1_000_000, "PC-1")


def test_revocation_refused_once_money_was_paid_out(session, world):
    need = fund(session, world, approve(session, world, add_need(session, world)))
    funding = needs_funding.active_fundings(session, need.id)[0]
    needs_funding.disburse_need(session, SYSTEM, need.id, 10_000_000, "PC-1")
    session.commit()
    with pytest.raises(registry.NeedError, match="đã được giải ngân"):
        needs_funding.revoke_need_funding(session, SYSTEM, funding.id, "Sai hộ")
    session.rollback()


def test_revocation_returns_the_need_to_matching(session, world):
    need = fund(session, world, approve(session, world, add_need(session, world)))
    funding = needs_funding.active_fundings(session, need.id)[0]
    needs_funding.revoke_need_funding(session, SYSTEM, funding.id, "Hộ đã chuyển đi nơi khác")
    session.commit()
    assert need.status == NeedStatus.APPROVED and need.funded_vnd == 0
    assert needs_funding.active_fundings(session, need.id) == []


def test_stages_in_order_with_dates_and_late_houses_flagged(client, session, world):
    today = i18n.today_vn()
    approved_on = today - timedelta(days=120)
    late = fund(
        session,
        world,
        approve(session, world, add_need(session, world, head_name="Mấu Thị Chậm"), approved_on),
    )
    on_time = fund(
        session,
        world,
        approve(
            session,
            world,
            add_need(session, world, head_name="Bo Bo Văn Kịp", citizen_id="056085731904"),
            approved_on,
        ),
    )
    with pytest.raises(registry.NeedError, match="trước ngày của giai đoạn trước"):
        construction.advance_stage(session, SYSTEM, late.id, NeedStatus.STARTED, today - timedelta(days=121))
    with pytest.raises(registry.NeedError, match="không chuyển sang bước này"):
        construction.advance_stage(session, SYSTEM, late.id, NeedStatus.COMPLETED, today)
    construction.advance_stage(session, SYSTEM, late.id, NeedStatus.STARTED, today - timedelta(days=91))
    construction.advance_stage(session, SYSTEM, on_time.id, NeedStatus.STARTED, today - timedelta(days=30))
    session.commit()
    assert scoring.is_late(late, 90) and not scoring.is_late(on_time, 90)
    login(client, world.ks_staff.email)
    page = client.get("/can-bo/nhu-cau?late=1").get_data(as_text=True)
    assert "Mấu Thị Chậm" in page and "Bo Bo Văn Kịp" not in page
    assert "Chậm tiến độ (&gt; 90 ngày): <strong>1</strong>" in page
    # Completing the late house clears the flag.
    construction.advance_stage(session, SYSTEM, late.id, NeedStatus.COMPLETED, today)
    session.commit()
    assert not scoring.is_late(late, 90)
    # The threshold is per campaign.
    world.campaign.settings = {**world.campaign.settings, "needs_late_days": 20}
    session.commit()
    assert "Bo Bo Văn Kịp" in client.get("/can-bo/nhu-cau?late=1").get_data(as_text=True)


def _pixels(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGBA").tobytes()


def test_photos_checked_stored_outside_static_and_public_only_when_publishable(app, client, session, world):
    need = fund(session, world, approve(session, world, add_need(session, world)))
    login(client, world.ks_staff.email)
    page = f"/can-bo/nhu-cau/{need.id}"
    resp = post_form(
        client,
        f"{page}/anh",
        {"photo": (io.BytesIO(b"GIF89a fake"), "a.png"), "caption": "Móng nhà"},
        page=page,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Loại tệp không được chấp nhận" in resp.get_data(as_text=True)
    post_form(
        client,
        f"{page}/anh",
        {"photo": (io.BytesIO(PNG), "mong.png"), "caption": "Móng nhà"},
        page=page,
        content_type="multipart/form-data",
    )
    from app.needs.models import NeedPhoto

    photo = session.execute(select(NeedPhoto).where(NeedPhoto.need_id == need.id)).scalar_one()
    assert photo.kind == "png" and not photo.publishable
    assert "static" not in photo.path and (construction.photo_path(photo)).is_file()
    # stored re-encoded without metadata (issue 18.3): the same picture, not the same bytes
    assert _pixels(client.get(f"/can-bo/nhu-cau/anh/{photo.id}").data) == _pixels(PNG)
    public = app.test_client()
    assert public.get(f"/cong-khai/nha/anh/{photo.id}").status_code == 404
    assert public.get(f"/can-bo/nhu-cau/anh/{photo.id}").status_code == 302  # to the login page
    post_form(client, f"/can-bo/nhu-cau/anh/{photo.id}/cong-khai", {}, page=page)
    assert _pixels(public.get(f"/cong-khai/nha/anh/{photo.id}").data) == _pixels(PNG)
    assert f"/cong-khai/nha/anh/{photo.id}" in public.get(f"/cong-khai/nha/{need.id}").get_data(as_text=True)


def test_donor_sees_the_houses_their_money_went_to_pro_rata(session, world):
    yen_sao = make_donor(session, "Công ty Yến Sào Thử")
    anon = make_donor(session, "Bà Nguyễn Thị Kín", anonymous=True)
    # The province's housing pool receives 300M from Yến Sào and 100M from an anonymous donor.
    receive(
        session,
        world.campaign,
        300_000_000,
        receiving=world.khanh_hoa,
        purpose=Purpose.HOUSING,
        donor=yen_sao,
    )
    receive(
        session, world.campaign, 100_000_000, receiving=world.khanh_hoa, purpose=Purpose.HOUSING, donor=anon
    )
    need = approve(session, world, add_need(session, world))
    draws = [PoolDraw(world.khanh_hoa.id, Purpose.HOUSING, 60_000_000)]
    txn = ledger.allocate(
        session,
        SYSTEM,
        fund_id=world.campaign.fund_id,
        target_unit_id=world.khanh_son.id,
        target_purpose=Purpose.HOUSING,
        draws=draws,
        occurred_on=date.today(),
    )
    needs_funding.record_need_funding(session, SYSTEM, need, 60_000_000, draws, 7, txn.id)
    session.commit()
    houses = tracing.houses_funded_by_donor(session, yen_sao.id)
    assert [(h.need_id, h.amount_vnd, h.head_initials) for h in houses] == [(need.id, 45_000_000, "M.V.T.")]
    funders, more = tracing.funders_of_need(session, need.id)
    assert [(f.public_name, f.amount_vnd) for f in funders] == [
        ("Công ty Yến Sào Thử", 45_000_000),
        ("Nhà hảo tâm", 15_000_000),
    ]
    assert more == 0
    # A donor whose money sits in another commune's pool funded nothing here.
    other = make_donor(session, "Hộ kinh doanh Cam Lâm")
    receive(session, world.campaign, 5_000_000, receiving=world.cam_lam, purpose=Purpose.HOUSING, donor=other)
    assert tracing.houses_funded_by_donor(session, other.id) == []


def test_report_figures(session, world):
    a = fund(session, world, approve(session, world, add_need(session, world)))
    approve(
        session,
        world,
        add_need(
            session, world, citizen_id="056085731905", need_kind=NeedKind.REPAIR, requested_vnd=30_000_000
        ),
    )
    add_need(session, world, world.cam_lam, citizen_id="056085731906")
    needs_funding.disburse_need(session, SYSTEM, a.id, 30_000_000, "PC-1")
    session.commit()
    stages = figures.houses_by_stage(session, [world.khanh_hoa.id], world.campaign.id)
    assert (
        stages["funded"] == 1
        and stages["approved"] == 1
        and stages["proposed"] == 1
        and stages["started"] == 0
    )
    assert figures.houses_by_stage(session, [world.cam_lam.id])["proposed"] == 1
    assert figures.houses_by_stage(session, [world.hanoi.id]) == {s.value: 0 for s in NeedStatus}
    assert figures.funded_totals_by_purpose(session, [world.khanh_son.id]) == {"housing": 60_000_000}
    assert figures.disbursed_totals_by_purpose(session, None, world.campaign.id) == {"housing": 30_000_000}


def test_proposer_and_approver_must_differ_even_in_the_service(session, world):
    from app.core.actor import Actor

    need = registry.create_need(
        session,
        Actor(world.approver.id),
        world.campaign,
        __import__("tests.needs.conftest", fromlist=["x"]).need_input(world.khanh_son),
    )
    with pytest.raises(registry.NeedError, match="Người đề xuất"):
        registry.approve_need(session, actor_of(world.approver), world.approver, need.id)
