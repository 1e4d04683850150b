"""The payout pages as staff use them: the account typed by the commune shown masked, revealed with a reason,
an order prepared by one person and approved by another, the bank file downloaded."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.payouts.models import OrderStatus, PayoutOrder
from tests.conftest import login, post_form
from tests.payouts.conftest import ACCOUNT, funded_need


def test_two_people_prepare_and_approve_a_bank_payout_and_the_file_is_downloaded(
    app, client, session, world, paying_account
):
    need = funded_need(session, world)
    page = f"/can-bo/chi-tra/ho/{need.id}"
    login(client, world.ks_staff.email)
    resp = post_form(
        client,
        f"{page}/thong-tin-nhan-tien",
        {
            "method": "bank",
            "bank_name": "Agribank",
            "account_number": "3901 205 123456",
            "holder_name": "Mấu Văn Thử",
        },
        page=page,
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Đã lưu thông tin nhận tiền." in html
    assert "…3456" in html and ACCOUNT not in html and "Mấu Văn Thử" not in html

    resp = post_form(
        client, f"{page}/lap-lenh", {"tranche": "advance", "amount": "20.000.000", "note": ""}, page=page
    )
    assert resp.status_code == 302
    order = session.execute(select(PayoutOrder)).scalar_one()
    order_page = f"/can-bo/chi-tra/lenh/{order.id}"
    assert f"CT-PO-{order.id:06d}" in client.get(order_page).get_data(as_text=True)

    # the commune officer who prepared it sees no approve button; the province's approver does
    assert "Duyệt lệnh chi" not in client.get(order_page).get_data(as_text=True)
    client = app.test_client()
    login(client, world.approver.email)
    html = post_form(client, f"{order_page}/duyet", {}, page=order_page, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Đã duyệt lệnh chi" in html
    session.expire_all()
    assert session.get(PayoutOrder, order.id).status == OrderStatus.APPROVED

    # revealing the account needs a reason
    html = post_form(client, f"{page}/xem-thong-tin", {"reason": "xem"}, page=page).get_data(as_text=True)
    assert ACCOUNT not in html and "Lý do xem" in html
    html = post_form(
        client, f"{page}/xem-thong-tin", {"reason": "Đối chiếu ủy nhiệm chi số 12/2026"}, page=page
    ).get_data(as_text=True)
    assert ACCOUNT in html

    resp = post_form(
        client,
        "/can-bo/chi-tra/xuat-tep",
        {"paying_account_id": str(paying_account.id), "order_ids": [str(order.id)]},
        page="/can-bo/chi-tra",
        follow_redirects=True,
    )
    assert "Đã lập tệp chi" in resp.get_data(as_text=True)
    session.expire_all()
    batch_id = session.get(PayoutOrder, order.id).batch_id
    data = client.get(f"/can-bo/chi-tra/tep/{batch_id}.csv")
    assert data.status_code == 200 and "no-store" in data.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(data.data.decode("utf-8-sig"))))
    assert rows[1][1] == ACCOUNT and rows[1][4] == "20000000"


def test_another_provinces_staff_cannot_open_a_households_payout_page(client, session, world):
    need = funded_need(session, world)
    login(client, world.other_province_staff.email)
    assert client.get(f"/can-bo/chi-tra/ho/{need.id}").status_code == 404
