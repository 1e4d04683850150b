from __future__ import annotations

from datetime import UTC, date, datetime

from app.core.i18n import format_date_vn, format_datetime_vn


def test_the_interface_is_vietnamese_by_default_and_english_on_request(client):
    page = client.get("/").get_data(as_text=True)
    assert 'lang="vi"' in page and "Đăng nhập" in page and "Quỹ “Vì người nghèo”" in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Log in" in english and "“For the Poor” Fund" in english
    # The choice sticks for the session, and Vietnamese is one click away.
    again = client.get("/").get_data(as_text=True)
    assert "Log in" in again and 'href="?lang=vi"' in again


def test_dates_are_day_month_year_in_vietnam_time():
    assert format_date_vn(date(2026, 10, 17)) == "17/10/2026"
    # 17:30 UTC on 17 October is already 18 October in Hà Nội.
    assert format_date_vn(datetime(2026, 10, 17, 17, 30, tzinfo=UTC)) == "18/10/2026"
    assert format_datetime_vn(datetime(2026, 10, 17, 1, 5, tzinfo=UTC)) == "17/10/2026 08:05"
