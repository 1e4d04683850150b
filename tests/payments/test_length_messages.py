"""A too-long opening balance on the statement upload is refused in Vietnamese, naming the field."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.accounts.models import Role
from app.payments.models import BankStatement
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user


def test_opening_balance_too_long_named_in_vietnamese(client, session, kh_setup):  # type: ignore[no-untyped-def]
    user = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    login(client, user.email, PASSWORD)
    token = csrf_from(client.get("/can-bo/sao-ke").get_data(as_text=True))
    resp = client.post(
        "/can-bo/sao-ke/tai-len",
        data={
            "csrf_token": token,
            "account_id": str(kh_setup["prov_acc"].id),
            "preset": "auto",
            "opening_balance": "1.234.567.890 đồng (số dư đầu kỳ)",
            "file": (io.BytesIO("Ngày,Số tiền,Nội dung\n".encode()), "sao-ke.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Số dư đầu kỳ: tối đa 30 ký tự." in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(func.count(BankStatement.id))).scalar_one() == 0
