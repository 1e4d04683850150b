"""The receipt a donor prints (issue 19.3): amount in words, payer's tax code and address, bank reference, place
and date, the issuing unit's code in its number (unique across units) and a QR to check it publicly."""

from __future__ import annotations

from datetime import UTC, datetime

from app.accounts.models import Role
from app.contributions.models import Channel
from app.pledges import services
from tests import factories as f
from tests.conftest import login
from tests.pledges.helpers import SYSTEM, make_pledge


def test_receipt_numbers_carry_the_unit_code_and_the_receipt_its_facts(client, session, world):  # type: ignore[no-untyped-def]
    business = make_pledge(
        session,
        world,
        name="Công ty TNHH Thép Miền Trung",
        tax_code="0100047516",
        kind=f.DonorKind.BUSINESS,
        email="kt@thep.example.vn",
        amount=50_000_000,
    )
    business.donor.address = "12 Trần Phú, Nha Trang"
    household = make_pledge(session, world, earmark=world["cam_lam"], amount=2_000_000)
    [paid] = services.record_pledge_payment(
        session,
        SYSTEM,
        business,
        amount_vnd=50_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime(2026, 10, 20, 3, tzinfo=UTC),
        source="test",
        bank_txn_ref="FT26293001234",
        receiving_unit_id=world["province"].id,
    )
    [other] = services.record_pledge_payment(
        session,
        SYSTEM,
        household,
        amount_vnd=2_000_000,
        channel=Channel.CASH,
        received_at=datetime(2026, 10, 20, 3, tzinfo=UTC),
        source="test",
        receiving_unit_id=world["cam_lam"].id,
    )
    session.commit()
    # Each unit counts from 1, and the numbers differ: the unit's code is in them.
    assert paid.receipt_no == "56-2026-000001" and other.receipt_no == "22453-2026-000001"

    f.make_user(session, Role.DONOR, email="kt@thep.example.vn", donor=business.donor)
    login(client, "kt@thep.example.vn")
    html = client.get(f"/tai-khoan/bien-nhan/{paid.id}").get_data(as_text=True)
    assert "56-2026-000001" in html
    assert "Năm mươi triệu đồng" in html
    assert "0100047516" in html and "12 Trần Phú, Nha Trang" in html
    assert "FT26293001234" in html
    assert "Khánh Hòa, ngày 20 tháng 10 năm 2026" in html
    # The QR's address is the receipt's signed verification page (issue 19.3; it was the public statement entry).
    import re

    [path] = set(re.findall(r"/xac-minh/[A-Za-z0-9_-]+", html))
    page = client.get(path).get_data(as_text=True)
    assert "Giấy hợp lệ" in page and "56-2026-000001" in page
