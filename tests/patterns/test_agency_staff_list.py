"""Staff see the lines of the agency collections received in their own area (issue 19 item 5): each person's
amount, code and what has been received, with a search and pages; another province sees none of them."""

from __future__ import annotations

from app.accounts.models import Role
from tests.conftest import login
from tests.factories import PASSWORD, hanoi, make_user
from tests.patterns.conftest import confirmed_collection


def test_province_staff_list_their_agencies_lines_with_filters_and_pages(
    client, session, kh_setup, province_staff
):  # type: ignore[no-untyped-def]
    rows = [[f"Cán bộ Số {i:03d}", "100.000", "", ""] for i in range(52)] + [
        ["Trần Thị Bình", "500000", "", ""]
    ]
    collection = confirmed_collection(session, kh_setup["campaign"], rows)
    code = collection.lines[-1].code
    login(client, province_staff.email, PASSWORD)

    page1 = client.get("/can-bo/co-quan-thu-ho").get_data(as_text=True)
    assert "53 dòng." in page1
    assert "Sở Tài chính tỉnh Khánh Hòa" in page1 and "Cán bộ Số 000" in page1 and "100.000 ₫" in page1
    assert "Trần Thị Bình" not in page1  # the 53rd line is on page 2
    page2 = client.get("/can-bo/co-quan-thu-ho?page=2").get_data(as_text=True)
    assert "Trần Thị Bình" in page2 and "Cán bộ Số 000" not in page2
    assert f"{code[:4]}-{code[4:]}" in page2

    found = client.get("/can-bo/co-quan-thu-ho?q=tran thi binh").get_data(as_text=True)
    assert "1 dòng." in found and "Trần Thị Bình" in found and "500.000 ₫" in found
    assert "Trần Thị Bình" in client.get(f"/can-bo/co-quan-thu-ho?q={code.lower()}").get_data(as_text=True)
    # Nothing received yet: every line is "not fully received", none "fully received".
    assert "53 dòng." in client.get("/can-bo/co-quan-thu-ho?da_nop=no").get_data(as_text=True)
    assert "0 dòng." in client.get("/can-bo/co-quan-thu-ho?da_nop=yes").get_data(as_text=True)


def test_staff_of_another_province_see_none_of_its_lines(client, session, kh_setup):  # type: ignore[no-untyped-def]
    confirmed_collection(session, kh_setup["campaign"])
    other = make_user(session, Role.PROVINCE_STAFF, hanoi(session))
    session.commit()
    login(client, other.email, PASSWORD)
    html = client.get("/can-bo/co-quan-thu-ho").get_data(as_text=True)
    assert "0 dòng." in html and "Nguyễn Văn An" not in html and "Sở Tài chính" not in html


def test_the_demo_shows_an_agency_with_lines_received_and_waiting(app, client, session):  # type: ignore[no-untyped-def]
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)  # the demo loads them itself
    session.commit()
    assert load_demo()
    login(client, "tinh@khanhhoa.chungtay.vn", "ChungTay@2026")
    html = client.get("/can-bo/co-quan-thu-ho").get_data(as_text=True)
    assert "6 dòng." in html and "Sở Thử nghiệm Tài chính tỉnh Khánh Hòa" in html
    assert "3 dòng." in client.get("/can-bo/co-quan-thu-ho?da_nop=yes").get_data(as_text=True)
    assert "Nguyễn Thị Thử An" in client.get("/can-bo/co-quan-thu-ho?da_nop=yes").get_data(as_text=True)
