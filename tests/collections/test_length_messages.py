"""Too-long entries on the household entry form are refused in Vietnamese, naming the field; nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution
from tests.conftest import login, post_form


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"head_name": "Nguyễn Văn Tám " * 20}, "Họ tên chủ hộ: tối đa 200 ký tự."),
        ({"hamlet": "Thôn Tà Lương " * 10}, "Thôn/Tổ dân phố: tối đa 120 ký tự."),
        ({"amount": "150.000 đồng (một trăm năm mươi nghìn)"}, "Số tiền: tối đa 30 ký tự."),
        ({"collector": "Cao Văn Minh " * 20}, "Người thu: tối đa 200 ký tự."),
    ],
)
def test_row_too_long_named_in_vietnamese(client, session, world, over, expected):  # type: ignore[no-untyped-def]
    login(client, world.staff)
    url = f"/can-bo/thu-ho/xa/{world.commune.id}"
    data = {
        "head_name": "Nguyễn Văn Tám",
        "hamlet": "Thôn Tà Lương",
        "amount": "150.000",
        "in_kind": "",
        "date": "",
        "collector": "Cao Văn Minh",
        "idempotency_key": "k-len-1",
        **over,
    }
    resp = post_form(client, url, data, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(func.count(Contribution.id))).scalar() == 0
