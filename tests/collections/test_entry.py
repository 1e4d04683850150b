"""The batch-entry screen as commune staff use it: rows typed one by one, sent as JSON by the script."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import func, select

from app.collections.models import HouseholdRow
from app.contributions.models import Contribution, ContributionStatus
from app.core.i18n import VN_TZ
from app.ledger.services import main_fund, totals
from app.units.models import AdminUnit
from tests.conftest import csrf_from, login, post_form

NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Võ Thị Phương",
    "Đặng Văn Giang",
    "Bùi Thị Hạnh",
    "Đỗ Văn Khánh",
    "Hồ Thị Lan",
]


def entry_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/can-bo/thu-ho/xa/{world.commune.id}"


def open_screen(client, world) -> str:  # type: ignore[no-untyped-def]
    resp = client.get(entry_url(world))
    assert resp.status_code == 200
    return csrf_from(resp.get_data(as_text=True))


def send(client, world, token, row, key=None):  # type: ignore[no-untyped-def]
    payload = {"key": key or str(uuid.uuid4()), **row}
    return client.post(entry_url(world) + "/dong", json=payload, headers={"X-CSRFToken": token})


def province_ids(session, world):  # type: ignore[no-untyped-def]
    return [
        world.province.id,
        *session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == world.province.id)).scalars(),
    ]


def test_thirty_households_typed_with_running_totals_and_roll_up(client, session, world):
    fund = main_fund(session).id
    province_before = totals(session, fund, province_ids(session, world)).received_vnd
    login(client, world.staff)
    token = open_screen(client, world)
    expected = 0
    receipts = []
    for i in range(30):
        amount = 100_000 + 10_000 * i
        expected += amount
        resp = send(
            client,
            world,
            token,
            {
                "head_name": f"{NAMES[i % 10]} {i}",
                "hamlet": ["thon ta luong", "Thôn Tô Hạp", "to dan pho 3"][i % 3],
                "amount": f"{amount:,}".replace(",", "."),
                "in_kind": "",
                "date": "",
                "collector": "Cao Văn Minh",
            },
        )
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["ok"] and not body["duplicate_of"] and not body["replayed"]
        receipts.append(body["receipt_no"])
        assert body["summary"]["households"] == i + 1
        assert body["summary"]["total_vnd"] == expected
    assert len(set(receipts)) == 30
    numbers = [int(r.rsplit("-", 1)[1]) for r in receipts]  # "22714-2026-000042": unit, year, number
    assert numbers == list(range(numbers[0], numbers[0] + 30))  # gap-free, in the order typed
    assert body["summary"]["total_text"] == f"{expected:,} ₫".replace(",", ".")
    assert totals(session, fund, [world.commune.id]).received_vnd == expected
    assert totals(session, fund, province_ids(session, world)).received_vnd == province_before + expected
    # The screen shows the same totals after a reload.
    html = client.get(entry_url(world)).get_data(as_text=True)
    assert f"{expected:,} ₫".replace(",", ".") in html


def test_same_row_sent_twice_is_recorded_once(client, session, world):
    login(client, world.staff)
    token = open_screen(client, world)
    key = str(uuid.uuid4())
    row = {"head_name": "Mấu Thị Hoa", "hamlet": "Thôn Tà Lương", "amount": "200.000", "collector": "A"}
    first = send(client, world, token, row, key).get_json()
    second = send(client, world, token, row, key).get_json()
    assert first["ok"] and second["ok"] and second["replayed"]
    assert first["receipt_no"] == second["receipt_no"]
    assert session.execute(select(func.count(Contribution.id))).scalar() == 1
    assert session.execute(select(func.count(HouseholdRow.id))).scalar() == 1
    assert totals(session, main_fund(session).id, [world.commune.id]).received_vnd == 200_000


def test_likely_duplicate_is_flagged_and_undo_reverses_it(client, session, world):
    login(client, world.staff)
    token = open_screen(client, world)
    first = send(
        client, world, token, {"head_name": "Cao Văn Sáu", "hamlet": "Thôn Dốc Gạo", "amount": "50000"}
    ).get_json()
    dup = send(
        client, world, token, {"head_name": "cao van sau", "hamlet": "thôn dốc gạo", "amount": "50000"}
    ).get_json()
    assert dup["ok"] and dup["duplicate_of"] == first["receipt_no"]
    other_hamlet = send(
        client, world, token, {"head_name": "Cao Văn Sáu", "hamlet": "Thôn Tô Hạp", "amount": "1"}
    ).get_json()
    assert other_hamlet["duplicate_of"] is None
    fund = main_fund(session).id
    assert totals(session, fund, [world.commune.id]).received_vnd == 100_001
    resp = client.post(other_hamlet["undo_url"], json={}, headers={"X-CSRFToken": token})
    assert resp.get_json()["ok"]
    resp = client.post(dup["undo_url"], json={}, headers={"X-CSRFToken": token})
    assert resp.get_json()["ok"]
    assert resp.get_json()["summary"]["households"] == 1
    c = session.get(Contribution, dup["id"])
    session.refresh(c)
    assert c.status == ContributionStatus.REVERSED and c.reversal_transaction_id is not None
    assert totals(session, fund, [world.commune.id]).received_vnd == 50_000
    again = client.post(dup["undo_url"], json={}, headers={"X-CSRFToken": token})
    assert again.status_code == 422 and "đã được hủy" in again.get_json()["error"]


def test_bad_rows_are_refused_with_the_field_named_and_nothing_saved(client, session, world):
    login(client, world.staff)
    token = open_screen(client, world)
    cases = [
        ({"head_name": "", "hamlet": "Thôn Tà Lương", "amount": "100000"}, "Họ tên chủ hộ: chưa nhập"),
        (
            {"head_name": "A", "hamlet": "Thôn Không Có", "amount": "100000"},
            "Thôn/Tổ dân phố: “Thôn Không Có”",
        ),
        ({"head_name": "A", "hamlet": "Thôn Tà Lương", "amount": "1,5"}, "Số tiền: “1,5”"),
        (
            {"head_name": "A", "hamlet": "Thôn Tà Lương", "amount": "100000", "date": "31/02/2026"},
            "Ngày: “31/02/2026”",
        ),
        (
            {"head_name": "A", "hamlet": "Thôn Tà Lương", "amount": "", "in_kind": "20 kg gạo"},
            "giá trị ước tính",
        ),
    ]
    for row, message in cases:
        resp = send(client, world, token, row)
        assert resp.status_code == 422
        assert message in resp.get_json()["error"]
    assert session.execute(select(func.count(Contribution.id))).scalar() == 0


def test_json_without_csrf_header_is_refused(client, session, world):
    login(client, world.staff)
    open_screen(client, world)
    resp = client.post(
        entry_url(world) + "/dong",
        json={"key": str(uuid.uuid4()), "head_name": "A", "hamlet": "Thôn Tà Lương", "amount": "1000"},
    )
    assert resp.status_code == 400
    assert session.execute(select(func.count(Contribution.id))).scalar() == 0


def test_in_kind_row_posts_to_in_kind_account(client, session, world):
    login(client, world.staff)
    token = open_screen(client, world)
    body = send(
        client,
        world,
        token,
        {
            "head_name": "Y Hạnh",
            "hamlet": "Thôn Tà Lương",
            "amount": "300.000",
            "in_kind": "20 kg gạo",
            "date": "20/10/2026",
        },
    ).get_json()
    assert body["ok"]
    c = session.get(Contribution, body["id"])
    assert c.channel == "in_kind" and c.in_kind_description == "20 kg gạo"
    assert c.received_on.isoformat() == "2026-10-20"
    assert totals(session, main_fund(session).id, [world.commune.id]).in_kind_vnd == 300_000


def test_plain_form_works_without_javascript(client, session, world):
    login(client, world.staff)
    html = client.get(entry_url(world)).get_data(as_text=True)
    key = html.split('name="idempotency_key" type="hidden" value="')[1].split('"')[0]
    data = {
        "head_name": "Nguyễn Văn Tám",
        "hamlet": "Thôn Tà Lương",
        "amount": "150.000",
        "in_kind": "",
        "date": "",
        "collector": "Cao Văn Minh",
        "idempotency_key": key,
    }
    resp = post_form(client, entry_url(world), data, follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert "Đã ghi biên nhận" in text and "Nguyễn Văn Tám" in text
    post_form(client, entry_url(world), data)  # the same form submitted twice
    assert session.execute(select(func.count(Contribution.id))).scalar() == 1


def test_public_name_follows_the_communes_setting(client, session, world):
    login(client, world.staff)
    token = open_screen(client, world)
    named = send(
        client, world, token, {"head_name": "Mấu Văn Ba", "hamlet": "Thôn Tà Lương", "amount": "1000"}
    ).get_json()
    assert named["public_name"] == "Mấu Văn Ba"  # the campaign says "name"
    resp = post_form(
        client, entry_url(world) + "/cai-dat", {"household_display": "hamlet"}, page=entry_url(world)
    )
    assert resp.status_code == 302
    hidden = send(
        client, world, token, {"head_name": "Mấu Văn Tư", "hamlet": "thon ta luong", "amount": "1000"}
    ).get_json()
    assert hidden["public_name"] == "Hộ gia đình – Thôn Tà Lương"
    c = session.get(Contribution, hidden["id"])
    assert "Mấu Văn Tư" not in c.public_name and "mau van tu" not in c.search_key


def test_other_communes_staff_get_404(client, session, world):
    login(client, world.staff)
    token = open_screen(client, world)
    row = send(
        client, world, token, {"head_name": "A", "hamlet": "Thôn Tà Lương", "amount": "1000"}
    ).get_json()
    other = client.application.test_client()
    login(other, world.other_staff)
    assert other.get("/can-bo/thu-ho/").headers["Location"].endswith(f"/can-bo/thu-ho/xa/{world.other.id}")
    token2 = csrf_from(other.get(f"/can-bo/thu-ho/xa/{world.other.id}").get_data(as_text=True))
    assert other.get(entry_url(world)).status_code == 404
    assert (
        send(other, world, token2, {"head_name": "B", "hamlet": "Thôn Tà Lương", "amount": "1"}).status_code
        == 404
    )
    assert other.post(row["undo_url"], json={}, headers={"X-CSRFToken": token2}).status_code == 404
    assert other.get(entry_url(world) + "/nhap-tep").status_code == 404
    assert other.get(entry_url(world) + "/danh-sach-ky").status_code == 404
    assert session.get(Contribution, row["id"]).status == ContributionStatus.RECORDED


def test_province_staff_pick_a_commune_of_their_province(client, world):
    login(client, world.province_staff)
    page = client.get("/can-bo/thu-ho/").get_data(as_text=True)
    assert "Khánh Sơn" in page
    resp = client.get(f"/can-bo/thu-ho/?xa={world.commune.id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(entry_url(world))
    assert client.get(entry_url(world)).status_code == 200
    hanoi = AdminUnit(
        level="commune",
        code=99999,
        name="Xã Ngoài Tỉnh",
        division_type="xã",
        codename="x",
        valid_from=world.commune.valid_from,
        code_source="test",
    )
    from app.extensions import db

    db.session.add(hanoi)
    db.session.commit()
    assert client.get(f"/can-bo/thu-ho/xa/{hanoi.id}").status_code == 404


def test_staff_nav_links_to_the_entry_screen(client, world):
    login(client, world.staff)
    html = client.get("/can-bo").get_data(as_text=True)
    assert 'href="/can-bo/thu-ho/"' in html and "Nhập đóng góp hộ" in html


def test_a_back_dated_household_is_received_at_noon_vietnam_time(client, session, world):
    login(client, world.staff)
    token = open_screen(client, world)
    body = send(
        client,
        world,
        token,
        {
            "head_name": "Mấu Thị Nở",
            "hamlet": "Thôn Tà Lương",
            "amount": "200.000",
            "date": "05/11/2026",
            "collector": "Cao Văn Minh",
        },
    ).get_json()
    assert body["ok"], body
    session.expire_all()
    c = session.get(Contribution, body["id"])
    assert c.received_on == date(2026, 11, 5)
    # Noon in Vietnam is 05:00 UTC: read back as such (SQLite once kept the wall clock, read back as 12:00 UTC)...
    assert c.received_at == datetime(2026, 11, 5, 5, 0, tzinfo=UTC)

    # ...and compared as such in SQL: it came in before 13:00 Vietnam time (06:00 UTC, as a card payment's time is
    # given), and not before 11:00 Vietnam time.
    def received_before(moment: datetime) -> int:
        return session.execute(
            select(func.count(Contribution.id)).where(Contribution.received_at < moment)
        ).scalar_one()

    assert received_before(datetime(2026, 11, 5, 6, 0, tzinfo=UTC)) == 1
    assert received_before(datetime(2026, 11, 5, 11, 0, tzinfo=VN_TZ)) == 0
    # The staff home lists it on its Vietnamese day.
    assert "05/11/2026" in client.get("/can-bo").get_data(as_text=True)


def test_a_row_typed_and_undone_at_three_in_the_morning_is_dated_that_vietnamese_day(client, session, world):
    """03:00 on 06/11 in Vietnam is 20:00 UTC on 05/11: a server on UTC must still date the receipt and its
    reversal 06/11 (the books and the public statement show these dates)."""
    from app.ledger.models import LedgerTransaction

    with time_machine.travel(datetime(2026, 11, 5, 20, 0, tzinfo=UTC), tick=True):
        login(client, world.staff)
        token = open_screen(client, world)
        body = send(
            client,
            world,
            token,
            {
                "head_name": "Mấu Văn Tám",
                "hamlet": "Thôn Tà Lương",
                "amount": "300.000",
                "collector": "Cao Văn Minh",
            },
        ).get_json()
        assert body["ok"], body
        assert client.post(body["undo_url"], json={}, headers={"X-CSRFToken": token}).get_json()["ok"]
    session.expire_all()
    c = session.get(Contribution, body["id"])
    assert c.received_on == date(2026, 11, 6)
    receipt = session.get(LedgerTransaction, c.ledger_transaction_id)
    reversal = session.get(LedgerTransaction, c.reversal_transaction_id)
    assert (receipt.occurred_on, reversal.occurred_on) == (date(2026, 11, 6), date(2026, 11, 6))
