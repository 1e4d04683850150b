"""Live pages (issues 17.2 and 20.8): money recorded through the money-in service while a page is open shows on it
without a reload — the donor's pledge page ("Đã nhận … lúc …") and the public statement (a new credit at the top,
announced through its aria-live region)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import LIVE, Journey

pytestmark = pytest.mark.browser
WAIT_MS = 20_000  # the pages poll every 5 s


@pytest.fixture
def viewport() -> str:
    return "desktop"  # one viewport: the journey is about time, not layout (the pages are checked by axe here too)


def _in_live_app(fn):  # type: ignore[no-untyped-def]
    from app.extensions import db

    with LIVE["app"].app_context():
        try:
            result = fn(db.session)
            db.session.commit()
            return result
        finally:
            db.session.remove()


def _campaign(session):  # type: ignore[no-untyped-def]
    from app.demo.foundation import campaign_of

    return campaign_of(session)


def _make_pledge(session) -> str:  # type: ignore[no-untyped-def]
    from app.core.actor import Actor
    from app.donors.models import DonorKind
    from app.pledges import services
    from app.pledges.models import PaymentMethod, PledgeSchedule

    actor = Actor.system("e2e")
    donor = services.find_or_create_donor(
        session,
        actor,
        services.DonorInput(kind=DonorKind.HOUSEHOLD, name="Hộ bà Lưu Thị Hạnh", email="hanh@example.vn"),
    )
    pledge = services.create_pledge(
        session,
        actor,
        _campaign(session),
        donor,
        services.PledgeInput(
            amount_vnd=30_000_000,
            contact_email="hanh@example.vn",
            payment_method=PaymentMethod.BANK_TRANSFER,
            schedule=PledgeSchedule.NOW,
        ),
    )
    return pledge.reference


def _credit(session, *, amount: int, name: str | None = None, pledge_reference: str | None = None) -> int:  # type: ignore[no-untyped-def]
    """A bank credit through the one money-in service, as a bank feed records it."""
    from sqlalchemy import select

    from app.contributions.models import Channel
    from app.contributions.receive import MoneyIn, receive
    from app.core.actor import Actor
    from app.pledges.models import Pledge

    pledge = (
        session.execute(select(Pledge).where(Pledge.reference == pledge_reference)).scalar_one()
        if pledge_reference
        else None
    )
    made = receive(
        session,
        Actor.system("e2e"),
        [
            MoneyIn(
                amount_vnd=amount,
                channel=Channel.BANK_TRANSFER,
                received_at=datetime(2026, 10, 17, 7, 2, tzinfo=UTC),
                display_name=name,
                pledge_id=pledge.id if pledge else None,
                receiving_unit_id=pledge.receiving_unit_id if pledge else None,
                bank_txn_ref=f"FT26E2E{amount}",
                idempotency_key=f"e2e-live:{amount}:{name}:{pledge_reference}",
            )
        ],
        campaign=None if pledge else _campaign(session),
    )
    return made[0].id


def _donor_path(reference: str) -> str:
    """The signed link of the pledge's e-mails (issue 19.1: a reference alone shows only the public view)."""
    from sqlalchemy import select

    from app.pledges import notify
    from app.pledges.models import Pledge

    def link(session):  # type: ignore[no-untyped-def]
        pledge = session.execute(select(Pledge).where(Pledge.reference == reference)).scalar_one()
        with LIVE["app"].test_request_context():
            return notify.donor_link(pledge)

    return "/" + _in_live_app(link).split("://", 1)[1].split("/", 1)[1]


def test_the_pledge_page_shows_a_payment_without_reload(journey: Journey):
    from playwright.sync_api import expect

    reference = _in_live_app(_make_pledge)
    journey.goto(_donor_path(reference))
    page = journey.page
    page.evaluate("() => { window.__notReloaded = true; }")  # type: ignore[attr-defined]
    expect(page.locator(".amount.paid")).to_have_text("0 ₫")  # type: ignore[attr-defined]
    _in_live_app(lambda s: _credit(s, amount=10_000_000, pledge_reference=reference))
    note = page.locator("[data-live-note]")  # type: ignore[attr-defined]
    expect(note).to_have_text("Đã nhận 10.000.000 ₫ lúc 14:02 ngày 17/10/2026", timeout=WAIT_MS)
    expect(page.locator(".amount.paid")).to_have_text("10.000.000 ₫")  # type: ignore[attr-defined]
    expect(page.locator(".amount.outstanding")).to_have_text("20.000.000 ₫")  # type: ignore[attr-defined]
    assert page.evaluate("() => window.__notReloaded === true")  # type: ignore[attr-defined]
    journey.check("pledge-paid-live")
    journey.assert_accessible()


def test_a_new_credit_appears_on_the_public_statement_without_reload(journey: Journey):
    from playwright.sync_api import expect

    journey.goto("/cong-khai/sao-ke")
    page = journey.page
    page.evaluate("() => { window.__notReloaded = true; }")  # type: ignore[attr-defined]
    name = "NGUYEN VAN TRUC TIEP"
    cid = _in_live_app(lambda s: _credit(s, amount=4_321_000, name=name))
    first_row = page.locator("#tp-rows tr").first  # type: ignore[attr-defined]
    expect(first_row).to_contain_text(name, timeout=WAIT_MS)
    expect(first_row).to_contain_text("4.321.000 ₫")
    expect(first_row).to_contain_text("chưa xác định")
    assert first_row.locator("a").first.get_attribute("href").endswith(f"/cong-khai/sao-ke/{cid}")
    expect(page.locator("#tp-live-status")).to_contain_text(name)  # type: ignore[attr-defined]
    assert page.evaluate("() => window.__notReloaded === true")  # type: ignore[attr-defined]
    journey.check("statement-live")
    journey.assert_accessible()


def test_the_public_ledger_and_a_line_permalink_are_accessible(journey: Journey):
    from playwright.sync_api import expect

    journey.goto("/cong-khai/so-quy")
    page = journey.page
    first = page.locator("table.tp-ledger tbody tr").first  # type: ignore[attr-defined]
    expect(first).to_be_visible()
    first.locator("a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bút toán #")  # type: ignore[attr-defined]
    journey.check("ledger-line")
    journey.goto("/cong-khai/so-quy?loai=giai_ngan")
    journey.assert_accessible()


def test_a_qr_transfer_reported_by_the_bank_feed_updates_the_open_pledge_page(
    journey: Journey, live_server: str
):
    """Issue 17's journey: the donor pays the QR's transfer (account, amount and note as the page shows them); the
    bank's feed provider (SePay) posts its webhook to the running server; the open page shows the money, no reload."""
    import json
    import urllib.request

    from playwright.sync_api import expect
    from sqlalchemy import select

    from app.payments.transfers import transfer_details
    from app.pledges.models import Pledge

    key = "sepay-e2e-key"
    LIVE["app"].config["BANKFEED_SEPAY_API_KEY"] = key
    reference = _in_live_app(_make_pledge)

    def qr_transfer(session):  # type: ignore[no-untyped-def]
        pledge = session.execute(select(Pledge).where(Pledge.reference == reference)).scalar_one()
        t = transfer_details(session, pledge)
        assert t is not None
        return t.account.account_number, t.amount_vnd, t.note

    account_number, amount, note = _in_live_app(qr_transfer)
    journey.goto(_donor_path(reference))
    page = journey.page
    page.evaluate("() => { window.__notReloaded = true; }")  # type: ignore[attr-defined]
    body = {  # SePay's documented webhook payload
        "id": 92704551,
        "gateway": "Vietcombank",
        "transactionDate": "2026-12-07 14:02:37",
        "accountNumber": account_number,
        "code": None,
        "content": f"LUU THI HANH chuyen tien {note}",
        "transferType": "in",
        "transferAmount": amount,
        "accumulated": 19_077_000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": f"BankAPINotify LUU THI HANH chuyen tien {note}",
    }
    request = urllib.request.Request(
        f"{live_server}/api/bankfeed/sepay",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Apikey {key}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the test's own local server
        assert answer.status in (200, 201)
    expected = f"{amount:,}".replace(",", ".") + " ₫"
    note_el = page.locator("[data-live-note]")  # type: ignore[attr-defined]
    expect(note_el).to_contain_text(f"Đã nhận {expected}", timeout=WAIT_MS)
    expect(page.locator(".amount.paid")).to_have_text(expected)  # type: ignore[attr-defined]
    assert page.evaluate("() => window.__notReloaded === true")  # type: ignore[attr-defined]
    journey.check("pledge-paid-by-feed")
