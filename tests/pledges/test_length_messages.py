"""Too-long entries on the staff pledge forms are refused in Vietnamese, naming the field; nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.contributions.models import Contribution
from app.pledges import services
from app.pledges.models import PledgeStatus
from tests.conftest import login, post_form
from tests.pledges.helpers import make_pledge


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"donor_name": "Công ty TNHH Thương mại Dịch vụ " * 10}, "Người/đơn vị nộp: tối đa 255 ký tự."),
        ({"note": "Nhận tại trụ sở. " * 40}, "Ghi chú nội bộ: tối đa 500 ký tự."),
        ({"pledge_reference": "CT-2026-000123 của Công ty TNHH Thử Nghiệm"}, "Mã đăng ký: tối đa 40 ký tự."),
        (
            {"channel": "in_kind", "in_kind_description": "Gạo, 100 bao. " * 200},
            "Mô tả hiện vật: tối đa 2000 ký tự.",
        ),
    ],
)
def test_receipt_form_too_long_named_in_vietnamese(client, session, world, over, expected):  # type: ignore[no-untyped-def]
    login(client, world["khanh_son_staff"].email)
    data = {
        "channel": "cash",
        "donor_name": "Hộ bà Lê Thị Bình",
        "anonymous": "full_name",
        "amount": "1.000.000",
        "received_on": services.today_vn().isoformat(),
        "purpose": "unrestricted",
        **over,
    }
    resp = post_form(client, "/can-bo/bien-nhan/moi", data)
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(Contribution)).first() is None


def test_status_reason_too_long_named_in_vietnamese(client, session, world):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, name="Hộ ông Khánh Sơn")
    login(client, world["khanh_son_staff"].email)
    url = f"/can-bo/dang-ky-ung-ho/{pledge.id}"
    resp = post_form(
        client,
        f"{url}/trang-thai",
        {"target": "cancelled", "reason": "Nhà hảo tâm đổi ý. " * 40},
        page=url,
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Lý do: tối đa 500 ký tự." in html
    assert "Field cannot be longer" not in html
    session.expire_all()
    assert pledge.status != PledgeStatus.CANCELLED


def test_instalment_amount_too_long_names_its_row(client, session, world):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from app.pledges.models import Pledge
    from tests.pledges.helpers import business_form

    due = (services.today_vn() + timedelta(days=10)).isoformat()
    resp = post_form(
        client,
        "/ung-ho",
        business_form(
            world,
            **{
                "schedule": "instalments",
                "amount": "50.000.000",
                "instalments-0-due_on": due,
                "instalments-0-amount": "25.000.000",
                "instalments-1-due_on": due,
                "instalments-1-amount": "25.000.000 đồng (hai mươi lăm triệu đồng)",
            },
        ),
    )
    html = resp.get_data(as_text=True)
    assert "Đợt 2 – số tiền: tối đa 40 ký tự." in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(Pledge)).first() is None
