"""Too-long entries on the needs forms are refused in Vietnamese, naming the field; nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.needs.models import HouseholdNeed, NeedStatus
from tests.conftest import login, post_form
from tests.needs.conftest import add_need, need_form_data, post_on_need_page


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"head_name": "Hồ Văn Lũy " * 30}, "Họ tên chủ hộ: tối đa 255 ký tự."),
        ({"citizen_id": "056085731901 (cấp ngày 01/01/2021)"}, "Số CCCD chủ hộ: tối đa 20 ký tự."),
        ({"situation": "Nhà dột nát. " * 400}, "Hiện trạng nhà ở, hoàn cảnh: tối đa 4000 ký tự."),
        (
            {"source2_name": "Chương trình " * 30},
            "Nguồn đã có 2 – tên chương trình/nhà tài trợ: tối đa 255 ký tự.",
        ),
    ],
)
def test_need_form_too_long_named_in_vietnamese(client, session, world, over, expected):  # type: ignore[no-untyped-def]
    login(client, world.ks_staff.email)
    resp = post_form(client, "/can-bo/nhu-cau/them", need_form_data(world, **over))
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Field cannot be longer" not in html
    assert session.execute(select(func.count(HouseholdNeed.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("url", "data", "expected"),
    [
        ("tu-choi", {"reason": "Không đủ điều kiện. " * 60}, "Lý do không duyệt: tối đa 1000 ký tự."),
    ],
)
def test_review_forms_too_long_named_in_vietnamese(client, session, world, url, data, expected):  # type: ignore[no-untyped-def]
    need = add_need(session, world)
    login(client, world.province_staff.email)
    html = post_on_need_page(client, need, url, data)
    assert expected in html
    assert "Field cannot be longer" not in html
    session.expire_all()
    assert session.get(HouseholdNeed, need.id).status != NeedStatus.REJECTED
