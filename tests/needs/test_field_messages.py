"""A bad number or date on the needs forms is refused in Vietnamese naming the field (not WTForms' "Not a valid
integer value." / "Not a valid date value." nor a bare "Từ 1 đến 50."); nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.needs.models import HouseholdNeed, NeedDisbursement, NeedStatus, PriorityRule
from app.needs.priority import CRITERIA
from tests.conftest import login, post_form
from tests.needs.conftest import add_need, need_form_data, post_on_need_page


def _saved(session, world):  # type: ignore[no-untyped-def]
    session.expire_all()
    rules = session.execute(select(PriorityRule.criterion, PriorityRule.weight)).all()
    return sorted(map(tuple, rules)), (world.campaign.settings or {}).get("needs_late_days")


LATE = "Số ngày kể từ khởi công mà chưa hoàn thành thì coi là chậm tiến độ"


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("", "Số nhân khẩu: chưa nhập."),
        ("bốn", "Số nhân khẩu: phải là một số nguyên."),
        ("0", "Số nhân khẩu: từ 1 đến 50."),
        ("51", "Số nhân khẩu: từ 1 đến 50."),
    ],
)
def test_household_size_named_in_vietnamese(client, session, world, size, expected):  # type: ignore[no-untyped-def]
    login(client, world.ks_staff.email)
    resp = post_form(client, "/can-bo/nhu-cau/them", need_form_data(world, household_size=size))
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Not a valid" not in html
    assert session.execute(select(func.count(HouseholdNeed.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"late_days": "ba tháng"}, f"{LATE}: phải là một số nguyên."),
        ({"late_days": "5"}, f"{LATE}: từ 7 đến 730 ngày."),
        ({"w_merit_family": "x"}, "Gia đình có công với cách mạng: phải là một số nguyên."),
        ({"w_merit_family": "2000"}, "Gia đình có công với cách mạng: từ 0 đến 1000."),
    ],
)
def test_priority_numbers_named_in_vietnamese(client, session, world, over, expected):  # type: ignore[no-untyped-def]
    login(client, world.province_staff.email)
    data = {**{f"w_{code}": w for code, (w, _) in CRITERIA.items()}, "late_days": "60", **over}
    before = _saved(session, world)
    resp = post_form(client, "/can-bo/tieu-chi-uu-tien", data)
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Not a valid" not in html
    assert _saved(session, world) == before


@pytest.mark.parametrize(
    ("url", "data", "expected"),
    [
        ("giai-doan/started", {"on": "31/02/2026"}, "Ngày: ngày không hợp lệ (ví dụ 31/12/2026)."),
    ],
)
def test_need_dates_named_in_vietnamese(client, session, world, url, data, expected):  # type: ignore[no-untyped-def]
    need = add_need(session, world)
    login(client, world.ks_staff.email)
    html = post_on_need_page(client, need, url, data)
    assert expected in html
    assert "Not a valid" not in html
    session.expire_all()
    assert session.get(HouseholdNeed, need.id).status == NeedStatus.PROPOSED
    assert session.execute(select(func.count(NeedDisbursement.id))).scalar_one() == 0
