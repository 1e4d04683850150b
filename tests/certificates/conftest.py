"""Fixtures for certificate tests: a province campaign, staff of each role, donors with e-mail."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.accounts.models import Role
from app.contributions.models import Channel
from app.contributions.services import NewContribution, record_contribution
from app.core.actor import Actor
from app.donors.models import DonorKind
from app.ledger.models import Purpose
from app.pledges.models import Pledge
from app.pledges.references import new_reference
from tests.factories import CAM_LAM, KHANH_SON, SYSTEM, make_campaign, make_donor, make_user, province, unit

KH_ISSUER = "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa"


class World:
    """Everything a certificate test needs, built through the real services."""

    def __init__(self, session):  # type: ignore[no-untyped-def]
        self.session = session
        self.kh = province(session)
        self.khanh_son = unit(session, KHANH_SON)
        self.cam_lam = unit(session, CAM_LAM)
        self.campaign = make_campaign(session, self.kh)
        self.approver = make_user(session, Role.APPROVER, self.kh)
        self.approver.full_name, self.approver.title = (
            "Nguyễn Văn Mẫu",
            "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
        )
        self.approver2 = make_user(session, Role.APPROVER, self.kh)
        self.province_staff = make_user(session, Role.PROVINCE_STAFF, self.kh)
        self.khanh_son_staff = make_user(session, Role.COMMUNE_STAFF, self.khanh_son)
        self.cam_lam_staff = make_user(session, Role.COMMUNE_STAFF, self.cam_lam)
        self.cam_lam_staff.title = "Chủ tịch Ủy ban MTTQ xã Cam Lâm"
        self.donor = make_donor(session, "Công ty Cổ phần Yến Sào Khánh Hòa", tax_code="4200237211")
        self.donor.email = "ketoan@yensao.example.vn"
        self.other_donor = make_donor(session, "Hộ ông Đặng Văn Ánh", kind=DonorKind.HOUSEHOLD)
        self.other_donor.email = "anh@example.vn"
        self.donor_user = make_user(session, Role.DONOR, donor=self.donor)
        self.other_donor_user = make_user(session, Role.DONOR, donor=self.other_donor)
        session.commit()

    def actor(self, user) -> Actor:  # type: ignore[no-untyped-def]
        return Actor(user_id=user.id, label=user.email)

    def receive(
        self,
        amount: int,
        donor=None,
        receiving=None,
        when=None,
        purpose=Purpose.HOUSING,  # type: ignore[no-untyped-def]
        pledge=None,
    ):
        c = record_contribution(
            self.session,
            SYSTEM,
            self.campaign,
            NewContribution(
                amount_vnd=amount,
                channel=Channel.BANK_TRANSFER,
                donor=donor if donor is not None else self.donor,
                received_at=when or datetime(2026, 10, 20, 3, tzinfo=UTC),
                purpose=purpose,
                receiving_unit_id=(receiving or self.kh).id,
                pledge_id=pledge.id if pledge else None,
            ),
        )
        self.session.commit()
        return c

    def pledge(self, amount: int, donor=None) -> Pledge:  # type: ignore[no-untyped-def]
        p = Pledge(
            reference=new_reference(),
            campaign_id=self.campaign.id,
            donor_id=(donor or self.donor).id,
            amount_vnd=amount,
            receiving_unit_id=self.kh.id,
            purpose=Purpose.HOUSING,
        )
        self.session.add(p)
        self.session.commit()
        return p


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    return World(session)


def png_bytes(size: tuple[int, int] = (200, 200), color=(200, 20, 30, 255)) -> bytes:  # type: ignore[no-untyped-def]
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", size, color).save(buf, "PNG")
    return buf.getvalue()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def render_png(pdf: bytes, tmp_path: Path, dpi: int = 150) -> Path:
    """Rasterise page 1 with poppler's pdftoppm (as a person would print or view it)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: apt-get install -y poppler-utils")
    src = tmp_path / "cert.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(src),
            str(tmp_path / "cert"),
        ],
        check=True,
    )
    return tmp_path / "cert.png"


def propose_business_batch(world, session, client) -> str:  # type: ignore[no-untyped-def]
    """A province rule (businesses giving 100 000 000 ₫ or more), one such gift, and a batch proposed through the
    page by province staff (signed in on `client`): the batch page's URL."""
    from app.certificates import services
    from app.certificates.models import CertificateKind, IssuerLevel
    from tests.conftest import login, post_form

    services.add_rule(
        session,
        SYSTEM,
        world.campaign.id,
        donor_kind=DonorKind.BUSINESS,
        min_total_vnd=100_000_000,
        kind=CertificateKind.BANG_KHEN,
        issuer_level=IssuerLevel.PROVINCE,
    )
    session.commit()
    world.receive(150_000_000)
    login(client, world.province_staff.email)
    resp = post_form(
        client,
        f"/can-bo/giay-chung-nhan/dot?campaign_id={world.campaign.id}",
        {"title": "Đợt 1"},
        page="/can-bo/giay-chung-nhan",
    )
    assert resp.status_code == 302
    return resp.headers["Location"]
