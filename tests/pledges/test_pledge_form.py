"""The public pledge page: what a business or a household types, what is refused and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.contributions.models import Channel
from app.core import mail
from app.donors.models import Donor, DonorKind
from app.pledges import services
from app.pledges.models import Pledge, PledgeInstalment, PledgeKind, PledgeSchedule, PledgeStatus
from app.pledges.references import is_valid_reference
from tests.conftest import post_form
from tests.pledges.helpers import SYSTEM, business_form, household_form


def _pledges(session):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.execute(select(Pledge).order_by(Pledge.id)).scalars().all()


def test_business_pledge_journey(client, session, world):  # type: ignore[no-untyped-def]
    page = client.get("/ung-ho")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Mã số thuế" in html and "Xã Khánh Sơn" in html

    resp = post_form(client, "/ung-ho", business_form(world))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    [pledge] = _pledges(session)
    assert is_valid_reference(pledge.reference)
    assert pledge.amount_vnd == 50_000_000
    assert pledge.earmark_unit_id == world["khanh_son"].id
    assert pledge.receiving_unit_id == world["khanh_son"].id  # the commune has its own account
    assert pledge.donor.tax_code == "0300588569" and pledge.donor.kind == DonorKind.BUSINESS
    assert resp.headers["Location"].endswith(f"/ung-ho/{pledge.reference}")

    conf = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert pledge.reference in conf
    assert "50.000.000 ₫" in conf
    assert "58010000123456" in conf  # Khánh Sơn's BIDV account, not the province's
    assert "Nội dung chuyển khoản" in conf
    assert "Tạo tài khoản để theo dõi" in conf
    # A guessable URL does not leak contact details to anyone else (the browser that typed them sees them).
    stranger = client.application.test_client().get(resp.headers["Location"]).get_data(as_text=True)
    assert "lan.nguyen@vinamilk.example.vn" not in stranger and "0905123456" not in stranger
    assert "Tân Trào" not in stranger

    [msg] = [m for m in mail.OUTBOX if m["To"] == "lan.nguyen@vinamilk.example.vn"]
    body = msg.get_content()
    assert pledge.reference in msg["Subject"]
    assert "50.000.000 ₫" in body and "58010000123456" in body and f"/ung-ho/{pledge.reference}" in body


def test_confirmation_shows_money_received_at_once(client, session, world):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", household_form(world, amount="3.000.000"))
    [pledge] = _pledges(session)
    url = resp.headers["Location"]
    assert "Đã đăng ký" in client.get(url).get_data(as_text=True)

    services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=1_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key="t1",
    )
    session.commit()
    resp = client.get(url)
    html = resp.get_data(as_text=True)
    assert "Đã nộp một phần" in html and "1.000.000 ₫" in html and "2.000.000 ₫" in html
    assert resp.headers["Cache-Control"] == "no-store"

    services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=2_500_000,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key="t2",
    )
    session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Đã hoàn thành" in html and "Đã nhận đủ" in html
    assert "Cách nộp" not in html  # no payment instructions left for a fulfilled pledge


@pytest.mark.parametrize("code", ["0100047516", "0100233488", "0314409058", "0314409058-002"])
def test_real_tax_codes_accepted(client, session, world, code):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", business_form(world, tax_code=code))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    assert _pledges(session)[0].donor.tax_code == code


@pytest.mark.parametrize(
    "typed", ["0314409058 – 001", "0314409058‑001", "0314409058−001", "０３１４４０９０５８-001"]
)
def test_branch_tax_code_copied_from_a_document_accepted(client, session, world, typed):  # type: ignore[no-untyped-def]
    """An accountant pastes the branch tax code from an invoice or a Word/PDF file: the hyphen comes as an en dash,
    a non-breaking hyphen or a minus sign, the digits sometimes full-width. It is the same tax code."""
    resp = post_form(client, "/ung-ho", business_form(world, tax_code=typed))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    assert _pledges(session)[0].donor.tax_code == "0314409058-001"


@pytest.mark.parametrize(
    "code", ["0100047517", "0100233489", "0314409059", "0314409068-002", "0314409058-000"]
)
def test_tax_codes_with_one_digit_changed_refused(client, session, world, code):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", business_form(world, tax_code=code))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Mã số thuế" in html and ("không đúng" in html or "không được" in html)
    assert _pledges(session) == []


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"tax_code": "0314 409 058 - 001 chi nhánh"}, "Mã số thuế: tối đa 20 ký tự."),
        ({"phone": "+84 (0) 905 123 456 máy lẻ 12"}, "Số điện thoại: tối đa 20 ký tự."),
        ({"amount": "50.000.000 đồng (năm mươi triệu đồng chẵn)"}, "Số tiền: tối đa 40 ký tự."),
        ({"address": "Số 10 " * 100}, "Địa chỉ trụ sở: tối đa 500 ký tự."),
    ],
)
def test_too_long_entries_refused_in_vietnamese_naming_the_field(client, session, world, over, expected):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", business_form(world, **over))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Field cannot be longer" not in html


@pytest.mark.parametrize("typed", ["50.000.000", "50,000,000", "50000000", "50 000 000 đ"])
def test_amount_formats_understood(client, session, world, typed):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", business_form(world, amount=typed))
    assert resp.status_code == 302
    assert _pledges(session)[0].amount_vnd == 50_000_000


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0", "Số tiền: số tiền phải lớn hơn 0."),
        ("-5", "Số tiền: số tiền phải lớn hơn 0."),
        ("abc", "Số tiền: “abc” không phải số tiền hợp lệ"),
        (str(10**15), "Số tiền: số tiền quá lớn"),
        ("5.000", "Số tiền: tối thiểu 10.000 ₫."),
        ("", "Số tiền: chưa nhập số tiền."),
    ],
)
def test_bad_amounts_refused_naming_the_field(client, session, world, typed, expected):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", business_form(world, amount=typed))
    assert resp.status_code == 422
    assert expected in resp.get_data(as_text=True)
    assert _pledges(session) == []
    assert session.execute(select(Donor)).first() is None  # nothing saved half-way


def test_household_needs_commune_and_a_way_to_reach_them(client, session, world):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", household_form(world, phone="", email="", commune_id=""))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Xã/phường: chưa chọn." in html
    assert "Số điện thoại hoặc email: cần ít nhất một cách liên hệ." in html
    resp = post_form(client, "/ung-ho", household_form(world, phone="12345"))
    assert "Số điện thoại không hợp lệ" in resp.get_data(as_text=True)


def test_a_unit_that_is_not_a_commune_is_refused(client, session, world):  # type: ignore[no-untyped-def]
    """A tampered form posting the province's id as the commune: refused, nothing saved."""
    resp = post_form(
        client,
        "/ung-ho",
        household_form(world, province_id=str(world["province"].id), commune_id=str(world["province"].id)),
    )
    assert resp.status_code == 422 and "Xã/phường: chưa chọn." in resp.get_data(as_text=True)
    assert _pledges(session) == []


def test_household_pledge_with_instalments(client, session, world):  # type: ignore[no-untyped-def]
    today = services.today_vn()
    d1, d2, d3 = (today + timedelta(days=n) for n in (3, 33, 63))
    data = household_form(
        world,
        amount="6.000.000",
        schedule="instalments",
        email="ho.tam@example.vn",
        **{
            "instalments-0-due_on": d1.isoformat(),
            "instalments-0-amount": "2.000.000",
            "instalments-1-due_on": d2.strftime("%d/%m/%Y"),
            "instalments-1-amount": "2,000,000",
            "instalments-2-due_on": d3.isoformat(),
            "instalments-2-amount": "2000000",
        },
    )
    resp = post_form(client, "/ung-ho", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    [pledge] = _pledges(session)
    assert pledge.schedule == PledgeSchedule.INSTALMENTS
    assert [(i.seq, i.due_on, i.amount_vnd) for i in pledge.instalments] == [
        (1, d1, 2_000_000),
        (2, d2, 2_000_000),
        (3, d3, 2_000_000),
    ]
    assert pledge.donor.commune_id == world["cam_lam"].id
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Lịch nộp" in html and d2.strftime("%d/%m/%Y") in html


def test_instalments_must_sum_to_the_pledge(client, session, world):  # type: ignore[no-untyped-def]
    today = services.today_vn()
    data = household_form(
        world,
        amount="6.000.000",
        schedule="instalments",
        **{
            "instalments-0-due_on": (today + timedelta(days=5)).isoformat(),
            "instalments-0-amount": "2.000.000",
            "instalments-1-due_on": (today + timedelta(days=35)).isoformat(),
            "instalments-1-amount": "3.000.000",
        },
    )
    resp = post_form(client, "/ung-ho", data)
    assert resp.status_code == 422
    assert "tổng 5.000.000 ₫ chưa bằng số tiền đăng ký 6.000.000 ₫" in resp.get_data(as_text=True)
    assert session.execute(select(PledgeInstalment)).first() is None
    # A half-filled row names its row.
    data["instalments-1-amount"] = ""
    data["instalments-1-due_on"] = ""
    data["instalments-2-amount"] = "4.000.000"
    resp = post_form(client, "/ung-ho", data)
    assert resp.status_code == 422
    assert "Đợt 3: chưa nhập ngày nộp." in resp.get_data(as_text=True)


def test_in_kind_pledge(client, session, world):  # type: ignore[no-untyped-def]
    resp = post_form(
        client,
        "/ung-ho",
        household_form(
            world,
            kind="in_kind",
            amount="",
            in_kind_description="Gạo tẻ",
            in_kind_quantity="500 kg",
            in_kind_value="7.500.000",
            earmark="commune",
            earmark_province_id=str(world["province"].id),
            earmark_commune_id=str(world["khanh_son"].id),
            email="gao@example.vn",
        ),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    [pledge] = _pledges(session)
    assert pledge.kind == PledgeKind.IN_KIND and pledge.amount_vnd == 7_500_000
    assert pledge.receiving_unit_id == world["khanh_son"].id
    # Staff of Khánh Sơn (and the province) are told; Cam Lâm's are not.
    staff_mail = [m for m in mail.OUTBOX if "tiếp nhận trực tiếp" in m["Subject"]]
    assert len(staff_mail) == 1
    to = staff_mail[0]["To"]
    assert world["khanh_son_staff"].email in to and world["province_staff"].email in to
    assert world["cam_lam_staff"].email not in to
    body = staff_mail[0].get_content()  # staff read Vietnamese: the catalogue's msgids, values put in
    assert (
        "Có đăng ký ủng hộ mới cần tiếp nhận trực tiếp." in body and f"Số đăng ký: {pledge.reference}" in body
    )
    assert "Giá trị ước tính: 7.500.000 ₫" in body and "– 500 kg" in body
    assert "Mở đăng ký để liên hệ nhà tài trợ và ghi biên nhận: http" in body and "%(" not in body


def test_anonymous_display(client, session, world):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/ung-ho", household_form(world, display="anonymous"))
    [pledge] = _pledges(session)
    html = client.application.test_client().get(resp.headers["Location"]).get_data(as_text=True)
    assert pledge.is_anonymous and "Nhà hảo tâm" in html and "Lê Văn Tám" not in html


def test_missing_csrf_refused(client, session, world):  # type: ignore[no-untyped-def]
    resp = client.post("/ung-ho", data=business_form(world))
    assert resp.status_code == 400
    assert _pledges(session) == []


def test_unknown_reference_is_404(client, world):  # type: ignore[no-untyped-def]
    assert client.get("/ung-ho/VNNAAAAAAAAA").status_code == 404


def test_reference_collision_is_retried(session, world, monkeypatch):  # type: ignore[no-untyped-def]
    """Two pledges drawing the same reference: the second one draws again instead of failing."""
    from app.pledges import references
    from tests.pledges.helpers import make_pledge

    first = make_pledge(session, world)
    draws = iter([first.reference, first.reference, references.new_reference()])
    monkeypatch.setattr(services, "new_reference", lambda: next(draws))
    second = make_pledge(session, world, email="khac@example.vn")
    assert second.reference != first.reference and is_valid_reference(second.reference)
    assert second.status == PledgeStatus.PLEDGED
