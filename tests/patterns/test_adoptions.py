"""A business adopting a commune (đỡ đầu, issue 19 item 5): a multi-year commitment earmarked to the commune, and the
commune's progress (houses, households out of poverty) on the business's dashboard and the commune's public page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Role
from app.adoptions.models import CommuneAdoption
from app.contributions.models import Channel
from app.contributions.receive import MoneyIn, receive
from app.core.db import utcnow
from app.core.i18n import today_vn
from app.ledger.models import Purpose
from app.needs import construction, funding
from app.needs.models import NeedKind, NeedStatus, PovertyStatus
from app.pledges.models import Pledge, PledgeSchedule
from app.reports import outcomes
from app.reports.models import ReviewResult
from tests.conftest import login, post_form
from tests.factories import PASSWORD, SYSTEM, make_donor, make_user
from tests.needs.conftest import actor_of, add_need, approve, fund, world  # noqa: F401 - fixtures


def _business(session):  # type: ignore[no-untyped-def]
    donor = make_donor(session, "Công ty CP Yến Sào Khánh Hòa", tax_code="4200239415")
    donor.verified_at = utcnow()
    session.commit()
    return donor, make_user(session, Role.DONOR, donor=donor)


def _helped(session, w, n, *, complete=False, poverty=PovertyStatus.POOR):  # type: ignore[no-untyped-def]
    need = approve(
        session,
        w,
        add_need(
            session,
            w,
            w.khanh_son,
            citizen_id=f"05608573{n:04d}",
            phone=f"093573{n:04d}",
            need_kind=NeedKind.NEW_HOUSE,
            requested_vnd=20_000_000,
            estimated_cost_vnd=20_000_000,
            poverty_status=poverty,
        ),
    )
    fund(session, w, need, 20_000_000)
    day = today_vn() - timedelta(days=10)
    funding.disburse_need(
        session, actor_of(w.province_staff), need.id, 20_000_000, f"PC-{n}", occurred_on=day
    )
    if complete:
        construction.advance_stage(session, SYSTEM, need.id, NeedStatus.STARTED, today_vn())
        construction.advance_stage(session, SYSTEM, need.id, NeedStatus.COMPLETED, today_vn())
    session.commit()
    return need


def test_a_business_adopts_a_commune_for_three_years_and_sees_its_progress(client, session, world):  # noqa: F811
    w = world
    donor, user = _business(session)
    login(client, user.email, PASSWORD)
    resp = post_form(
        client,
        "/tai-khoan/do-dau",
        {"commune_id": w.khanh_son.id, "years": 3, "yearly": "100.000.000"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    adoption = session.execute(select(CommuneAdoption)).scalar_one()
    pledge = session.get(Pledge, adoption.pledge_id)
    assert (pledge.donor_id, pledge.amount_vnd, pledge.earmark_unit_id, pledge.purpose) == (
        donor.id,
        300_000_000,
        w.khanh_son.id,
        Purpose.HOUSING,
    )
    assert pledge.schedule == PledgeSchedule.INSTALMENTS
    dues = [i.due_on for i in pledge.instalments]
    assert [i.amount_vnd for i in pledge.instalments] == [100_000_000] * 3
    assert [d.year for d in dues] == [dues[0].year, dues[0].year + 1, dues[0].year + 2]

    # The commune's progress: two houses of the Fund, one completed; one poor household out of poverty.
    a = _helped(session, w, 1, complete=True)
    _helped(session, w, 2)
    outcomes.record_review(
        session,
        actor_of(w.province_staff),
        w.province_staff,
        need_id=a.id,
        year=today_vn().year,
        result=ReviewResult.OUT_OF_POVERTY,
    )
    receive(
        session,
        SYSTEM,
        [MoneyIn(amount_vnd=100_000_000, channel=Channel.BANK_TRANSFER, pledge_id=pledge.id)],
    )
    session.commit()

    dashboard = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    section = dashboard[dashboard.index('id="do-dau"') :]
    assert w.khanh_son.name in section
    assert "100.000.000 ₫ / 300.000.000 ₫" in section
    public = client.get(f"/cong-khai/xa/{w.khanh_son.id}/do-dau").get_data(as_text=True)
    assert "Đỡ đầu bởi Công ty CP Yến Sào Khánh Hòa" in public
    figures = public[public.index("Nhà được hỗ trợ tại xã") :]
    assert (
        "<dd>2</dd>" in figures and figures.count("<dd>1</dd>") == 2
    )  # 2 houses, 1 completed, 1 out of poverty
    # Another commune shows no adoption.
    other = client.get(f"/cong-khai/xa/{w.cam_lam.id}/do-dau").get_data(as_text=True)
    assert "chưa có doanh nghiệp nhận đỡ đầu" in other


def test_only_a_verified_business_adopts_and_a_bad_commitment_is_named(client, session, world):  # noqa: F811
    w = world
    donor, user = _business(session)
    login(client, user.email, PASSWORD)
    resp = post_form(
        client, "/tai-khoan/do-dau", {"commune_id": w.khanh_son.id, "years": 11, "yearly": "1.000.000"}
    )
    assert resp.status_code == 422 and "Số năm cam kết: từ 1 đến 10." in resp.get_data(as_text=True)
    resp = post_form(client, "/tai-khoan/do-dau", {"commune_id": 0, "years": 2, "yearly": "1.000.000"})
    assert "Xã/phường đỡ đầu: chưa chọn hoặc không tồn tại." in resp.get_data(as_text=True)
    assert session.execute(select(CommuneAdoption)).first() is None

    unverified = make_donor(session, "Công ty TNHH Chưa Xác Minh")
    other = make_user(session, Role.DONOR, donor=unverified)
    client.post("/dang-xuat", data={})
    client.delete_cookie("session")
    login(client, other.email, PASSWORD)
    assert client.get("/tai-khoan/do-dau").status_code == 302
