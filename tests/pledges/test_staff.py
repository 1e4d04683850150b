"""Staff pages: the scoped pledge list, pledge detail, cash and in-kind receipts with their numbers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Role
from app.contributions.models import Channel, Contribution
from app.ledger import services as ledger
from app.pledges import services
from app.pledges.models import PledgeStatus
from tests import factories as f
from tests.conftest import login, post_form
from tests.pledges.helpers import make_pledge


def test_staff_of_another_commune_get_404(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, name="Hộ ông Khánh Sơn", earmark=world["khanh_son"])
    login(client, world["cam_lam_staff"].email)
    assert client.get(f"/can-bo/dang-ky-ung-ho/{pledge.id}").status_code == 404
    assert client.get(f"/can-bo/dang-ky-ung-ho/{pledge.id}/sua").status_code == 404
    assert client.post(f"/can-bo/dang-ky-ung-ho/{pledge.id}/trang-thai").status_code in (400, 404)
    listing = client.get("/can-bo/dang-ky-ung-ho").get_data(as_text=True)
    assert pledge.reference not in listing and "Hộ ông Khánh Sơn" not in listing
    # Cam Lâm's officer cannot record a receipt against it either.
    resp = post_form(
        client,
        "/can-bo/bien-nhan/moi",
        {
            "pledge_reference": pledge.reference,
            "channel": "cash",
            "amount": "1.000.000",
            "received_on": services.today_vn().isoformat(),
        },
    )
    assert resp.status_code == 422
    assert "Mã đăng ký: không tìm thấy trong địa bàn của đồng chí." in resp.get_data(as_text=True)
    assert session.execute(select(Contribution)).first() is None


def test_own_commune_and_province_see_it(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, name="Hộ ông Khánh Sơn")
    for user in (world["khanh_son_staff"], world["province_staff"]):
        client = client.application.test_client()
        login(client, user.email)
        html = client.get("/can-bo/dang-ky-ung-ho").get_data(as_text=True)
        assert pledge.reference in html
        detail = client.get(f"/can-bo/dang-ky-ung-ho/{pledge.id}").get_data(as_text=True)
        assert "ho.tam@example.vn" in detail  # staff of the area see the contact details


def test_staff_list_filters(client, session, world):  # type: ignore[no-untyped-def]
    today = services.today_vn()
    late = make_pledge(
        session,
        world,
        name="Hộ bà Trễ",
        email="tre@example.vn",
        days_ago=40,
        instalments=[(today - timedelta(days=5), 1_000_000), (today + timedelta(days=20), 1_000_000)],
        amount=2_000_000,
    )
    ontime = make_pledge(session, world, name="Hộ ông Đúng", email="dung@example.vn")
    cancelled = make_pledge(session, world, name="Hộ bà Hủy", email="huy@example.vn")
    services.transition(session, f.SYSTEM, cancelled, PledgeStatus.CANCELLED, reason="đổi ý")
    session.commit()
    login(client, world["khanh_son_staff"].email)
    html = client.get("/can-bo/dang-ky-ung-ho?overdue=1").get_data(as_text=True)
    assert late.reference in html and ontime.reference not in html and cancelled.reference not in html
    html = client.get("/can-bo/dang-ky-ung-ho?trang_thai=cancelled").get_data(as_text=True)
    assert cancelled.reference in html and late.reference not in html
    html = client.get("/can-bo/dang-ky-ung-ho?q=ho ba tre").get_data(as_text=True)  # no diacritics needed
    assert late.reference in html and ontime.reference not in html
    html = client.get(f"/can-bo/dang-ky-ung-ho?q={ontime.reference.lower()}").get_data(as_text=True)
    assert ontime.reference in html and late.reference not in html


def test_cash_receipt_against_a_pledge(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, amount=3_000_000)
    login(client, world["khanh_son_staff"].email)
    page = client.get(f"/can-bo/bien-nhan/moi?ma={pledge.reference}")
    assert "3.000.000" in page.get_data(as_text=True)
    resp = post_form(
        client,
        "/can-bo/bien-nhan/moi",
        {
            "pledge_reference": pledge.reference,
            "channel": "cash",
            "amount": "3.000.000",
            "received_on": services.today_vn().isoformat(),
            "note": "Nộp tại trụ sở",
        },
        page=f"/can-bo/bien-nhan/moi?ma={pledge.reference}",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    c = session.execute(select(Contribution)).scalar_one()
    year = services.today_vn().year
    assert c.receipt_no == f"22714-{year}-000001" and c.channel == Channel.CASH and c.pledge_id == pledge.id
    assert c.receiving_unit_id == world["khanh_son"].id
    session.expire_all()
    assert pledge.status == PledgeStatus.FULFILLED
    receipt = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "BIÊN NHẬN" in receipt and f"22714-{year}-000001" in receipt and "3.000.000 ₫" in receipt
    assert "Ba triệu đồng" in receipt  # the amount in words (issue 19.3)
    # The ledger has it exactly once, in Khánh Sơn's pool.
    fund = ledger.main_fund(session)
    assert ledger.totals(session, fund.id, [world["khanh_son"].id]).unallocated_vnd == 3_000_000
    assert ledger.verify_ledger(session) == []
    # Another commune's officer cannot open the receipt.
    other = client.application.test_client()
    login(other, world["cam_lam_staff"].email)
    assert other.get(resp.headers["Location"]).status_code == 404


def test_in_kind_and_walk_in_receipts_numbered_per_unit(client, session, world):  # type: ignore[no-untyped-def]
    login(client, world["cam_lam_staff"].email)
    day = services.today_vn().isoformat()
    r1 = post_form(
        client,
        "/can-bo/bien-nhan/moi",
        {
            "channel": "in_kind",
            "donor_name": "Bà Trần Thị Hoa",
            "amount": "1.200.000",
            "in_kind_description": "20 thùng mì",
            "received_on": day,
            "purpose": "unrestricted",
            "anonymous": "full_name",
        },
    )
    assert r1.status_code == 302, r1.get_data(as_text=True)[:2000]
    r2 = post_form(
        client,
        "/can-bo/bien-nhan/moi",
        {
            "channel": "cash",
            "donor_name": "",
            "anonymous": "anonymous",
            "amount": "500.000",
            "received_on": day,
            "purpose": "health",
        },
    )
    assert r2.status_code == 302
    rows = session.execute(select(Contribution).order_by(Contribution.id)).scalars().all()
    year = services.today_vn().year
    assert [c.receipt_no for c in rows] == [f"22453-{year}-000001", f"22453-{year}-000002"]
    assert rows[0].in_kind_description == "20 thùng mì" and rows[1].public_name == "Nhà hảo tâm"
    # In kind without a description is refused, naming the field; nothing saved.
    r3 = post_form(
        client,
        "/can-bo/bien-nhan/moi",
        {
            "channel": "in_kind",
            "donor_name": "X",
            "amount": "100.000",
            "received_on": day,
            "purpose": "health",
            "anonymous": "full_name",
        },
    )
    assert r3.status_code == 422 and "Mô tả hiện vật: chưa nhập." in r3.get_data(as_text=True)
    assert len(session.execute(select(Contribution)).scalars().all()) == 2


def test_double_submitted_receipt_counts_once(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, amount=3_000_000)
    login(client, world["khanh_son_staff"].email)
    page = client.get(f"/can-bo/bien-nhan/moi?ma={pledge.reference}").get_data(as_text=True)
    import re

    from tests.conftest import csrf_from

    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": csrf_from(page),
        "idempotency_key": key,
        "pledge_reference": pledge.reference,
        "channel": "cash",
        "amount": "1.000.000",
        "received_on": services.today_vn().isoformat(),
    }
    assert client.post("/can-bo/bien-nhan/moi", data=data).status_code == 302
    assert client.post("/can-bo/bien-nhan/moi", data=data).status_code == 302
    assert services.amount_paid(session, pledge.id) == 1_000_000


def test_donor_cannot_reach_staff_pages(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world)
    donor_user = f.make_user(session, Role.DONOR, donor=pledge.donor)
    login(client, donor_user.email)
    assert client.get("/can-bo/dang-ky-ung-ho").status_code == 403
    assert client.get(f"/can-bo/dang-ky-ung-ho/{pledge.id}").status_code == 403


def test_receipt_dates_checked_in_vietnamese(client, session, world):  # type: ignore[no-untyped-def]
    login(client, world["cam_lam_staff"].email)
    base = {
        "channel": "cash",
        "donor_name": "Ông Lâm",
        "amount": "200.000",
        "purpose": "health",
        "anonymous": "full_name",
    }
    resp = post_form(client, "/can-bo/bien-nhan/moi", {**base, "received_on": "31/02/2026"})
    assert resp.status_code == 422 and "Ngày nhận: ngày không hợp lệ" in resp.get_data(as_text=True)
    tomorrow = (services.today_vn() + timedelta(days=1)).isoformat()
    resp = post_form(client, "/can-bo/bien-nhan/moi", {**base, "received_on": tomorrow})
    assert resp.status_code == 422 and "Ngày nhận: không được sau hôm nay." in resp.get_data(as_text=True)
    assert session.execute(select(Contribution)).first() is None


def test_overdue_list_counts_and_pages_newest_first(client, session, world):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from app.pledges.models import Pledge

    late = [
        make_pledge(session, world, name=f"Hộ trễ {n}", email=f"tre{n}@example.vn", days_ago=40)
        for n in range(52)
    ]
    paid = make_pledge(
        session, world, name="Hộ đã nộp", email="nop@example.vn", days_ago=40, amount=1_000_000
    )
    services.record_pledge_payment(
        session,
        f.SYSTEM,
        paid,
        amount_vnd=1_000_000,
        channel=Channel.CASH,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key="paid-1",
    )
    make_pledge(session, world, name="Hộ chưa đến hạn", email="chua@example.vn")
    base = datetime(2026, 10, 1, tzinfo=UTC)
    for n, pledge in enumerate(late):  # distinct creation times: Hộ trễ 51 is the newest
        session.get(Pledge, pledge.id).created_at = base + timedelta(minutes=n)
    session.commit()
    login(client, world["province_staff"].email)

    first = client.get("/can-bo/dang-ky-ung-ho?overdue=1").get_data(as_text=True)
    assert "(52)" in first and "Trang 1 / 2" in first
    assert late[51].reference in first and late[2].reference in first and late[1].reference not in first
    assert first.index(late[51].reference) < first.index(late[50].reference)
    assert paid.reference not in first and "Hộ chưa đến hạn" not in first
    second = client.get("/can-bo/dang-ky-ung-ho?overdue=1&page=2").get_data(as_text=True)
    assert late[1].reference in second and late[0].reference in second and late[2].reference not in second
    beyond = client.get("/can-bo/dang-ky-ung-ho?overdue=1&page=9").get_data(as_text=True)
    assert "(52)" in beyond and late[0].reference not in beyond


def test_overdue_list_rows_and_count_in_the_tricky_cases(client, session, world):  # type: ignore[no-untyped-def]
    """Instalments partly due, partly paid pledges on either side of what is due, a payment reversed (the pledge
    is overdue again), another province's pledge: the list (its rows and its count) agrees with overdue_clause."""
    from datetime import UTC, datetime

    from app.contributions.reversal import reverse_contribution
    from app.pledges.models import Pledge

    today = services.today_vn()
    split = [(today - timedelta(days=10), 1_000_000), (today + timedelta(days=20), 1_000_000)]

    def pay(pledge, amount, key):  # type: ignore[no-untyped-def]
        return services.record_pledge_payment(
            session,
            f.SYSTEM,
            pledge,
            amount_vnd=amount,
            channel=Channel.CASH,
            received_at=datetime.now(UTC),
            source="test",
            idempotency_key=key,
        )

    short = make_pledge(
        session,
        world,
        name="Hộ nộp thiếu",
        email="thieu@example.vn",
        days_ago=40,
        instalments=split,
        amount=2_000_000,
    )
    pay(short, 600_000, "short")  # 1 000 000 due, 600 000 received: overdue
    covered = make_pledge(
        session,
        world,
        name="Hộ nộp đủ đợt 1",
        email="du@example.vn",
        days_ago=40,
        instalments=split,
        amount=2_000_000,
    )
    pay(covered, 1_000_000, "covered")  # what is due is received; the second instalment is not due yet
    reversed_ = make_pledge(
        session, world, name="Hộ bị hủy khoản nộp", email="huy.nop@example.vn", days_ago=40, amount=1_000_000
    )
    [money] = pay(reversed_, 1_000_000, "reversed")
    reverse_contribution(session, f.SYSTEM, money.id, "nhầm người nộp")
    services.refresh_status(session, f.SYSTEM, reversed_)
    not_due = make_pledge(
        session,
        world,
        name="Hộ chưa đến hạn",
        email="chua@example.vn",
        instalments=[(today + timedelta(days=3), 1_000_000), (today + timedelta(days=33), 1_000_000)],
        amount=2_000_000,
    )
    elsewhere = make_pledge(session, world, name="Hộ tỉnh khác", email="khac@example.vn", days_ago=40)
    other = f.hanoi(session)
    moved = session.get(Pledge, elsewhere.id)
    moved.receiving_unit_id = moved.earmark_unit_id = other.id
    session.commit()
    assert session.get(Pledge, covered.id).status == PledgeStatus.PARTLY_PAID
    assert session.get(Pledge, reversed_.id).status == PledgeStatus.PLEDGED

    assert set(session.execute(select(Pledge.id).where(services.overdue_clause(today))).scalars()) == {
        short.id,
        reversed_.id,
        elsewhere.id,
    }

    login(client, world["province_staff"].email)
    html = client.get("/can-bo/dang-ky-ung-ho?overdue=1").get_data(as_text=True)
    assert "(2)" in html
    assert short.reference in html and reversed_.reference in html
    for absent in (covered, not_due, elsewhere):
        assert absent.reference not in html
    assert html.index(reversed_.reference) < html.index(short.reference)  # newest first
    searched = client.get("/can-bo/dang-ky-ung-ho?overdue=1&q=ho nop thieu").get_data(as_text=True)
    assert "(1)" in searched and short.reference in searched and reversed_.reference not in searched
