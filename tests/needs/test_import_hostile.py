"""Hostile spreadsheets on the households import (issue 21.7): a damaged workbook, an XXE or entity-expansion
("billion laughs") payload, a CSV with an oversized field. Each gets a Vietnamese message on the upload page;
no batch, no household, no file is kept."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.needs import importer
from app.needs.models import HouseholdNeed, NeedImportBatch
from tests.conftest import login
from tests.needs.test_import import _upload

XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "hahahahaha">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY e "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([h for _, h, _ in importer.COLUMNS])
    ws.append([e for _, _, e in importer.COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(data: bytes, member: str, change) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info.filename)
            zout.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def with_entity(doctype: bytes):  # type: ignore[no-untyped-def]
    """The sheet XML with a DOCTYPE declaring entity `e`, and a cell that uses it."""

    def change(xml: bytes) -> bytes:
        cell = b'<row r="3"><c r="A3" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData>'
        return doctype + xml.replace(b"</sheetData>", cell)

    return change


HOSTILE = {
    "XXE in a sheet": lambda: rewrite(template_xlsx(), "xl/worksheets/sheet1.xml", with_entity(XXE)),
    "entity expansion in a sheet": lambda: rewrite(
        template_xlsx(), "xl/worksheets/sheet1.xml", with_entity(LAUGHS)
    ),
    "XXE in the workbook": lambda: rewrite(template_xlsx(), "xl/workbook.xml", lambda x: XXE + x),
    "a sheet cut in half": lambda: rewrite(
        template_xlsx(), "xl/worksheets/sheet1.xml", lambda x: x[: len(x) // 2]
    ),
    "a workbook that is not XML": lambda: rewrite(
        template_xlsx(), "xl/workbook.xml", lambda x: b"<khong-phai"
    ),
    "styles that are not XML": lambda: rewrite(
        template_xlsx(), "xl/styles.xml", lambda x: b"<styleSheet><broken"
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_xlsx_gets_a_message_and_nothing_is_kept(app, client, session, world, case):
    login(client, world.ks_staff.email)
    resp = _upload(client, world, HOSTILE[case](), name="danh-sach.xlsx")
    assert resp.status_code == 200, (case, resp.status_code)
    body = resp.get_data(as_text=True)
    assert "Tệp:" in body and "Excel" in body, body[:2000]
    assert "root:" not in body  # nothing of /etc/passwd
    assert session.execute(select(func.count()).select_from(NeedImportBatch)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(HouseholdNeed)).scalar_one() == 0
    uploads = Path(app.config["UPLOAD_DIR"]) / "needs"
    assert not uploads.exists() or not any(uploads.rglob("*.xlsx"))


def test_a_csv_with_an_oversized_field_gets_a_message(client, session, world):
    login(client, world.ks_staff.email)
    header = ",".join(h if "," not in h else f'"{h}"' for _, h, _ in importer.COLUMNS)
    field = "\n".join(["Nhà tạm " * 5000] * 8)  # one quoted cell of 320 000 characters over 8 lines
    resp = _upload(client, world, f'{header}\nAn,,,,,1,nghèo,,,,,,xây mới,1,,,,,1,"{field}"\n'.encode())
    assert resp.status_code == 200
    assert "Tệp:" in resp.get_data(as_text=True)
    assert session.execute(select(func.count()).select_from(NeedImportBatch)).scalar_one() == 0
