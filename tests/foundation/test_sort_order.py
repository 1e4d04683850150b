"""The one Vietnamese sort order (app.core.collation), in Python, in SQL on both databases, and on the pages."""

from __future__ import annotations

import random
import re
from html import unescape

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.core.collation import unit_key, units_sorted, vi_collate, vi_sorted
from app.units.models import AdminUnit, Hamlet
from app.units.services import import_units
from tests.conftest import login
from tests.factories import KHANH_SON, make_campaign, make_user, province, unit

# Each name sorts before the next: Vietnamese letters (ă â after a, đ after every d, ê, ô ơ, ư after u), tones as
# a secondary difference, case last, numbers by value.
TRICKY = [
    "an",
    "An Nguyễn",
    "anh",
    "Anh",
    "ánh",
    "Ăn",
    "Ân",
    "Bác Ái Đông",
    "Bác Ái Tây",
    "bao",
    "Bảo",
    "Cà Mau",
    "Cao Bằng",
    "Cần Thơ",
    "Duy",
    "Dương",
    "Đà Nẵng",
    "Đắk Lắk",
    "Điện Biên",
    "Em",
    "Êm",
    "Ong",
    "Ông",
    "Ơn",
    "Thôn 2",
    "Thôn 10",
    "Uyên",
    "Ư",
    "Ưng",
    "Yên",
]


def test_tricky_neighbours_in_vietnamese_order():
    shuffled = TRICKY[:]
    random.Random(7).shuffle(shuffled)
    assert vi_sorted(shuffled) == TRICKY


def test_units_read_by_their_proper_name():
    names = ["Xã Cam Lâm", "Phường Bắc Nha Trang", "Thành phố Cần Thơ", "Tỉnh Cà Mau", "Tỉnh Cao Bằng"]
    assert [n for n in sorted(names, key=unit_key)] == [
        "Phường Bắc Nha Trang",
        "Tỉnh Cà Mau",
        "Xã Cam Lâm",
        "Tỉnh Cao Bằng",
        "Thành phố Cần Thơ",
    ]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_database_sorts_exactly_as_python(request, backend):
    session = request.getfixturevalue("session")
    commune = unit(session, KHANH_SON)
    shuffled = TRICKY[:]
    random.Random(3).shuffle(shuffled)
    for name in shuffled:
        session.add(Hamlet(commune_id=commune.id, name=name, search_key=name.lower()))
    session.flush()
    rows = session.execute(
        select(Hamlet.name).where(Hamlet.commune_id == commune.id).order_by(vi_collate(Hamlet.name))
    ).scalars()
    assert list(rows) == TRICKY


def _options(html: str, select_name: str) -> list[str]:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"no <select name={select_name}>"
    return [
        unescape(re.sub(r"<[^>]+>", "", o)).strip()
        for o in re.findall(r"<option[^>]*>.*?</option>", block.group(1), re.S)
    ]


def test_pledge_form_lists_provinces_and_communes_in_vietnamese_order(client, session):
    import_units(session, [96, 92, 4])  # Cà Mau, Cần Thơ, Cao Bằng
    session.commit()
    html = client.get("/ung-ho").get_data(as_text=True)
    provinces = [p for p in _options(html, "province_id") if p and not p.startswith("—")]
    assert (
        provinces.index("Tỉnh Cà Mau")
        < provinces.index("Tỉnh Cao Bằng")
        < provinces.index("Thành phố Cần Thơ")
    )
    assert provinces == units_sorted(provinces, name=lambda n: n)
    kh = province(session)
    communes = [c["name"] for c in client.get(f"/ung-ho/ds-xa.json?tinh={kh.id}").get_json()]
    assert communes == units_sorted(communes, name=lambda n: n)
    assert communes.index("Xã Bác Ái") < communes.index("Xã Bác Ái Đông") < communes.index("Xã Bác Ái Tây")
    assert communes.index("Xã Diên Thọ") < communes.index("Phường Đô Vinh")  # Đ after every D


def test_staff_dropdown_lists_communes_in_vietnamese_order(client, session):
    staff = make_user(session, Role.PROVINCE_STAFF, province(session))
    make_campaign(session)
    session.commit()
    login(client, staff.email)
    communes = [c for c in _options(client.get("/can-bo/nhu-cau/them").get_data(as_text=True), "commune_id")]
    expected = units_sorted(
        session.execute(select(AdminUnit.name).where(AdminUnit.parent_id == province(session).id)).scalars(),
        name=lambda n: n,
    )
    assert communes == expected
    assert communes.index("Xã Bác Ái Đông") < communes.index("Xã Bác Ái Tây")
    assert communes.index("Xã Diên Thọ") < communes.index("Phường Đô Vinh") < communes.index("Xã Khánh Sơn")
