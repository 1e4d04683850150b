"""Agency collections (issue 19 item 5): an agency registers, uploads its staff list, pays one transfer; the money
becomes one contribution per staff member and each finds their own line by the code the agency hands out."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from app.agencies import services as agencies
from app.agencies.models import AgencyCollection, AgencyLine, AgencyStatus
from app.contributions.models import Channel, Contribution, ContributionStatus
from app.contributions.receive import MoneyIn, receive
from app.contributions.reversal import reverse_contribution
from app.core import mail
from app.ledger.models import Purpose
from app.pledges.models import Pledge, PledgeStatus
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, SYSTEM
from tests.patterns.conftest import LINES, confirmed_collection, staff_csv
from tests.payments.test_statements import D1, act, upload, vcb_csv


def _link_path(body: str) -> str:
    m = re.search(r"https?://[^/\s]+(/co-quan/\S+)", body)
    assert m, body
    return m.group(1)


def _upload(client, path: str, data: bytes, name: str = "ds.csv"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(
        path,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _register(client) -> str:  # type: ignore[no-untyped-def]
    mail.OUTBOX.clear()
    page = client.get("/co-quan/dang-ky").get_data(as_text=True)
    resp = client.post(
        "/co-quan/dang-ky",
        data={
            "csrf_token": csrf_from(page),
            "name": "Sở Tài chính tỉnh Khánh Hòa",
            "contact_person": "Phạm Thu Hà",
            "email": "KeToan@stc.example.vn",
            "phone": "0258 3822 111",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [sent] = [m for m in mail.OUTBOX if m["To"] == "ketoan@stc.example.vn"]
    return _link_path(sent.get_content())


def test_agency_registers_uploads_previews_and_confirms_one_reference_with_a_code_per_person(
    client, session, kh_setup
):
    path = _register(client)
    page = client.get(path)
    assert page.status_code == 200
    collection = session.execute(select(AgencyCollection)).scalar_one()
    assert collection.status == AgencyStatus.VERIFIED  # opening the mailed link confirmed the e-mail

    rows = [*LINES, ['=HYPERLINK("http://x.example")', "100.000", "", ""]]
    resp = _upload(client, path, staff_csv(rows))
    assert resp.status_code == 302
    preview = client.get(path).get_data(as_text=True)
    assert "4 người, tổng 2.100.000 ₫" in preview
    assert session.execute(select(Pledge)).first() is None  # nothing to pay before the agency confirms

    token = csrf_from(preview)
    assert client.post(f"{path}/chot", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    pledge = session.execute(select(Pledge)).scalar_one()
    assert pledge.amount_vnd == 2_100_000 and pledge.donor.name == "Sở Tài chính tỉnh Khánh Hòa"
    page = client.get(path).get_data(as_text=True)
    assert pledge.reference in page and "2.100.000 ₫" in page
    codes = [line.code for line in session.execute(select(AgencyLine)).scalars()]
    assert len(set(codes)) == 4 and all(c and re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", c) for c in codes)

    download = client.get(f"{path}/ma-tra-cuu.csv")
    assert download.status_code == 200
    table = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:6] == ["STT", "Họ tên", "Số tiền", "Ghi chú", "Công khai tên", "Mã tra cứu"]
    assert {r[5].replace("-", "") for r in table[1:]} == set(codes)
    assert table[4][1].startswith("'=")  # a name Excel would run as a formula is neutralised

    # Someone without the signed link sees nothing of it.
    assert client.get("/co-quan/khong-phai-ma-that/ma-tra-cuu.csv").status_code == 404


def test_a_list_with_bad_rows_names_each_row_and_saves_nothing(client, session, kh_setup):
    path = _register(client)
    client.get(path)
    rows = [
        ["Nguyễn Văn An", "300.000", "", ""],
        ["", "200.000", "", ""],
        ["Trần Thị Bình", "hai trăm", "", ""],
        ["Lê Hoàng Cường", "100.000", "", "có lẽ"],
    ]
    resp = _upload(client, path, staff_csv(rows))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Dòng 3: Họ tên: chưa nhập." in html
    assert "Dòng 4 (Trần Thị Bình): Số tiền" in html
    assert "Dòng 5 (Lê Hoàng Cường): Công khai tên: “có lẽ” không hiểu" in html
    assert "Dòng 2" not in html
    session.expire_all()
    assert session.execute(select(func.count(AgencyLine.id))).scalar_one() == 0
    # Wrong headers: named, nothing kept.
    resp = _upload(client, path, staff_csv([["An", "1"]], headers=["Tên", "Tiền"]))
    assert resp.status_code == 422 and "thiếu cột “Họ tên”, “Số tiền”" in resp.get_data(as_text=True)


def test_one_statement_transfer_becomes_one_contribution_per_person_with_the_exact_sum(
    client, session, kh_setup, province_staff
):
    collection = confirmed_collection(session, kh_setup["campaign"])
    pledge = session.get(Pledge, collection.pledge_id)
    login(client, province_staff.email, PASSWORD)
    memo = f"IBFT SO TAI CHINH KHANH HOA {pledge.reference} ung ho mot ngay luong"
    upload(client, kh_setup["prov_acc"].id, vcb_csv([(D1, [("1", 2_000_000, memo)])], 0))
    from app.payments.models import BankStatement

    stmt = session.execute(select(BankStatement)).scalar_one()
    act(client, stmt.id, {"action": "import"})
    session.expire_all()

    rows = session.execute(
        select(
            Contribution.amount_vnd,
            Contribution.public_name,
            Contribution.agency_line_id,
            Contribution.pledge_id,
        ).order_by(Contribution.id)
    ).all()
    lines = {line.full_name: line.id for line in session.execute(select(AgencyLine)).scalars()}
    assert [(r.amount_vnd, r.public_name, r.agency_line_id) for r in rows] == [
        (300_000, "Nguyễn Văn An – Sở Tài chính tỉnh Khánh Hòa", lines["Nguyễn Văn An"]),
        (500_000, "T.T.B. – Sở Tài chính tỉnh Khánh Hòa", lines["Trần Thị Bình"]),
        (1_200_000, "L.H.C. – Sở Tài chính tỉnh Khánh Hòa", lines["Lê Hoàng Cường"]),
    ]
    assert sum(r.amount_vnd for r in rows) == 2_000_000 and {r.pledge_id for r in rows} == {pledge.id}
    assert session.get(Pledge, pledge.id).status == PledgeStatus.FULFILLED
    # The public statement lists each person's line under the agency.
    statement = client.get("/cong-khai/sao-ke?q=so tai chinh").get_data(as_text=True)
    assert "T.T.B. – Sở Tài chính tỉnh Khánh Hòa" in statement and "Trần Thị Bình" not in statement


def test_a_partial_transfer_pays_the_first_lines_and_an_excess_becomes_an_unrestricted_gift(
    session, kh_setup
):
    collection = confirmed_collection(session, kh_setup["campaign"])
    pledge = session.get(Pledge, collection.pledge_id)
    first = receive(
        session,
        SYSTEM,
        [
            MoneyIn(
                amount_vnd=600_000, channel=Channel.BANK_TRANSFER, pledge_id=pledge.id, idempotency_key="t1"
            )
        ],
    )
    assert [r.amount_vnd for r in first] == [300_000, 300_000]
    assert session.get(Pledge, pledge.id).status == PledgeStatus.PARTLY_PAID
    # The same transfer delivered again (a re-imported line) is counted once.
    again = receive(
        session,
        SYSTEM,
        [
            MoneyIn(
                amount_vnd=600_000, channel=Channel.BANK_TRANSFER, pledge_id=pledge.id, idempotency_key="t1"
            )
        ],
    )
    assert all(r.earlier for r in again)
    second = receive(
        session,
        SYSTEM,
        [
            MoneyIn(
                amount_vnd=1_500_000, channel=Channel.BANK_TRANSFER, pledge_id=pledge.id, idempotency_key="t2"
            )
        ],
    )
    session.commit()
    assert [(r.amount_vnd, r.excess) for r in second] == [
        (200_000, False),
        (1_200_000, False),
        (100_000, True),
    ]
    states = {
        s.line.full_name: (s.paid_vnd, s.outstanding_vnd) for s in agencies.line_states(session, collection)
    }
    assert states == {
        "Nguyễn Văn An": (300_000, 0),
        "Trần Thị Bình": (500_000, 0),
        "Lê Hoàng Cường": (1_200_000, 0),
    }
    excess = session.get(Contribution, second[2].id)
    assert (
        excess.agency_line_id is None and excess.pledge_id is None and excess.purpose == Purpose.UNRESTRICTED
    )
    total_in = session.execute(select(func.sum(Contribution.amount_vnd))).scalar_one()
    assert total_in == 2_100_000  # every đồng of both transfers, nothing more


def test_lookup_by_code_finds_only_that_persons_line(client, session, kh_setup):
    collection = confirmed_collection(session, kh_setup["campaign"])
    pledge = session.get(Pledge, collection.pledge_id)
    receive(
        session, SYSTEM, [MoneyIn(amount_vnd=2_000_000, channel=Channel.BANK_TRANSFER, pledge_id=pledge.id)]
    )
    session.commit()
    binh = session.execute(select(AgencyLine).where(AgencyLine.full_name == "Trần Thị Bình")).scalar_one()
    typed = f"{binh.code[:4].lower()} - {binh.code[4:].lower()}"  # as a person types it from a printed list
    resp = client.get("/cong-khai/tra-cuu", query_string={"ma": typed})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    receipt = session.execute(select(Contribution).where(Contribution.agency_line_id == binh.id)).scalar_one()
    assert (
        "T.T.B. – Sở Tài chính tỉnh Khánh Hòa" in html and receipt.receipt_no in html and "500.000 ₫" in html
    )
    assert "Nguyễn Văn An" not in html and "L.H.C." not in html and "1.200.000 ₫" not in html
    assert "Trần Thị Bình" not in html  # not published: the lookup shows what the statement shows

    unknown = client.get("/cong-khai/tra-cuu", query_string={"ma": "ZZZZ-ZZZZ"})
    assert unknown.status_code == 404 and "Không tìm thấy mã" in unknown.get_data(as_text=True)

    # A reversed receipt no longer counts for the line.
    reverse_contribution(session, SYSTEM, receipt.id, "Ngân hàng hoàn tiền")
    session.commit()
    html = client.get("/cong-khai/tra-cuu", query_string={"ma": binh.code}).get_data(as_text=True)
    assert receipt.receipt_no not in html and "Cơ quan chưa chuyển khoản cho khoản này." in html
    assert session.get(Contribution, receipt.id).status == ContributionStatus.REVERSED
