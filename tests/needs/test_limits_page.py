"""Support limits managed in the staff UI (issue 18.5): the levels the need entry form and matching apply are
data that a province sets for itself and the centre sets nationally, each with its legal basis and dates; a
level in force is never edited (ended, then replaced), and every change is in the audit log. The poverty
standards are national reference data inserted by a migration, not by the demo."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.needs import limits
from app.needs.models import NeedKind, PovertyStandard, SupportLimit
from tests.conftest import csrf_from, login

PAGE = "/can-bo/muc-ho-tro"


def _form(client, **fields) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_from(client.get(PAGE).get_data(as_text=True)),
        "scope": "toan-quoc",
        "program_code": "nha-dai-doan-ket-2027",
        "program_name": "Hỗ trợ nhà Đại đoàn kết 2027",
        "need_kind": "new_house",
        "max_vnd": "80.000.000",
        "legal_basis": "Nghị quyết 12/2026/NQ-HĐND ngày 10/12/2026",
        "valid_from": "01/01/2027",
        "valid_to": "",
    }
    data.update(fields)
    return data


def test_province_staff_set_their_provinces_limit_which_the_entry_form_then_applies(client, session, world):
    login(client, world.province_staff.email)
    resp = client.post(PAGE, data=_form(client, scope=str(world.khanh_hoa.id)), follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Đã thêm mức hỗ trợ" in page
    assert "80.000.000 ₫" in page and "Nghị quyết 12/2026/NQ-HĐND" in page and "01/01/2027" in page
    found = limits.limit_for(session, NeedKind.NEW_HOUSE, world.khanh_hoa.id, date(2027, 3, 1))
    assert found is not None and found.max_vnd == 80_000_000 and found.province_id == world.khanh_hoa.id
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "needs.limit_add")).scalar_one()
    assert entry.unit_id == world.khanh_hoa.id


def test_province_staff_cannot_set_a_national_or_another_provinces_limit(client, session, world):
    login(client, world.province_staff.email)
    for scope in ("toan-quoc", str(world.hanoi.id)):
        resp = client.post(PAGE, data=_form(client, scope=scope))
        assert resp.status_code == 200  # the form again, refused: not a choice offered to them
    assert session.execute(select(SupportLimit).where(SupportLimit.max_vnd == 80_000_000)).first() is None


def test_commune_staff_do_not_open_the_limits_page(client, world):
    login(client, world.ks_staff.email)
    assert client.get(PAGE).status_code == 403


def test_an_overlapping_level_is_refused_naming_the_field_and_a_level_in_force_is_ended_then_replaced(
    client, session, world
):
    login(client, world.admin.email)
    assert "Đã thêm mức hỗ trợ" in client.post(PAGE, data=_form(client), follow_redirects=True).get_data(
        as_text=True
    )
    again = client.post(PAGE, data=_form(client, max_vnd="90.000.000", valid_from="01/06/2027"))
    text = again.get_data(as_text=True)
    assert "Hiệu lực từ: trùng thời gian với mức 80.000.000 ₫ đang có từ 01/01/2027" in text
    assert session.execute(select(SupportLimit).where(SupportLimit.max_vnd == 90_000_000)).first() is None

    first = session.execute(select(SupportLimit).where(SupportLimit.max_vnd == 80_000_000)).scalar_one()
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    client.post(f"{PAGE}/{first.id}/ket-thuc", data={"csrf_token": token, "last_day": "31/05/2027"})
    session.expire_all()
    assert session.get(SupportLimit, first.id).valid_to == date(2027, 5, 31)
    resp = client.post(
        PAGE, data=_form(client, max_vnd="90.000.000", valid_from="01/06/2027"), follow_redirects=True
    )
    assert "Đã thêm mức hỗ trợ" in resp.get_data(as_text=True)
    assert limits.limit_for(session, NeedKind.NEW_HOUSE, None, date(2027, 5, 31)).max_vnd == 80_000_000
    assert limits.limit_for(session, NeedKind.NEW_HOUSE, None, date(2027, 6, 1)).max_vnd == 90_000_000
    actions = session.execute(
        select(AuditEntry.action).where(AuditEntry.action.like("needs.limit_%"))
    ).scalars()
    assert sorted(actions) == ["needs.limit_add", "needs.limit_add", "needs.limit_end"]


def test_bad_input_is_refused_in_vietnamese_naming_the_field(client, session, world):
    login(client, world.admin.email)
    cases = {
        "max_vnd": ("không biết", "Mức hỗ trợ tối đa"),
        "valid_from": ("31/02/2027", "Hiệu lực từ"),
        "legal_basis": ("", "Chưa nhập"),
    }
    for name, (value, message) in cases.items():
        text = client.post(PAGE, data=_form(client, **{name: value})).get_data(as_text=True)
        assert message in text, name
    text = client.post(PAGE, data=_form(client, valid_to="01/12/2026")).get_data(as_text=True)
    assert "Hiệu lực đến: phải từ ngày bắt đầu hiệu lực trở đi." in text
    assert session.execute(select(SupportLimit).where(SupportLimit.max_vnd == 80_000_000)).first() is None


def test_the_poverty_standards_are_in_a_fresh_database_without_the_demo(session):
    codes = session.execute(select(PovertyStandard.code).order_by(PovertyStandard.lists_from)).scalars().all()
    assert codes == ["2022-2025", "2026-2030"]
    assert limits.standard_for_year(session, 2025).code == "2022-2025"
    assert limits.standard_for_year(session, 2027).code == "2026-2030"
