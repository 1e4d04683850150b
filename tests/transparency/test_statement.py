"""The public statement (sao kê): search as the public types, filters, order, stable pages, permalinks."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest

from app.contributions.reversal import reverse_contribution
from tests import factories as f
from tests.transparency.conftest import give


def names_on(html: str) -> list[str]:
    return re.findall(r'href="/cong-khai/sao-ke/\d+">([^<]+)</a>', html)


@pytest.fixture
def people(session, kh):  # type: ignore[no-untyped-def]
    c = kh["campaign"]
    return {
        "a": give(
            session,
            c,
            50_000_000,
            name="Nguyễn Văn A",
            on=date(2026, 10, 18),
            receiving=kh["province"],
            bank_txn_ref="FT26291000111",
            masked_account="*********2418",
        ),
        "duong": give(
            session,
            c,
            200_000_000,
            name="Công ty TNHH Đường Biên Hòa",
            on=date(2026, 10, 19),
            receiving=kh["province"],
            pledge_reference="VNN26-0042-K",
        ),
        "anh": give(
            session,
            c,
            2_000_000,
            name="Hộ ông Đặng Văn Ánh",
            on=date(2026, 10, 25),
            receiving=kh["cam_lam"],
            note="Gọi 0905123456 để gửi biên nhận",
        ),
        "son": give(
            session,
            c,
            500_000,
            name="Trần Thị Bình",
            on=date(2026, 11, 2),
            receiving=kh["province"],
            earmark=kh["khanh_son"],
        ),
    }


def test_search_ignores_diacritics_case_and_unicode_form(client, people):
    assert names_on(client.get("/cong-khai/sao-ke?q=nguyen+van+a").get_data(as_text=True)) == ["Nguyễn Văn A"]
    assert names_on(client.get("/cong-khai/sao-ke?q=duong").get_data(as_text=True)) == [
        "Công ty TNHH Đường Biên Hòa"
    ]
    decomposed = unicodedata.normalize("NFD", "Đặng Văn Ánh")
    assert names_on(
        client.get("/cong-khai/sao-ke", query_string={"q": decomposed}).get_data(as_text=True)
    ) == ["Hộ ông Đặng Văn Ánh"]
    assert names_on(client.get("/cong-khai/sao-ke?q=NGUYỄN").get_data(as_text=True)) == ["Nguyễn Văn A"]


def test_search_by_bank_reference_pledge_reference_and_receipt(client, people):
    assert names_on(client.get("/cong-khai/sao-ke?q=ft26291000111").get_data(as_text=True)) == [
        "Nguyễn Văn A"
    ]
    assert names_on(client.get("/cong-khai/sao-ke?q=VNN26-0042-K").get_data(as_text=True)) == [
        "Công ty TNHH Đường Biên Hòa"
    ]
    receipt = people["son"].receipt_no
    assert "Trần Thị Bình" in names_on(client.get(f"/cong-khai/sao-ke?q={receipt}").get_data(as_text=True))


def test_filters_by_exact_amount_date_range_and_area(client, people, kh):
    assert names_on(client.get("/cong-khai/sao-ke?so_tien=50.000.000").get_data(as_text=True)) == [
        "Nguyễn Văn A"
    ]
    html = client.get("/cong-khai/sao-ke?tu_ngay=19/10/2026&den_ngay=25/10/2026").get_data(as_text=True)
    assert sorted(names_on(html)) == ["Công ty TNHH Đường Biên Hòa", "Hộ ông Đặng Văn Ánh"]
    # Area: the earmarked commune, else the receiving unit.
    html = client.get(f"/cong-khai/sao-ke?tinh={kh['province'].id}&xa={kh['khanh_son'].id}").get_data(
        as_text=True
    )
    assert names_on(html) == ["Trần Thị Bình"]
    html = client.get(f"/cong-khai/sao-ke?tinh={kh['province'].id}").get_data(as_text=True)
    assert len(names_on(html)) == 4


def test_bad_filters_get_a_vietnamese_message_naming_the_field(client, people):
    resp = client.get("/cong-khai/sao-ke?so_tien=năm+chục")
    assert resp.status_code == 400
    assert "Số tiền" in resp.get_data(as_text=True)
    resp = client.get("/cong-khai/sao-ke?tu_ngay=31/02/2026")
    assert resp.status_code == 400 and "Từ ngày" in resp.get_data(as_text=True)
    resp = client.get("/cong-khai/sao-ke?sau=not-a-cursor")
    assert resp.status_code == 400 and "trang" in resp.get_data(as_text=True)


def test_sorting_by_amount_and_date(client, people):
    html = client.get("/cong-khai/sao-ke?sap_xep=so_tien&thu_tu=tang").get_data(as_text=True)
    assert names_on(html)[0] == "Trần Thị Bình" and names_on(html)[-1] == "Công ty TNHH Đường Biên Hòa"
    html = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert names_on(html)[0] == "Trần Thị Bình"  # newest first


def test_pages_follow_keyset_links_and_do_not_shift_when_new_gifts_arrive(client, session, kh):
    for i in range(7):
        give(session, kh["campaign"], 100_000 + i, name=f"Người số {i}", on=date(2026, 10, 10 + i))
    first = client.get("/cong-khai/sao-ke?limit=3").get_data(as_text=True)
    assert names_on(first) == ["Người số 6", "Người số 5", "Người số 4"]
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = names_on(client.get(next_link).get_data(as_text=True))
    assert second == ["Người số 3", "Người số 2", "Người số 1"]
    for i in range(3):  # newer money arrives, and one gift dated in the middle of page 2
        give(session, kh["campaign"], 1_000_000, name=f"Mới {i}", on=date(2026, 11, 1 + i))
    assert names_on(client.get(next_link).get_data(as_text=True)) == second
    page2 = client.get(next_link).get_data(as_text=True)
    prev_link = re.search(r'rel="prev" href="([^"]+)"', page2).group(1).replace("&amp;", "&")
    assert names_on(client.get(prev_link).get_data(as_text=True)) == [
        "Người số 6",
        "Người số 5",
        "Người số 4",
    ]


def test_reversed_contribution_is_shown_as_reversed_not_hidden(client, session, people):
    reverse_contribution(session, f.SYSTEM, people["a"].id, "Ghi trùng sao kê")
    session.commit()
    html = client.get("/cong-khai/sao-ke?q=nguyen+van+a").get_data(as_text=True)
    assert "Nguyễn Văn A" in html and "Đã hủy" in html and "<del>50.000.000" in html
    detail = client.get(f"/cong-khai/sao-ke/{people['a'].id}").get_data(as_text=True)
    assert "đã bị hủy" in detail


def test_permalink_by_id_and_receipt_shows_only_public_fields(client, people):
    c = people["a"]
    html = client.get(f"/cong-khai/sao-ke/{c.id}").get_data(as_text=True)
    assert "Nguyễn Văn A" in html and "50.000.000" in html and "*********2418" in html
    assert "FT26291000111" in html
    duong = people["duong"]
    by_receipt = client.get(f"/cong-khai/sao-ke/{duong.receipt_no}")
    assert by_receipt.status_code == 200 and "Đường Biên Hòa" in by_receipt.get_data(as_text=True)
    # Receipt numbers restart per receiving unit but carry its code (issue 19.3): never one number for two gifts.
    assert people["anh"].receipt_no != c.receipt_no
    assert people["anh"].receipt_no.rsplit("-", 1)[1] == c.receipt_no.rsplit("-", 1)[1]
    resp = client.get(f"/cong-khai/sao-ke/{c.receipt_no}", follow_redirects=True)
    shown = resp.get_data(as_text=True)
    assert "Nguyễn Văn A" in shown and "Đặng Văn Ánh" not in shown
    assert client.get("/cong-khai/sao-ke/999999").status_code == 404
    note_page = client.get(f"/cong-khai/sao-ke/{people['anh'].id}").get_data(as_text=True)
    assert "Hộ ông Đặng Văn Ánh" in note_page
    assert "0905123456" not in note_page and "Gọi" not in note_page  # the staff note is never published


def test_anonymous_donor_appears_only_as_nha_hao_tam(client, session, kh):
    donor = f.make_donor(session, "Nguyễn Thị Kín Tiếng", kind=f.DonorKind.INDIVIDUAL, anonymous=True)
    give(session, kh["campaign"], 10_000_000, donor=donor)
    html = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "Nhà hảo tâm" in names_on(html)
    assert "Kín Tiếng" not in html
    assert "Kín Tiếng" not in client.get("/cong-khai/sao-ke?q=kin+tieng").get_data(as_text=True)


@pytest.mark.postgres
def test_names_sort_in_vietnamese_alphabetical_order_on_postgresql(client, session, kh):
    for name in ["Đặng Văn Ánh", "Dũng", "Ân", "Ăn", "Anh", "An Nguyễn", "Ánh", "Bảo"]:
        give(session, kh["campaign"], 100_000, name=name)
    html = client.get("/cong-khai/sao-ke?sap_xep=ten&thu_tu=tang").get_data(as_text=True)
    assert names_on(html) == ["An Nguyễn", "Anh", "Ánh", "Ăn", "Ân", "Bảo", "Dũng", "Đặng Văn Ánh"]
    first = client.get("/cong-khai/sao-ke?sap_xep=ten&thu_tu=tang&limit=3").get_data(as_text=True)
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert names_on(client.get(link).get_data(as_text=True)) == ["Ăn", "Ân", "Bảo"]
