"""Who speaks for a business (issue 19.1): a tax code is an identifier, not a login; the pledge page by
reference shows only what the public statement shows unless you are the donor."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.contributions.models import Channel, Contribution
from app.core import mail
from app.core.db import utcnow
from app.donors.models import Donor, DonorKind
from app.pledges import services
from app.pledges.models import Pledge
from tests import factories as f
from tests.conftest import login, post_form
from tests.pledges.helpers import SYSTEM, business_form, household_form, make_pledge

TAX = "0100047516"
LINK = re.compile(r"http://\S+")


def _real_business(session, world, *, verified: bool = True):  # type: ignore[no-untyped-def]
    """Công ty Thép Miền Trung, on file under TAX, with its accountant's account (verified by staff)."""
    pledge = make_pledge(
        session,
        world,
        name="Công ty TNHH Thép Miền Trung",
        tax_code=TAX,
        email="ketoan@thep.example.vn",
        kind=DonorKind.BUSINESS,
    )
    business = pledge.donor
    if verified:
        business.verified_at = utcnow()
    user = f.make_user(session, Role.DONOR, email="ketoan@thep.example.vn", donor=business)
    session.commit()
    return business, user


def _pay(session, pledge: Pledge, amount: int) -> Contribution:  # type: ignore[no-untyped-def]
    [c] = services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=amount,
        channel=Channel.BANK_TRANSFER,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key=f"pay-{pledge.id}-{amount}",
    )
    session.commit()
    return c


def _path(msg) -> str:  # type: ignore[no-untyped-def]
    return "/" + LINK.search(msg.get_content()).group(0).split("://", 1)[1].split("/", 1)[1]


def test_an_impostor_typing_a_business_tax_code_is_not_that_business(client, session, world, app):  # type: ignore[no-untyped-def]
    business, accountant = _real_business(session, world)
    mail.OUTBOX.clear()
    resp = post_form(
        client,
        "/ung-ho",
        business_form(
            world,
            tax_code=TAX,
            name="Công ty Giả Danh",
            contact_person="Kẻ Gian",
            email="ke.gian@example.com",
        ),
    )
    assert resp.status_code == 302
    ref = resp.headers["Location"].rsplit("/", 1)[1]
    session.expire_all()
    pledge = session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one()
    # Recorded with the name and contact typed, "đăng ký bởi" that contact, naming the business on file.
    assert pledge.donor_id != business.id
    assert pledge.donor.name == "Công ty Giả Danh"
    assert pledge.claimed_donor_id == business.id
    assert "Kẻ Gian" in pledge.registered_by and "ke.gian@example.com" in pledge.registered_by
    session.refresh(business)
    assert business.name == "Công ty TNHH Thép Miền Trung"

    # The confirmation goes to the person who typed it; the business's verified user is asked to confirm.
    [confirmation] = [m for m in mail.OUTBOX if m["Subject"].startswith("Xác nhận đăng ký ủng hộ số")]
    assert confirmation["To"] == "ke.gian@example.com"
    assert "Thép Miền Trung" not in confirmation.get_content()
    [ask] = [m for m in mail.OUTBOX if "nhân danh" in m["Subject"]]
    assert ask["To"] == "ketoan@thep.example.vn"

    # Not in the business's account, and once paid published under the name typed, marked unverified.
    company = app.test_client()
    login(company, accountant.email)
    dash = company.get("/tai-khoan/tong-quan").get_data(as_text=True)
    assert "Đăng ký nhân danh doanh nghiệp chờ xác nhận" in dash and ref in dash
    c = _pay(session, pledge, 50_000_000)
    assert c.public_name == "Công ty Giả Danh" and c.donor_id != business.id
    statement = app.test_client().get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "Công ty Giả Danh" in statement
    public = app.test_client().get(f"/ung-ho/{ref}").get_data(as_text=True)
    assert "chưa xác minh" in public

    # The business says it is not theirs: it stays under the name typed.
    resp = post_form(company, _path(ask), {"action": "reject"})
    assert resp.status_code == 302
    session.expire_all()
    assert pledge.claimed_donor_id is None and pledge.donor.name == "Công ty Giả Danh"
    company.get("/tai-khoan/tong-quan")  # shows the flash once
    assert ref not in company.get("/tai-khoan/tong-quan").get_data(as_text=True)


def test_the_business_confirms_with_one_click_and_the_gift_follows(client, session, world, app):  # type: ignore[no-untyped-def]
    business, accountant = _real_business(session, world)
    mail.OUTBOX.clear()
    resp = post_form(
        client,
        "/ung-ho",
        business_form(world, tax_code=TAX, name="Thép Miền Trung", email="nv@thep.example.vn"),
    )
    ref = resp.headers["Location"].rsplit("/", 1)[1]
    pledge = session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one()
    c = _pay(session, pledge, 50_000_000)
    [ask] = [m for m in mail.OUTBOX if "nhân danh" in m["Subject"]]
    anyone = app.test_client()  # the link is the authority: the mailbox of the business's verified user
    page = anyone.get(_path(ask)).get_data(as_text=True)
    assert ref in page and "Xác nhận" in page
    assert post_form(anyone, _path(ask), {"action": "confirm"}).status_code == 302
    session.expire_all()
    assert pledge.donor_id == business.id and pledge.claimed_donor_id is None
    c = session.get(Contribution, c.id)
    assert c.donor_id == business.id and c.public_name == "Công ty TNHH Thép Miền Trung"
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "pledge.attach")).scalars().first()
    # The link works once.
    assert anyone.get(_path(ask)).status_code == 400
    login(anyone, accountant.email)
    assert ref in anyone.get("/tai-khoan/tong-quan").get_data(as_text=True)


def test_the_first_registrant_does_not_name_the_real_company_for_ever(client, session, world, app):  # type: ignore[no-untyped-def]
    """An impostor registered the tax code first (an unverified record): the real company's later pledge is
    published under the name it typed, and the impostor hears nothing of it."""
    make_pledge(
        session,
        world,
        name="Công ty Mạo Danh",
        tax_code=TAX,
        email="mao.danh@example.com",
        kind=DonorKind.BUSINESS,
    )
    mail.OUTBOX.clear()
    resp = post_form(
        client,
        "/ung-ho",
        business_form(
            world, tax_code=TAX, name="Công ty TNHH Thép Miền Trung", email="ketoan@thep.example.vn"
        ),
    )
    ref = resp.headers["Location"].rsplit("/", 1)[1]
    pledge = session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one()
    assert pledge.donor.name == "Công ty TNHH Thép Miền Trung"
    c = _pay(session, pledge, 50_000_000)
    assert c.public_name == "Công ty TNHH Thép Miền Trung"
    assert all("mao.danh@example.com" not in (m["To"] or "") for m in mail.OUTBOX)


def test_staff_verify_with_a_reason_audited(client, session, world, app):  # type: ignore[no-untyped-def]
    business, _ = _real_business(session, world, verified=False)
    resp = post_form(client, "/ung-ho", business_form(world, tax_code=TAX, email="nv@thep.example.vn"))
    ref = resp.headers["Location"].rsplit("/", 1)[1]
    pledge = session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one()
    assert not [m for m in mail.OUTBOX if "nhân danh" in m["Subject"]]  # an unverified business is not asked
    staff = app.test_client()
    login(staff, world["khanh_son_staff"].email)
    page = f"/can-bo/dang-ky-ung-ho/{pledge.id}"
    assert "chờ xác nhận" in staff.get(page).get_data(as_text=True)
    post_form(staff, f"{page}/doanh-nghiep", {"action": "attach", "reason": ""}, page=page)
    session.expire_all()
    assert pledge.claimed_donor_id == business.id  # no reason, nothing done
    post_form(
        staff,
        f"{page}/doanh-nghiep",
        {"action": "attach", "reason": "Đã gọi số công bố của công ty"},
        page=page,
    )
    session.expire_all()
    assert pledge.donor_id == business.id
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "pledge.attach")).scalar_one()
    assert "Đã gọi số công bố" in str(entry.new_values)


def test_the_pledge_page_by_reference_shows_a_stranger_only_what_the_statement_shows(
    client, session, world, app
):  # type: ignore[no-untyped-def]
    today = date.today()
    form = household_form(
        world,
        amount="6.000.000",
        schedule="instalments",
        email="ho.tam@example.vn",
        **{
            "instalments-0-due_on": (today + timedelta(days=10)).strftime("%d/%m/%Y"),
            "instalments-0-amount": "2.000.000",
            "instalments-1-due_on": (today + timedelta(days=40)).strftime("%d/%m/%Y"),
            "instalments-1-amount": "4.000.000",
        },
    )
    resp = post_form(client, "/ung-ho", form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    url = resp.headers["Location"]
    ref = url.rsplit("/", 1)[1]
    mine = client.get(url).get_data(as_text=True)
    assert "Lịch nộp" in mine and "6.000.000 ₫" in mine and "Cách nộp" in mine

    stranger = app.test_client()
    html = stranger.get(url).get_data(as_text=True)
    assert ref in html
    for secret in (
        "Lịch nộp",
        "6.000.000 ₫",
        "4.000.000 ₫",
        "Cách nộp",
        "Tạo tài khoản để theo dõi",
        "ho.tam@",
    ):
        assert secret not in html, secret
    # A stranger cannot trigger the account e-mail.
    mail.OUTBOX.clear()
    post_form(stranger, f"/ung-ho/{ref}/tao-tai-khoan", {}, page="/ung-ho")
    assert [m for m in mail.OUTBOX if "Tạo tài khoản" in m["Subject"]] == []

    # The signed link in the donor's e-mail opens the full page in any browser.
    pledge = session.execute(select(Pledge).where(Pledge.reference == ref)).scalar_one()
    from app.pledges import notify

    with app.test_request_context():
        link = notify.donor_link(pledge)
    other = app.test_client()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert other.get(path).status_code == 302
    assert "Lịch nộp" in other.get(url).get_data(as_text=True)
    forged = app.test_client()
    forged.get(f"{url}?k=gia-mao")
    assert "Lịch nộp" not in forged.get(url).get_data(as_text=True)

    # The donor's own requests: one e-mail an hour, however often the button is pressed.
    for _ in range(3):
        post_form(client, f"/ung-ho/{ref}/tao-tai-khoan", {}, page=url)
    assert len([m for m in mail.OUTBOX if "Tạo tài khoản" in m["Subject"]]) == 1


def test_the_confirmation_mail_links_with_a_signed_key(client, session, world, app):  # type: ignore[no-untyped-def]
    mail.OUTBOX.clear()
    resp = post_form(client, "/ung-ho", household_form(world, email="ho.tam@example.vn"))
    ref = resp.headers["Location"].rsplit("/", 1)[1]
    [msg] = [m for m in mail.OUTBOX if m["To"] == "ho.tam@example.vn"]
    path = _path(msg)
    assert path.startswith(f"/ung-ho/{ref}?k=")
    other = app.test_client()
    other.get(path)
    assert "Cách nộp" in other.get(f"/ung-ho/{ref}").get_data(as_text=True)


def test_a_verified_business_user_manages_its_name(client, session, world, app):  # type: ignore[no-untyped-def]
    business, accountant = _real_business(session, world)
    c = _pay(
        session, session.execute(select(Pledge).where(Pledge.donor_id == business.id)).scalar_one(), 1_000_000
    )
    login(client, accountant.email)
    resp = post_form(
        client,
        "/tai-khoan/doanh-nghiep",
        {
            "name": "Công ty CP Thép Miền Trung",
            "contact_person": "Chị Hoa",
            "phone": "0258 3822 111",
            "address": "",
        },
        page="/tai-khoan/tong-quan",
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Donor, business.id).name == "Công ty CP Thép Miền Trung"
    assert session.get(Contribution, c.id).public_name == "Công ty CP Thép Miền Trung"
