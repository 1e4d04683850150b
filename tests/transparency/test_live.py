"""Every credit public at once (issue 17.2) and live (issue 20.8): a credit that arrives by transfer and is not yet
attributed is on the statement at once, marked "chưa xác định", with its time, masked sender, the bank's sender name,
the receiving official account (masked) and its unit — never the memo, a phone or a full account number; the live
JSON document returns new credits after money moves and is cacheable; the pledge page's figures follow."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from app.banking.models import OfficialBankAccount
from app.contributions.models import Channel
from app.contributions.receive import MoneyIn, mask_account, receive
from app.ledger import services as ledger
from tests import factories as f
from tests.conftest import open_as_donor
from tests.transparency.conftest import give

OFFICIAL = "0061001234567"
SENDER = "0011001932418"
MEMO = "UNG HO NGUOI NGHEO GOI 0905123456 STK 0011001932418"


@pytest.fixture
def account(session, kh):  # type: ignore[no-untyped-def]
    acc = OfficialBankAccount(
        unit_id=kh["province"].id,
        fund_id=ledger.main_fund(session).id,
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number=OFFICIAL,
        account_name="UY BAN MTTQ VIET NAM TINH KHANH HOA",
    )
    session.add(acc)
    session.commit()
    return acc


def feed_credit(session, kh, account, amount: int, name: str, ref: str):  # type: ignore[no-untyped-def]
    """A credit as a bank feed records it: through receive(), no donor, no pledge, by the system, the memo kept
    for staff only."""
    made = receive(
        session,
        f.SYSTEM,
        [
            MoneyIn(
                amount_vnd=amount,
                channel=Channel.BANK_TRANSFER,
                received_at=datetime(2026, 10, 17, 7, 2, tzinfo=UTC),  # 14:02 in Vietnam
                display_name=name,
                receiving_unit_id=kh["province"].id,
                bank_account_id=account.id,
                bank_txn_ref=ref,
                masked_account=mask_account(SENDER),
                note=MEMO,
                source=f"feed:test:{ref}",
                idempotency_key=f"feed:{ref}",
            )
        ],
        campaign=kh["campaign"],
    )
    session.commit()
    return made[0]


def test_an_unattributed_credit_is_public_at_once_without_personal_data(client, session, kh, account):
    r = feed_credit(session, kh, account, 10_000_000, "NGUYEN VAN BINH", "FT26290000001")
    named = give(
        session,
        kh["campaign"],
        5_000_000,
        name="Công ty TNHH Đường Biên Hòa",
        receiving=kh["province"],
        donor=f.make_donor(session),
    )
    html = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    at = html.index(f"/cong-khai/sao-ke/{r.id}")
    row = html[html.rindex("<tr", 0, at) :]
    row = row[: row.index("</tr>")]
    assert "NGUYEN VAN BINH" in row and "chưa xác định" in row
    assert "14:02" in row and "10.000.000" in row
    assert mask_account(SENDER) in row  # the masked sender
    assert "Vietcombank " + mask_account(OFFICIAL) in row and "Khánh Hòa" in row  # receiving account and unit
    other = html[html.index(f"/cong-khai/sao-ke/{named.id}") :]
    assert "chưa xác định" not in other[: other.index("</tr>")]
    api = client.get(f"/api/v1/contributions/{r.id}").get_json()
    assert api["chua_xac_dinh"] is True and api["tai_khoan_nhan"] == "Vietcombank " + mask_account(OFFICIAL)
    assert api["thoi_diem"].startswith("2026-10-17T07:02")
    texts = [
        html,
        client.get(f"/cong-khai/sao-ke/{r.id}").get_data(as_text=True),
        client.get("/api/v1/contributions").get_data(as_text=True),
        client.get("/cong-khai/truc-tiep.json").get_data(as_text=True),
        client.get("/cong-khai/du-lieu/dong-gop.csv").get_data(as_text=True),
    ]
    for t in texts:
        for secret in (MEMO, "0905123456", SENDER, OFFICIAL, "GOI 09"):
            assert secret not in t


def test_a_phone_number_in_a_bank_sender_name_is_masked(client, session, kh, account):
    r = feed_credit(session, kh, account, 1_000_000, "TRAN VAN C 0905123456", "FT26290000002")
    html = client.get(f"/cong-khai/sao-ke/{r.id}").get_data(as_text=True)
    assert "0905123456" not in html and "*******456" in html
    assert "0905123456" not in client.get("/cong-khai/truc-tiep.json").get_data(as_text=True)


def test_live_document_returns_new_credits_after_money_moves_and_is_cacheable(client, session, kh, account):
    give(session, kh["campaign"], 2_000_000, name="Lê Văn Cường", receiving=kh["province"])
    first = client.get("/cong-khai/truc-tiep.json")
    assert first.status_code == 200
    assert "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    body = first.get_json()
    assert [i["ten_hien_thi"] for i in body["items"]] == ["Lê Văn Cường"]
    assert body["received_vnd"] == 2_000_000
    # Nothing moved: the reader's copy is current, a bodiless 304.
    again = client.get("/cong-khai/truc-tiep.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    r = feed_credit(session, kh, account, 10_000_000, "NGUYEN VAN BINH", "FT26290000003")
    fresh = client.get("/cong-khai/truc-tiep.json", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    data = fresh.get_json()
    assert data["latest_id"] == r.id and data["items"][0]["chua_xac_dinh"] is True
    assert data["items"][0]["so_tien"] == "10.000.000 ₫" and data["received"] == "12.000.000 ₫"
    assert data["version"] != body["version"]
    # Filters: another province's statement does not get the credit.
    commune = client.get(f"/cong-khai/truc-tiep.json?xa={kh['cam_lam'].id}").get_json()
    assert commune["items"] == [] and commune["received_vnd"] == 0


@pytest.mark.app_config(PUBLIC_PAGE_CACHE_SECONDS=60)
def test_readers_share_one_cached_live_answer_until_money_moves(app, client, session, kh, account):
    give(session, kh["campaign"], 2_000_000, name="Lê Văn Cường", receiving=kh["province"])
    one = client.get("/cong-khai/truc-tiep.json").get_json()
    session.execute(  # a row the cached answer cannot know of (no money movement, no new version)
        OfficialBankAccount.__table__.update().values(bank_name="Ngân hàng khác")
    )
    session.commit()
    other = app.test_client().get("/cong-khai/truc-tiep.json").get_json()
    assert other == one  # the same cached document for every reader
    feed_credit(session, kh, account, 3_000_000, "PHAM THI D", "FT26290000004")
    after = app.test_client().get("/cong-khai/truc-tiep.json").get_json()
    assert after["items"][0]["ten_hien_thi"] == "PHAM THI D" and after["items"][0][
        "tai_khoan_nhan"
    ].startswith("Ngân hàng khác")
    # The statement page itself stays a cached page (the script polls; the page is not rendered per reader).
    assert 'data-live-url="/cong-khai/truc-tiep.json' in client.get("/cong-khai/sao-ke").get_data(
        as_text=True
    )


def test_pledge_status_follows_a_payment_without_reload(client, session, kh, account):
    from tests.pledges.helpers import make_pledge

    pledge = make_pledge(session, kh, amount=30_000_000)
    session.commit()
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    url = f"/ung-ho/{pledge.reference}/trang-thai.json"
    first = client.get(url)
    assert first.get_json()["paid_vnd"] == 0 and first.get_json()["last_payment"] == ""
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    receive(
        session,
        f.SYSTEM,
        [
            MoneyIn(
                amount_vnd=10_000_000,
                channel=Channel.BANK_TRANSFER,
                received_at=datetime(2026, 10, 17, 7, 2, tzinfo=UTC),
                pledge_id=pledge.id,
                bank_account_id=account.id,
                receiving_unit_id=kh["province"].id,
                idempotency_key="feed:pledge-1",
            )
        ],
    )
    session.commit()
    now = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert now.status_code == 200
    data = now.get_json()
    assert data["paid"] == "10.000.000 ₫" and data["outstanding"] == "20.000.000 ₫"
    assert data["last_payment"] == "Đã nhận 10.000.000 ₫ lúc 14:02 ngày 17/10/2026"
    open_as_donor(client, pledge)  # the donor's view (issue 19.1)
    page = client.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    assert f'data-live-pledge="{url}"' in page and 'aria-live="polite"' in page


def test_statement_csv_of_an_unattributed_credit_is_neutralised(client, session, kh, account):
    feed_credit(session, kh, account, 1_000_000, '=HYPERLINK("http://evil")', "FT26290000005")
    rows = list(csv.reader(io.StringIO(client.get("/cong-khai/du-lieu/dong-gop.csv").get_data(as_text=True))))
    assert all(not cell.startswith("=") for row in rows[1:] for cell in row)


def test_donor_account_page_learns_of_a_payment(app, client, session, kh, account):
    from app.accounts.models import Role
    from tests.conftest import login

    donor = f.make_donor(session, "Công ty TNHH Bình Minh")
    user = f.make_user(session, Role.DONOR, donor=donor)
    login(client, user.email)
    assert client.get("/tai-khoan/trang-thai.json").get_json() == {"last_id": 0, "last_payment": ""}
    page = client.get("/tai-khoan/tong-quan").get_data(as_text=True)
    assert 'data-live-donor="/tai-khoan/trang-thai.json"' in page and 'aria-live="polite"' in page
    made = receive(
        session,
        f.SYSTEM,
        [
            MoneyIn(
                amount_vnd=10_000_000,
                channel=Channel.BANK_TRANSFER,
                received_at=datetime(2026, 10, 17, 7, 2, tzinfo=UTC),
                donor=donor,
                bank_account_id=account.id,
                receiving_unit_id=kh["province"].id,
            )
        ],
        campaign=kh["campaign"],
    )
    session.commit()
    data = client.get("/tai-khoan/trang-thai.json").get_json()
    assert data == {"last_id": made[0].id, "last_payment": "Đã nhận 10.000.000 ₫ lúc 14:02 ngày 17/10/2026"}
    assert app.test_client().get("/tai-khoan/trang-thai.json").status_code in (
        302,
        401,
        403,
    )  # signed in only


def test_overview_polls_the_campaigns_received_figure(client, session, kh, account):
    c = kh["campaign"]
    give(session, c, 2_000_000, name="Lê Văn Cường", receiving=kh["province"])
    page = client.get(f"/cong-khai?chien_dich={c.id}").get_data(as_text=True)
    assert f'data-live-totals="/cong-khai/truc-tiep.json?chien_dich={c.id}"' in page
    assert "<strong data-live-received>2.000.000 ₫</strong>" in page and 'aria-live="polite"' in page
    feed_credit(session, kh, account, 10_000_000, "NGUYEN VAN BINH", "FT26290000009")
    live = client.get(f"/cong-khai/truc-tiep.json?chien_dich={c.id}").get_json()
    assert live["received"] == "12.000.000 ₫"
    assert "<strong data-live-received>12.000.000 ₫</strong>" in client.get(
        f"/cong-khai?chien_dich={c.id}"
    ).get_data(as_text=True)


def test_a_stranger_with_the_reference_gets_no_live_figures_of_the_pledge(app, session, kh, account):
    """The reference is on the public statement: it must not open the donor's figures (issue 19.1 with 17.2)."""
    from tests.pledges.helpers import make_pledge

    pledge = make_pledge(session, kh, amount=30_000_000)
    session.commit()
    stranger = app.test_client()
    assert stranger.get(f"/ung-ho/{pledge.reference}/trang-thai.json").status_code == 404
    page = stranger.get(f"/ung-ho/{pledge.reference}").get_data(as_text=True)
    assert "data-live-pledge" not in page and "30.000.000" not in page
