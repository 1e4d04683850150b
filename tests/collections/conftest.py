from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from openpyxl import Workbook

from app.accounts.models import Role
from app.campaigns.models import Campaign
from app.collections.services import HEADERS
from app.units.models import AdminUnit, Hamlet
from app.units.services import add_hamlet
from tests import factories as f

HAMLETS = ["Thôn Tà Lương", "Thôn Tô Hạp", "Thôn Dốc Gạo", "Tổ dân phố 3"]


@dataclass
class World:
    campaign: Campaign
    commune: AdminUnit
    other: AdminUnit
    province: AdminUnit
    hamlets: list[Hamlet]
    staff: str
    other_staff: str
    province_staff: str


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    province = f.province(session)
    commune = f.unit(session, f.KHANH_SON)
    other = f.unit(session, f.CAM_LAM)
    hamlets = [
        add_hamlet(session, commune.id, n, "tổ dân phố" if n.startswith("Tổ") else "thôn") for n in HAMLETS
    ]
    add_hamlet(session, other.id, "Thôn Tân Xương 1")
    session.commit()
    campaign = f.make_campaign(session, province)
    campaign.settings = {"household_display": "name"}
    session.commit()
    staff = f.make_user(session, Role.COMMUNE_STAFF, commune).email
    other_staff = f.make_user(session, Role.COMMUNE_STAFF, other).email
    province_staff = f.make_user(session, Role.PROVINCE_STAFF, province).email
    return World(campaign, commune, other, province, hamlets, staff, other_staff, province_staff)


def xlsx_bytes(rows: list[list[object]], headers: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers or HEADERS))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
