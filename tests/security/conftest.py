"""A populated world for the route-enumerating tests: the demo, a second province, Khánh Sơn records
carrying recognisable secrets, and one logged-in client per role × area."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.accounts.models import Role
from app.campaigns.services import active_campaign
from app.contributions.models import Channel
from app.extensions import db
from app.units.models import AdminUnit, UnitLevel
from tests.conftest import CSRF_RE, login
from tests.factories import CAM_LAM, KHANH_SON, make_campaign, make_donor, make_user, province, unit
from tests.security.route_params import ParamContext

# Secrets that belong to Khánh Sơn's records: none may appear outside its area or on a public page.
SECRET_EMAIL = "bi.mat.nha.tai.tro@example.vn"
SECRET_PHONE = "0905123987"
SECRET_NOTE = "GHI-CHU-NOI-BO-KHANH-SON-7731"
SECRET_AMOUNT = "987.654.321"  # as rendered by |vnd
SECRET_AMOUNT_VND = 987_654_321


def row_counts() -> dict[str, int]:
    """Rows in every table (all packages' tables, whatever is merged)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.execute(select(func.count()).select_from(table)).scalar_one()
    db.session.rollback()
    return counts


def csrf_token_for(client: FlaskClient) -> str:
    """A valid token for this client's session, from a page every visitor can open."""
    for url in ("/", "/dang-nhap"):
        m = CSRF_RE.search(client.get(url).get_data(as_text=True))
        if m:
            return m.group(1)
    raise AssertionError("no page offers a CSRF token")


@dataclass
class Visitor:
    label: str  # e.g. "commune_staff@cam_lam"
    role: Role | None
    area: str | None  # own | same_province | other_province | None
    client: FlaskClient

    @property
    def insider(self) -> bool:
        """May see Khánh Sơn's records."""
        return self.role == Role.CENTRAL_ADMIN or (
            self.role in (Role.COMMUNE_STAFF, Role.PROVINCE_STAFF, Role.APPROVER) and self.area == "own"
        )


@dataclass
class World:
    app: Flask
    ctx: ParamContext
    places: dict[str, AdminUnit]
    visitors: list[Visitor] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)


def _load_demo(session) -> None:  # type: ignore[no-untyped-def]
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)  # the demo loads the designations itself
    load_demo()
    db.session.commit()


@pytest.fixture
def world(app: Flask, session) -> World:  # type: ignore[no-untyped-def]
    from app.contributions.services import NewContribution, record_contribution
    from app.ledger.models import Purpose
    from app.units.services import import_units
    from tests.factories import SYSTEM

    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    app.config["RATELIMIT_ENABLED"] = False
    _load_demo(session)
    import_units(session, [1])  # Hà Nội: another province
    session.commit()
    hn = province(session, 1)
    places = {
        "khanh_son": unit(session, KHANH_SON),
        "cam_lam": unit(session, CAM_LAM),
        "khanh_hoa": province(session),
        "ha_noi": hn,
        "ha_noi_commune": session.execute(
            select(AdminUnit)
            .where(AdminUnit.parent_id == hn.id, AdminUnit.level == UnitLevel.COMMUNE)
            .order_by(AdminUnit.code)
            .limit(1)
        ).scalar_one(),
    }
    # A donor with contact details, and a contribution to Khánh Sơn with a staff-only note.
    donor = make_donor(session, "Công ty Cổ phần Bí Mật Khánh Sơn")
    donor.email, donor.phone = SECRET_EMAIL, SECRET_PHONE
    campaign = active_campaign(session, places["khanh_son"].id) or make_campaign(session, places["khanh_hoa"])
    record_contribution(
        session,
        SYSTEM,
        campaign,
        NewContribution(
            amount_vnd=SECRET_AMOUNT_VND,
            channel=Channel.CASH,
            donor=donor,
            received_at=datetime.now(UTC),
            receiving_unit_id=places["khanh_son"].id,
            earmark_unit_id=places["khanh_son"].id,
            purpose=Purpose.HOUSING,
            note=SECRET_NOTE,
        ),
    )
    session.commit()

    w = World(
        app=app,
        ctx=ParamContext(session=session, places=places),
        places=places,
        secrets=[SECRET_EMAIL, SECRET_PHONE, SECRET_NOTE],
    )
    plan = [
        (Role.COMMUNE_STAFF, "own", "khanh_son"),
        (Role.COMMUNE_STAFF, "same_province", "cam_lam"),
        (Role.COMMUNE_STAFF, "other_province", "ha_noi_commune"),
        (Role.APPROVER, "own", "khanh_hoa"),
        (Role.APPROVER, "same_province", "cam_lam"),
        (Role.APPROVER, "other_province", "ha_noi"),
        (Role.PROVINCE_STAFF, "own", "khanh_hoa"),
        (Role.PROVINCE_STAFF, "other_province", "ha_noi"),
        (Role.CENTRAL_ADMIN, None, None),
    ]
    for role, area, where in plan:
        user = make_user(session, role, places[where] if where else None)
        client = app.test_client()
        login(client, user.email)
        w.visitors.append(Visitor(f"{role.value}@{where or 'central'}", role, area, client))
    donor_user = make_user(session, Role.DONOR, donor=make_donor(session, "Nhà tài trợ đăng nhập"))
    donor_client = app.test_client()
    login(donor_client, donor_user.email)
    w.visitors.append(Visitor("donor", Role.DONOR, None, donor_client))
    w.visitors.append(Visitor("anonymous", None, None, app.test_client()))
    return w
