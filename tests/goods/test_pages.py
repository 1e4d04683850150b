"""The goods pages: the public store page says where the cement went without naming a household; staff pages are
for the store's area only, and the whole handout runs through them (two people, signed list, confirmation)."""

from __future__ import annotations

import re

from app.goods.models import GoodsHandout, HandoutStatus
from tests.conftest import login, post_form
from tests.goods.conftest import cement, complete, household_handout


def test_the_public_store_page_says_where_the_cement_went_without_naming_the_household(
    client, session, world, need
):
    stock = cement(session, world)
    h = complete(session, world, household_handout(session, world, stock, 5, need.id))
    html = client.get(f"/cong-khai/kho-hang/{world.khanh_son.id}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", html)
    assert "Xi măng PCB40" in text
    assert "20 · 2.000.000 ₫" in text and "5 · 500.000 ₫" in text and "15 · 1.500.000 ₫" in text
    assert "Cho 1 hộ" in text and world.khanh_son.full_name in text
    assert "Mấu Văn Thử" not in html and "Mấu" not in html  # the head of household is never named
    assert h.list_path not in html  # the signed list is never public
    assert client.get(f"/can-bo/phieu-xuat/{h.id}/danh-sach-ky").status_code in (302, 401, 403)

    # the public ledger's line: "Hàng hóa đã cấp phát", item, quantity, value, commune; no name
    line = client.get(f"/cong-khai/so-quy/{h.ledger_transaction_id}").get_data(as_text=True)
    assert "Hàng hóa đã cấp phát" in line and "Cấp phát 5 bao Xi măng PCB40 cho 1 hộ" in line
    assert "Mấu Văn Thử" not in line
    api = client.get("/api/v1/ledger").get_json()
    [goods_line] = [x for x in api["data"] if x["id"] == h.ledger_transaction_id]
    assert goods_line["loai"] == "trao_hien_vat" and goods_line["hang_hoa"]["so_ho"] == 1
    assert goods_line["hang_hoa"]["mat_hang"] == [
        {"ten": "Xi măng PCB40", "don_vi": "bao", "so_luong": 5, "gia_tri_vnd": 500_000}
    ]


def test_a_public_house_card_is_linked_once_the_house_is_public(client, session, world, need):
    from tests.needs.conftest import fund

    fund(session, world, need)  # funded: the house card is public
    stock = cement(session, world)
    complete(session, world, household_handout(session, world, stock, 5, need.id))
    html = client.get(f"/cong-khai/kho-hang/{world.khanh_son.id}").get_data(as_text=True)
    assert f"/cong-khai/nha/{need.id}" in html and need.head_initials in html


def test_staff_of_another_area_do_not_see_the_store(client, session, world, need):
    stock = cement(session, world)
    h = household_handout(session, world, stock, 5, need.id)
    login(client, world.other_province_staff.email)
    assert client.get(f"/can-bo/kho-hang/{world.khanh_son.id}").status_code == 404
    assert client.get(f"/can-bo/phieu-xuat/{h.id}").status_code == 404


def test_a_handout_through_the_pages_needs_two_people_and_a_signed_list(app, session, world, need):
    stock = cement(session, world)
    maker = app.test_client()
    login(maker, world.ks_staff.email)
    page = f"/can-bo/kho-hang/{world.khanh_son.id}/xuat"
    data = {
        "recipient_kind": "households",
        "lines-0-stock_id": str(stock.id),
        "lines-0-quantity": "25",
        "lines-0-need_id": str(need.id),
    }
    for i in range(1, 6):
        data |= {f"lines-{i}-stock_id": "0", f"lines-{i}-quantity": "", f"lines-{i}-need_id": "0"}
    refused = post_form(maker, page, data)
    assert refused.status_code == 400
    assert (
        "Dòng 1 (Xi măng PCB40, bao): kho chỉ còn 20 bao chưa cấp phát, không đủ 25 bao."
        in refused.get_data(as_text=True)
    )
    data["lines-0-quantity"] = "10"
    resp = post_form(maker, page, data)
    assert resp.status_code == 302
    h = session.query(GoodsHandout).one()
    url = f"/can-bo/phieu-xuat/{h.id}"

    checker = app.test_client()
    login(checker, world.approver.email)
    assert post_form(checker, f"{url}/duyet", page=url).status_code == 302
    from tests.goods.conftest import pdf_list

    f = pdf_list()
    post_form(
        maker,
        f"{url}/danh-sach",
        {"document_ref": "DS-02", "file": (f.stream, "ds.pdf")},
        page=url,
        content_type="multipart/form-data",
    )
    session.expire_all()
    assert session.get(GoodsHandout, h.id).list_path
    post_form(maker, f"{url}/xac-nhan", page=url, follow_redirects=False)
    session.expire_all()
    assert session.get(GoodsHandout, h.id).status == HandoutStatus.APPROVED  # the uploader cannot confirm
    post_form(checker, f"{url}/xac-nhan", page=url)
    session.expire_all()
    assert session.get(GoodsHandout, h.id).status == HandoutStatus.DONE
    assert "Đã cấp phát" in checker.get(url).get_data(as_text=True)
