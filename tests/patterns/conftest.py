from __future__ import annotations

import csv
import io

from app.agencies import services as agencies
from app.agencies.models import AgencyCollection
from tests.factories import SYSTEM
from tests.payments.conftest import kh_setup, province_staff  # noqa: F401 - fixtures shared with payments

HEADERS = ["Họ tên", "Số tiền", "Ghi chú", "Công khai tên"]


def staff_csv(rows: list[list[object]], headers: list[str] | None = None) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)  # an input file, as an agency would write it
    w.writerow(headers or HEADERS)
    w.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


LINES = [
    ["Nguyễn Văn An", "300.000", "", "có"],
    ["Trần Thị Bình", "500000", "phòng Kế toán", ""],
    ["Lê Hoàng Cường", "1.200.000", "", "không"],
]


def confirmed_collection(
    session, campaign, rows=None, name="Sở Tài chính tỉnh Khánh Hòa"
) -> AgencyCollection:  # type: ignore[no-untyped-def]
    """An agency registered, its e-mail confirmed, its list uploaded and confirmed (the services the pages call)."""
    c = agencies.register(
        session, SYSTEM, campaign, agencies.AgencyInput(name=name, email="ketoan@stc.example.vn")
    )
    agencies.verify_email(session, SYSTEM, c)
    check = agencies.upload_list(session, SYSTEM, c, "csv", staff_csv(rows or LINES), "ds.csv")
    assert not check.errors
    agencies.confirm(session, SYSTEM, c)
    session.commit()
    return c
