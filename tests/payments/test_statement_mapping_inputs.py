"""The column-mapping screen's header row is a number from 1 to the rows of the file (typed as such for the
browser, checked again on the server with a Vietnamese message); every input in the templates has a type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.payments.models import BankStatement
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user
from tests.payments.test_statements import upload

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
UNKNOWN_LAYOUT = (
    "Thời điểm;Mô tả;Tiền vào;Tiền ra\n"
    "03/09/2024 07:30;ung ho tu thien;1,250,000;\n"
    "03/09/2024 08:00;phi;;5,500\n"
).encode()


@pytest.fixture
def province_staff(session, kh_setup):  # type: ignore[no-untyped-def]
    return make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])


def test_header_row_is_a_number_input_and_bad_values_are_named(client, session, kh_setup, province_staff):
    login(client, province_staff.email, PASSWORD)
    url = upload(client, kh_setup["prov_acc"].id, UNKNOWN_LAYOUT, name="khac.csv").headers["Location"]
    page = client.get(url).get_data(as_text=True)
    [tag] = re.findall(r'<input id="header_row"[^>]*>', page)
    assert 'type="number"' in tag and 'min="1"' in tag and 'max="3"' in tag and 'inputmode="numeric"' in tag
    for bad in ("0", "4", "abc", "-1"):
        resp = client.post(
            url,
            data={
                "csrf_token": csrf_from(page),
                "date": "0",
                "memo": "1",
                "credit": "2",
                "debit": "3",
                "header_row": bad,
                "thousands": ",",
            },
            follow_redirects=True,
        )
        assert "Dòng tiêu đề: nhập một số từ 1 đến 3." in resp.get_data(as_text=True), bad
        session.expire_all()
        assert not session.execute(select(BankStatement)).scalar_one().mapping, bad
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "date": "0",
            "memo": "1",
            "credit": "2",
            "debit": "3",
            "header_row": "1",
            "thousands": ",",
        },
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.execute(select(BankStatement)).scalar_one().mapping["header_row"] == 1


def test_every_input_written_in_a_template_says_its_type():
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in re.findall(r"<input\b[^>]*>", path.read_text(encoding="utf-8")):
            if not re.search(r"\btype=", tag):
                missing.append(f"{path.relative_to(TEMPLATES)}: {tag[:80]}")
    assert missing == []
