"""The one public ledger (issue 20.2): money in and out on one chronological statement per area, each line with its
permalink and proof, reversals as their own lines, totals equal to the ledger (checked by `flask ledger verify`),
the same in the API and the CSV — and never a household's or a donor's personal data."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from app.contributions.reversal import reverse_contribution
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.verify import run_checks
from app.needs import funding
from tests import factories as f
from tests.needs.conftest import ADDRESS, CITIZEN_ID, PHONE, add_need, approve, fund, world  # noqa: F401
from tests.transparency.conftest import give


@pytest.fixture
def books(session, world):  # noqa: F811
    """Money in (two gifts), a transfer from the province down to Cam Lâm, a house funded and paid in Khánh Sơn,
    and one gift reversed."""
    w = world
    c = w.campaign
    gift = give(
        session,
        c,
        30_000_000,
        name="Nguyễn Văn An",
        receiving=w.khanh_hoa,
        on=date(2026, 10, 18),
        note="Gọi 0905123456",
    )
    mistaken = give(session, c, 7_000_000, name="Trần Thị Bình", receiving=w.khanh_hoa, on=date(2026, 10, 19))
    ledger.transfer(
        session,
        f.SYSTEM,
        fund_id=c.fund_id,
        from_unit_id=w.khanh_hoa.id,
        from_purpose=Purpose.UNRESTRICTED,
        to_unit_id=w.cam_lam.id,
        to_purpose=Purpose.UNRESTRICTED,
        amount_vnd=5_000_000,
        occurred_on=date(2026, 10, 20),
        memo="Chuyển xuống xã theo công văn 12",
    )
    session.commit()
    need = add_need(session, w)
    approve(session, w, need)
    fund(session, w, need, 60_000_000)
    paid = funding.disburse_need(
        session, f.SYSTEM, need.id, 20_000_000, "PC-0001/2026", note="Giao tận tay ông Mấu Văn Thử"
    )
    session.commit()
    reverse_contribution(session, f.SYSTEM, mistaken.id, "Nhập nhầm")
    session.commit()
    return {"w": w, "gift": gift, "mistaken": mistaken, "need": need, "paid": paid}


def lines_of(html: str) -> list[str]:
    return re.findall(r'data-line="(\d+)"', html)


def test_money_in_and_out_on_one_statement_with_permalinks_and_house_cards(client, session, books):
    html = client.get("/cong-khai/so-quy").get_data(as_text=True)
    for label in ("Tiền vào", "Điều chuyển giữa các cấp", "Phân bổ", "Giải ngân (chi trả)", "Bút toán đảo"):
        assert label in html
    need, paid = books["need"], books["paid"]
    assert f"/cong-khai/so-quy/{paid.ledger_transaction_id}" in html
    assert f'href="/cong-khai/nha/{need.id}"' in html  # the payout's proof: the house card
    assert need.head_initials in html
    line = client.get(f"/cong-khai/so-quy/{paid.ledger_transaction_id}").get_data(as_text=True)
    assert "20.000.000" in line and f"/cong-khai/nha/{need.id}" in line and "Đã giải ngân" in line
    # Chronological, newest first: the reversal (today) before the first gift (18/10/2026).
    ids = lines_of(html)
    assert ids.index(str(books["mistaken"].reversal_transaction_id)) < ids.index(
        str(books["gift"].ledger_transaction_id)
    )


def test_a_reversal_is_its_own_line_linked_both_ways_and_the_totals_follow(client, session, books):
    mistaken = books["mistaken"]
    original, reversal = mistaken.ledger_transaction_id, mistaken.reversal_transaction_id
    assert original and reversal
    page = client.get("/cong-khai/so-quy?loai=dao").get_data(as_text=True)
    assert lines_of(page) == [str(reversal)]
    assert f"/cong-khai/so-quy/{original}" in page  # links to what it reverses
    orig_page = client.get(f"/cong-khai/so-quy/{original}").get_data(as_text=True)
    assert "Đã bị đảo" in orig_page and f"/cong-khai/so-quy/{reversal}" in orig_page
    api = client.get(f"/api/v1/ledger/{reversal}").get_json()
    assert api["dao_cho"] == original and api["loai"] == "dao" and api["so_tien_vnd"] == 7_000_000
    # Received: 30 + 7 + 60 (the house's money) − 7 reversed.
    totals = client.get("/api/v1/ledger").get_json()["totals"]
    assert totals["received_vnd"] == 90_000_000
    assert totals["disbursed_vnd"] == 20_000_000
    assert totals["allocated_vnd"] == 60_000_000


def test_totals_per_unit_equal_the_ledger_and_verify_checks_them(client, session, books):
    w = books["w"]
    fund_id = w.campaign.fund_id
    for unit in (w.khanh_hoa, w.khanh_son, w.cam_lam):
        books_say = {k: int(v) for k, v in vars(ledger.totals(session, fund_id, [unit.id])).items()}
        assert client.get(f"/api/v1/ledger?xa={unit.id}").get_json()["totals"] == books_say, unit.name
        # The same figures summed from the lines themselves (a date range covering them all).
        summed = client.get(f"/api/v1/ledger?xa={unit.id}&tu_ngay=01/01/2000").get_json()["totals"]
        assert summed == books_say, unit.name
    province = client.get(f"/api/v1/ledger?tinh={w.khanh_hoa.id}").get_json()["totals"]
    assert (
        province["received_vnd"]
        == ledger.totals(session, fund_id, [w.khanh_hoa.id, w.khanh_son.id, w.cam_lam.id]).received_vnd
    )
    report = run_checks(session, ["public_ledger"])
    assert report.ok, [p.line() for p in report.problems]


def test_verify_reports_a_public_ledger_that_disagrees_with_the_balances(session, books):
    from sqlalchemy import text

    # A balance changed behind the ledger's back (what a bad migration or a manual fix would do).
    session.execute(
        text("UPDATE ledger_accounts SET balance_vnd = balance_vnd + 1000 WHERE kind = 'disbursed'")
    )
    session.commit()
    problems = run_checks(session, ["public_ledger"]).problems
    assert problems and "sổ quỹ công khai" in problems[0].message
    assert problems[0].unit_id == books["w"].khanh_son.id


def test_filters_and_keyset_pages_never_repeat_a_line(client, session, books):
    every = lines_of(client.get("/cong-khai/so-quy?limit=200").get_data(as_text=True))
    seen: list[str] = []
    url = "/api/v1/ledger?limit=2"
    while url:
        body = client.get(url.replace("http://127.0.0.1:5000", "")).get_json()
        seen += [str(line["id"]) for line in body["data"]]
        url = body["next"]
    assert seen == every and len(set(seen)) == len(seen) >= 6
    money_in = client.get("/api/v1/ledger?loai=tien_vao").get_json()["data"]
    assert {line["loai"] for line in money_in} == {"tien_vao"}
    assert [
        line["so_tien_vnd"] for line in client.get("/api/v1/ledger?so_tien=5.000.000").get_json()["data"]
    ] == [5_000_000]
    cam_lam = client.get(f"/api/v1/ledger?xa={books['w'].cam_lam.id}").get_json()["data"]
    assert [line["loai"] for line in cam_lam] == ["dieu_chuyen"]
    assert client.get("/cong-khai/so-quy?loai=xyz").status_code == 400


def test_no_personal_data_in_page_api_or_csv(client, session, books):
    need = books["need"]
    pages = [
        client.get("/cong-khai/so-quy").get_data(as_text=True),
        client.get(f"/cong-khai/so-quy/{books['paid'].ledger_transaction_id}").get_data(as_text=True),
        client.get(f"/cong-khai/so-quy/{books['gift'].ledger_transaction_id}").get_data(as_text=True),
        client.get("/api/v1/ledger?limit=200").get_data(as_text=True),
        client.get(f"/api/v1/ledger/{books['paid'].ledger_transaction_id}").get_data(as_text=True),
        client.get("/cong-khai/du-lieu/so-quy.csv").get_data(as_text=True),
    ]
    for text_ in pages:
        for secret in (
            "Mấu Văn Thử",
            CITIZEN_ID,
            PHONE,
            ADDRESS,
            "0905123456",
            "công văn 12",
            "PC-0001",
            "tận tay",
        ):
            assert secret not in text_
    assert need.head_initials in pages[1]


def test_csv_export_lists_every_line_with_its_permalink(client, session, books):
    resp = client.get("/cong-khai/du-lieu/so-quy.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    api = client.get("/api/v1/ledger?limit=200").get_json()["data"]
    assert [int(r["ma_but_toan"]) for r in rows] == [line["id"] for line in api]
    reversal = next(r for r in rows if r["loai"] == "dao")
    assert reversal["dao_cho"] == str(books["mistaken"].ledger_transaction_id)
    assert all(r["url"].endswith(f"/cong-khai/so-quy/{r['ma_but_toan']}") for r in rows)
    for r in rows:
        for value in r.values():
            assert not value or value[0] not in "=+-@\t\r"


def test_openapi_describes_the_ledger(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/ledger" in doc["paths"] and "/api/v1/ledger/{transaction_id}" in doc["paths"]
    assert "LedgerLine" in doc["components"]["schemas"]
