"""Hostile household lists (issue 21.7): a sheet whose XML breaks half-way, an entity-expansion payload, and a CSV
with a field past the csv module's limit get the upload page's Vietnamese message; nothing is kept."""

from __future__ import annotations

import pytest

from app.collections.models import ImportBatch
from app.collections.services import HEADERS
from tests.collections.conftest import xlsx_bytes
from tests.collections.test_import import count, upload
from tests.conftest import login
from tests.needs.test_import_hostile import LAUGHS, rewrite, with_entity

SHEET = "xl/worksheets/sheet1.xml"


def _list() -> bytes:
    return xlsx_bytes([["Nguyễn Văn An", "Thôn Tà Lương", 200000, "", "15/10/2026", "Trần Văn Bình"]] * 50)


HOSTILE = {
    "a sheet cut in half": lambda: (rewrite(_list(), SHEET, lambda x: x[: len(x) // 2]), "ds.xlsx"),
    "entity expansion": lambda: (rewrite(_list(), SHEET, with_entity(LAUGHS)), "ds.xlsx"),
    "an oversized CSV field": lambda: (
        (
            ",".join(HEADERS)
            + '\nAn,Thôn Tà Lương,1000,"'
            + "\n".join(["x" * 60_000] * 4)
            + '",15/10/2026,B\n'
        ).encode(),
        "ds.csv",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_list_gets_a_message_and_nothing_is_kept(client, session, world, case):
    login(client, world.staff)
    data, name = HOSTILE[case]()
    resp = upload(client, world, data, name)
    assert resp.status_code == 400, case
    assert "Không có gì được lưu" in resp.get_data(as_text=True)
    assert count(session, ImportBatch) == 0
