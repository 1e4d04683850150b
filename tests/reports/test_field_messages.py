"""A bad year on the report form is refused in Vietnamese naming the field; no report is queued."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.demo.foundation import DEMO_PASSWORD
from app.reports.models import ReportJob
from tests.conftest import login, post_form
from tests.reports.test_reports import PROVINCE_STAFF, demo  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        ("", "Năm: chưa nhập."),
        ("hai nghìn", "Năm: không hợp lệ (ví dụ 2026)."),
        ("26", "Năm: không hợp lệ (ví dụ 2026)."),
    ],
)
def test_report_bad_year_named_in_vietnamese(client, session, demo, year, expected):  # type: ignore[no-untyped-def]  # noqa: F811
    login(client, PROVINCE_STAFF, DEMO_PASSWORD)
    resp = post_form(
        client,
        "/can-bo/bao-cao/",
        {"campaign_id": demo.id, "unit_id": "", "kind": "year", "year": year, "half": "1"},
    )
    html = resp.get_data(as_text=True)
    assert expected in html
    assert "Not a valid" not in html
    assert session.execute(select(func.count(ReportJob.id))).scalar_one() == 0
