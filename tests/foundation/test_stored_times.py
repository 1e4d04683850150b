"""Times are kept as instants: whatever zone a time is given in, it is stored in UTC and read back as UTC (SQLite
keeps no zone), so pages show it in Vietnam time and SQL compares it with any other time correctly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.accounts.models import Role
from app.contributions.models import Channel
from app.contributions.services import NewContribution, record_contribution
from app.core.i18n import VN_TZ
from tests.conftest import login
from tests.factories import SYSTEM, make_campaign, make_user, province


def test_a_gift_received_after_midnight_in_vietnam_is_listed_on_its_vietnamese_day(client, session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    record_contribution(
        session,
        SYSTEM,
        campaign,
        NewContribution(
            amount_vnd=1_000_000,
            channel=Channel.BANK_TRANSFER,
            display_name="Bà Lê Thị Sáu",
            received_at=datetime(2026, 11, 5, 20, 0, tzinfo=UTC),
            receiving_unit_id=kh.id,
        ),
    )  # 03:00 on 06/11 in Vietnam
    session.commit()
    login(client, make_user(session, Role.PROVINCE_STAFF, kh).email)
    page = client.get("/can-bo").get_data(as_text=True)
    row = page.split("Bà Lê Thị Sáu")[0].rsplit("<tr>", 1)[1]
    assert "06/11/2026" in row, row


def test_the_staff_home_shows_recent_actions_at_vietnam_time(client, session):
    kh = province(session)
    start = datetime.now(VN_TZ)
    login(client, make_user(session, Role.PROVINCE_STAFF, kh).email)  # the user's creation is audited
    page = client.get("/can-bo").get_data(as_text=True)
    minutes = int((datetime.now(VN_TZ) - start).total_seconds() // 60) + 1
    shown = {f"{start + timedelta(minutes=m):%d/%m/%Y %H:%M}" for m in range(minutes + 1)}
    assert any(f"<li>{s} · " in page for s in shown), (shown, page.split("<ul>")[-1][:300])
