"""Bank statements: presets for real layouts, per-row reports, balance checks, re-import without duplicates,
matching by reference, proposals, the review queue and area scoping."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.accounts.models import Role
from app.contributions.models import Contribution
from app.core.i18n import VN_TZ
from app.ledger import services as ledger
from app.payments.errors import PaymentError
from app.payments.importing import create_statement, import_statement, parse_statement
from app.payments.models import BankStatement, LineStatus, StatementLine, StatementStatus
from app.payments.statements import parse_rows, read_rows
from app.pledges.services import amount_paid, outstanding
from tests.conftest import csrf_from, login
from tests.factories import CAM_LAM, PASSWORD, SYSTEM, make_user, unit
from tests.payments.conftest import make_pledge

VCB_HEADER = [
    "Ngày GD/TNX Date",
    "Số CT/Doc No",
    "Số tiền ghi nợ/Debit",
    "Số tiền ghi có/Credit",
    "Số dư/Balance",
    "Nội dung chi tiết/Transactions in detail",
]


def dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def vcb_csv(
    days: list[tuple[date, list[tuple[str, int, str]]]], opening: int, *, break_at: int | None = None
) -> bytes:
    """A Vietcombank-style export: title block, header, lines (amount > 0 credit, < 0 debit), the balance
    printed on the last line of each day, memos continued on dateless lines, page footers."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"])
    w.writerow(["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT", "", "Số TK: 0061001234567"])
    w.writerow(VCB_HEADER)
    balance = opening
    n = 0
    for day, lines in days:
        for i, (ref, amount, memo) in enumerate(lines):
            n += 1
            balance += amount
            printed = balance + (1_000 if break_at == n else 0)
            first, _, rest = memo.partition("|")
            w.writerow(
                [
                    day.strftime("%d/%m/%Y"),
                    ref,
                    dots(-amount) if amount < 0 else "",
                    dots(amount) if amount > 0 else "",
                    dots(printed) if i == len(lines) - 1 or break_at == n else "",
                    first,
                ]
            )
            if rest:
                w.writerow(["", "", "", "", "", rest])
        w.writerow(["Page 1 of 3", "", "", "", "", ""])
        w.writerow(["Hotline 1900 545413 - www.vietcombank.com.vn"])
    return out.getvalue().encode("utf-8-sig")


D1, D2, D3 = date(2024, 9, 1), date(2024, 9, 2), date(2024, 9, 3)


def day_lines(day: date) -> list[tuple[str, int, str]]:
    tag = day.strftime("%d%m")
    return [
        ("5390.1341", 2_000_000, f"MBVCB.{tag}01 NGUYEN VAN AN chuyen tien|ung ho nguoi ngheo {tag}"),
        ("5390.1341", 500_000, f"ung ho dong bao {tag}"),
        ("5390.1341", 500_000, f"ung ho dong bao {tag}"),  # a genuinely identical line, same Số CT
        ("5390.1342", -2_200, "Phi SMS Banking"),
        ("5390.1343", 1_000_000, f"LE THI BINH ung ho {tag}"),
    ]


def upload(
    client,
    account_id: int,
    data: bytes,
    name: str = "sao-ke.csv",
    preset: str = "auto",  # type: ignore[no-untyped-def]
    opening: str = "",
):
    token = csrf_from(client.get("/can-bo/sao-ke").get_data(as_text=True))
    return client.post(
        "/can-bo/sao-ke/tai-len",
        data={
            "csrf_token": token,
            "account_id": str(account_id),
            "preset": preset,
            "opening_balance": opening,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def act(client, statement_id: int, data: dict):  # type: ignore[no-untyped-def]
    url = f"/can-bo/sao-ke/{statement_id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def lines_count(session, account_id: int) -> int:  # type: ignore[no-untyped-def]
    return session.execute(
        select(func.count(StatementLine.id)).where(StatementLine.bank_account_id == account_id)
    ).scalar_one()


def stmt_from(session, account, data: bytes, kind: str = "csv", **kw) -> BankStatement:  # type: ignore[no-untyped-def]
    s = create_statement(
        session, SYSTEM, account=account, kind=kind, data=data, original_name="t." + kind, **kw
    )
    session.commit()
    return s


# ------------------------------------------------------------------------------------------------ parsing
def test_vietcombank_preset_reads_continuations_footers_debits_and_checks_balances(app, session, kh_setup):
    data = vcb_csv([(D1, day_lines(D1)), (D2, day_lines(D2))], 100_000_000)
    s = stmt_from(session, kh_setup["prov_acc"], data)
    assert s.preset == "vietcombank"
    r = parse_statement(s)
    assert r.errors == [] and r.breaks == []
    assert len(r.lines) == 10
    assert r.lines[0].memo.endswith("chuyen tien ung ho nguoi ngheo 0109")  # continuation joined
    assert [x.is_credit for x in r.lines[:5]] == [True, True, True, False, True]
    assert r.credits_vnd == 2 * 4_000_000 and r.debits_vnd == 2 * 2_200


def test_balance_break_is_reported_and_must_be_acknowledged(app, session, kh_setup):
    lines = day_lines(D1)
    data = vcb_csv([(D1, lines)], 100_000_000, break_at=2)
    s = stmt_from(session, kh_setup["prov_acc"], data, opening_balance_vnd=100_000_000)
    r = parse_statement(s)
    assert len(r.breaks) == 2 and "Dòng 6" in r.breaks[0] and "lệch 1.000 ₫" in r.breaks[0]
    with pytest.raises(PaymentError, match="Số dư"):
        import_statement(session, SYSTEM, s)
    session.rollback()
    assert lines_count(session, kh_setup["prov_acc"].id) == 0
    import_statement(session, SYSTEM, s, acknowledge_breaks=True)
    session.commit()
    assert "lệch" in s.balance_report and lines_count(session, kh_setup["prov_acc"].id) == 5


def test_wrong_opening_balance_is_a_break():
    rows = read_rows("csv", vcb_csv([(D1, day_lines(D1))], 100_000_000))
    assert parse_rows(rows, preset="vietcombank", opening_balance_vnd=100_000_000).breaks == []
    assert len(parse_rows(rows, preset="vietcombank", opening_balance_vnd=99_000_000).breaks) == 1


def test_bidv_xlsx_with_decimals_unpadded_dates_and_debit_column():
    wb = Workbook()
    ws = wb.active
    ws.append(["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM"])
    ws.append(
        [
            "STT (No)",
            "Ngày giao dịch (Trans.Date)",
            "Số tiền ghi nợ (VND)",
            "Phát sinh có (Credit amount)",
            "Tài khoản đối ứng",
            "Diễn giải (Txn. Description)",
        ]
    )
    ws.append([1, "1/9/2024 8:05:03", "", "400.000,00", "*****1234", "REM Tfr Ac: 123 B2B-CRE-002 ung ho"])
    ws.append([2, "01/09/2024 10:15:00", "", 1000000, "", "Tran Van C ung ho"])
    ws.append([3, "2/9/2024 7:00:00", "11.000,00", "", "", "Phi dich vu"])
    buf = io.BytesIO()
    wb.save(buf)
    rows = read_rows("xlsx", buf.getvalue())
    r = parse_rows(rows, preset="bidv")
    assert r.errors == []
    assert [(x.row_no, x.amount_vnd, x.is_credit, x.has_time) for x in r.lines] == [
        ("1", 400_000, True, True),
        ("2", 1_000_000, True, True),
        ("3", 11_000, False, True),
    ]
    assert r.lines[0].txn_at.hour == 8 and r.lines[0].txn_at.day == 1


def test_agribank_comma_thousands_and_vietinbank_signed_amounts():
    agri = [
        ["Ngày", "Diễn giải", "Ghi nợ", "Ghi có", "Số dư", "Số bút toán"],
        ["05/09/2024", "NOP TIEN MAT UNG HO", "", "50,000", "1,050,000", ""],
        ["", "tiep noi dung", "", "", "", ""],
        ["05/09/2024", "CK UNG HO", "", "150,000", "1,200,000", "1234567"],
        ["www.agribank.com.vn - Trang 1/2 - Nguoi in: NV01", "", "", "", "", ""],
    ]
    r = parse_rows(agri, preset="agribank")
    assert r.errors == [] and r.breaks == []
    assert [(x.amount_vnd, x.reference, x.memo) for x in r.lines] == [
        (50_000, "", "NOP TIEN MAT UNG HO tiep noi dung"),
        (150_000, "1234567", "CK UNG HO"),
    ]
    dotted = parse_rows([agri[0], ["05/09/2024", "x", "", "50.000", "", ""]], preset="agribank")
    assert dotted.lines == [] and "phân cách hàng nghìn" in dotted.errors[0].message
    vtb = [
        ["STT", "Ngày giao dịch", "Nội dung", "Số tiền", "Người chuyển"],
        ["1", "01/09/2024 09:00:00", "ung ho", "300.000", "NGUYEN A - 0123456789"],
        ["2", "01/09/2024 09:00:00", "hoan tra", "-300.000", ""],
    ]
    r2 = parse_rows(vtb, preset="vietinbank")
    assert [(x.is_credit, x.amount_vnd, x.counterparty) for x in r2.lines] == [
        (True, 300_000, "NGUYEN A - 0123456789"),
        (False, 300_000, ""),
    ]


def test_time_on_the_next_line_is_attached_to_its_transaction():
    rows = [
        ["STT", "Ngày giờ giao dịch", "Số tiền", "Nội dung", "Đối ứng"],
        ["1", "15/09/2024", "200.000,00", "UNG HO MTTQ", "NGUYEN B"],
        ["", "21:04:05", "", "", ""],
    ]
    (line,) = parse_rows(rows, preset="vietcombank_stt").lines
    assert line.has_time and (line.txn_at.hour, line.txn_at.minute, line.txn_at.second) == (21, 4, 5)


def test_reference_typed_with_spaced_dashes_or_after_a_stray_prefix_is_matched(
    client, session, kh_setup, province_staff
):
    """A donor types the reference the way it reads aloud ("vnn - k7qx - 3mh9"), or types "VNN " and then
    pastes the whole reference: the line is still the pledge's, not left for staff to match by hand."""
    campaign = kh_setup["campaign"]
    p1 = make_pledge(session, campaign, 20_000_000, receiving=kh_setup["province"])
    p2 = make_pledge(session, campaign, 30_000_000, receiving=kh_setup["province"])
    r1, r2 = p1.reference, p2.reference
    lines = [
        (
            "1",
            20_000_000,
            f"MBVCB.99 CTY SUA chuyen tien {r1[:3].lower()} - {r1[3:7].lower()} - {r1[7:].lower()}",
        ),
        ("2", 30_000_000, f"IBFT UNG HO VNN {r2} CTY SUA"),
    ]
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, vcb_csv([(D1, lines)], 0))
    stmt = session.execute(select(BankStatement)).scalar_one()
    act(client, stmt.id, {"action": "import"})
    session.expire_all()
    matched = dict(session.execute(select(StatementLine.amount_vnd, StatementLine.pledge_id)).all())
    assert matched == {20_000_000: p1.id, 30_000_000: p2.id}
    assert outstanding(session, p1) == 0 and outstanding(session, p2) == 0


def test_a_stray_valid_looking_reference_before_the_real_one_does_not_hide_it(
    client, session, kh_setup, province_staff
):
    """Text after "VNN" passes the check character about 1 time in 25 ("VNN" + a name, or another pledge's reference
    mistyped into a valid one): the import keeps the first candidate that names a pledge, not the first candidate."""
    from app.pledges.references import new_reference

    pledge = make_pledge(session, kh_setup["campaign"], 40_000_000, receiving=kh_setup["province"])
    stray = new_reference()  # valid shape and check character, but no such pledge
    assert stray != pledge.reference
    login(client, province_staff.email, PASSWORD)
    upload(
        client,
        kh_setup["prov_acc"].id,
        vcb_csv([(D1, [("1", 40_000_000, f"CK {stray} NHAM, DUNG LA {pledge.reference}")])], 0),
    )
    stmt = session.execute(select(BankStatement)).scalar_one()
    act(client, stmt.id, {"action": "import"})
    session.expire_all()
    assert session.execute(select(StatementLine.pledge_id)).scalar_one() == pledge.id
    assert outstanding(session, pledge) == 0


# ------------------------------------------------------------------------------------------------ broken rows
BROKEN = (
    b"Ng\xc3\xa0y GD/TNX Date,S\xe1\xbb\x91 CT/Doc No,S\xe1\xbb\x91 ti\xe1\xbb\x81n ghi n\xe1\xbb\xa3/Debit,"
    b"S\xe1\xbb\x91 ti\xe1\xbb\x81n ghi c\xc3\xb3/Credit,S\xe1\xbb\x91 d\xc6\xb0/Balance,N\xe1\xbb\x99i dung/Transactions in detail\n"
    b"01/09/2024,1,,1.000.000,,ung ho A\n"
    b"31/02/2024,2,,2.000.000,,ngay sai\n"
    b"01/09/2024,3,,1.5OO.000,,so tien go nham chu O\n"
    b",4,,700.000,,thieu ngay\n"
    b"02/09/2024,5,,300.000,,ung ho E\n"
)


def test_broken_rows_get_a_report_per_row_and_nothing_is_imported_until_each_is_fixed_or_skipped(
    client, session, kh_setup, province_staff
):
    login(client, province_staff.email, PASSWORD)
    resp = upload(client, kh_setup["prov_acc"].id, BROKEN)
    assert resp.status_code == 302
    stmt = session.execute(select(BankStatement)).scalar_one()
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "Dòng 3: ngày giao dịch “31/02/2024” không đúng dạng dd/mm/yyyy." in page
    assert "Dòng 4: Số tiền ghi có: “1.5OO.000” không phải số tiền hợp lệ" in page
    assert "Dòng 5: có số tiền nhưng thiếu ngày giao dịch." in page
    act(client, stmt.id, {"action": "import"})
    assert lines_count(session, kh_setup["prov_acc"].id) == 0
    # Fix two rows, skip one, but forget nothing: then it imports.
    act(client, stmt.id, {"action": "import", "fix-3-date": "28/02/2024", "fix-4-credit": "1.500.000"})
    assert lines_count(session, kh_setup["prov_acc"].id) == 0  # row 5 still neither fixed nor skipped
    act(client, stmt.id, {"action": "import", "skip": "5"})
    session.expire_all()
    assert session.get(BankStatement, stmt.id).status == StatementStatus.IMPORTED
    amounts = sorted(session.execute(select(StatementLine.amount_vnd)).scalars())
    assert amounts == [300_000, 1_000_000, 1_500_000, 2_000_000]


# ------------------------------------------------------------------------------------------------ re-import
def test_reimport_of_the_same_and_an_overlapping_statement_creates_no_duplicate_and_drops_none(
    app, session, kh_setup
):
    acc = kh_setup["prov_acc"]
    a = stmt_from(session, acc, vcb_csv([(D1, day_lines(D1)), (D2, day_lines(D2))], 100_000_000))
    first = import_statement(session, SYSTEM, a)
    session.commit()
    assert first.lines_new == 10 and lines_count(session, acc.id) == 10
    again = stmt_from(session, acc, vcb_csv([(D1, day_lines(D1)), (D2, day_lines(D2))], 100_000_000))
    s2 = import_statement(session, SYSTEM, again)
    session.commit()
    assert (s2.lines_new, s2.lines_already) == (0, 10) and lines_count(session, acc.id) == 10
    # Day 2 exported again with day 3, and day 2 now has one more identical "ung ho dong bao" line.
    d2 = [*day_lines(D2), ("5390.1341", 500_000, "ung ho dong bao 0209")]
    over = stmt_from(session, acc, vcb_csv([(D2, d2), (D3, day_lines(D3))], 103_997_800))
    s3 = import_statement(session, SYSTEM, over)
    session.commit()
    assert (s3.lines_new, s3.lines_already) == (6, 5)
    assert lines_count(session, acc.id) == 16
    dupes = session.execute(
        select(func.count(StatementLine.id)).where(StatementLine.memo == "ung ho dong bao 0209")
    ).scalar_one()
    assert dupes == 3


def test_vietcombank_lines_sharing_date_and_so_ct_are_all_kept(app, session, kh_setup):
    acc = kh_setup["prov_acc"]
    s = stmt_from(session, acc, vcb_csv([(D1, day_lines(D1))], 0))
    import_statement(session, SYSTEM, s)
    session.commit()
    same_ref = (
        session.execute(
            select(StatementLine.amount_vnd)
            .where(StatementLine.reference == "5390.1341")
            .order_by(StatementLine.id)
        )
        .scalars()
        .all()
    )
    assert same_ref == [2_000_000, 500_000, 500_000]
    assert session.execute(
        select(StatementLine.occurrence)
        .where(StatementLine.amount_vnd == 500_000)
        .order_by(StatementLine.occurrence)
    ).scalars().all() == [1, 2]


# ------------------------------------------------------------------------------------------------ matching
def test_lines_with_a_reference_are_recorded_and_others_proposed_then_confirmed(
    client, session, kh_setup, province_staff
):
    campaign = kh_setup["campaign"]
    ks = kh_setup["khanh_son"]
    p1 = make_pledge(
        session,
        campaign,
        5_000_000,
        donor_name="Hộ ông Đặng Văn Ánh",
        receiving=kh_setup["province"],
        earmark=ks,
    )
    p2 = make_pledge(
        session, campaign, 3_000_000, donor_name="Bà Trần Thị Mơ", receiving=kh_setup["province"]
    )
    ref = p1.reference
    spaced = f"{ref[:3].lower()} {ref[3:7]}-{ref[7:]}"
    lines = [
        ("1", 4_990_000, f"IBFT {spaced} DANG VAN ANH UNG HO"),  # bank fee deducted: partly paid
        ("2", 3_000_000, "TRAN THI MO CHUYEN TIEN UNG HO"),  # proposal by amount and name
        ("3", 250_000, "ung ho nguoi ngheo"),  # nothing to propose
        ("4", 100_000, "ung ho"),
        ("5", 7_000_000, f"{ref} bo sung"),
    ]  # more than still due: excess becomes an unrestricted gift
    data = vcb_csv([(date.today() + timedelta(days=1), lines)], 0)
    before = ledger.totals(session, campaign.fund_id).received_vnd
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, data)
    stmt = session.execute(select(BankStatement)).scalar_one()
    act(client, stmt.id, {"action": "import"})
    session.expire_all()
    assert amount_paid(session, p1.id) == 5_000_000 and outstanding(session, p1) == 0
    statuses = dict(session.execute(select(StatementLine.file_row, StatementLine.status)).all())
    assert list(statuses.values()).count(LineStatus.MATCHED) == 2
    m1 = session.execute(select(Contribution).where(Contribution.amount_vnd == 4_990_000)).scalar_one()
    assert m1.bank_txn_ref == "5390.1341" or m1.bank_txn_ref == "1"
    proposed = session.execute(
        select(StatementLine).where(StatementLine.amount_vnd == 3_000_000)
    ).scalar_one()
    assert proposed.proposed_pledge_id == p2.id and "tên" in proposed.proposal_reason

    queue = client.get("/can-bo/sao-ke/cho-xu-ly").get_data(as_text=True)
    assert p2.reference in queue and "TRAN THI MO" in queue
    token = csrf_from(queue)
    small = session.execute(select(StatementLine).where(StatementLine.amount_vnd == 250_000)).scalar_one()
    tiny = session.execute(select(StatementLine).where(StatementLine.amount_vnd == 100_000)).scalar_one()
    client.post(
        "/can-bo/sao-ke/cho-xu-ly", data={"csrf_token": token, "action": "confirm", "line": proposed.id}
    )
    client.post(
        "/can-bo/sao-ke/cho-xu-ly",
        data={
            "csrf_token": token,
            "action": "receipt_named",
            "line": small.id,
            f"name-{small.id}": "Nguyễn Văn Hùng",
        },
    )
    client.post(
        "/can-bo/sao-ke/cho-xu-ly", data={"csrf_token": token, "action": "receipt_anonymous", "line": tiny.id}
    )
    session.expire_all()
    assert amount_paid(session, p2.id) == 3_000_000
    names = dict(
        session.execute(
            select(Contribution.amount_vnd, Contribution.public_name).where(
                Contribution.amount_vnd.in_([250_000, 100_000])
            )
        ).all()
    )
    assert names == {250_000: "Nguyễn Văn Hùng", 100_000: "Nhà hảo tâm"}
    total = 4_990_000 + 3_000_000 + 250_000 + 100_000 + 7_000_000
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == total
    # Staff re-send the same bulk action: nothing counted twice.
    resp = client.post(
        "/can-bo/sao-ke/cho-xu-ly",
        data={"csrf_token": token, "action": "confirm", "line": proposed.id},
        follow_redirects=True,
    )
    assert "đã được xử lý" in resp.get_data(as_text=True)
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == total
    assert ledger.verify_ledger(session) == []


def test_memos_stay_off_public_pages(client, session, kh_setup):
    s = stmt_from(session, kh_setup["prov_acc"], vcb_csv([(D1, day_lines(D1))], 0))
    import_statement(session, SYSTEM, s)
    session.commit()
    assert client.get("/can-bo/sao-ke/cho-xu-ly").status_code in (302, 401)
    assert "NGUYEN VAN AN" not in client.get("/").get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ scoping
def test_staff_of_another_commune_cannot_see_or_match_this_communes_statement(client, session, kh_setup):
    ks_staff = make_user(session, Role.COMMUNE_STAFF, kh_setup["khanh_son"])
    other = make_user(session, Role.COMMUNE_STAFF, unit(session, CAM_LAM))
    data = vcb_csv([(D1, day_lines(D1))], 0)
    s = stmt_from(session, kh_setup["ks_acc"], data.replace(b"Ng\xc3\xa0y GD", b"Ng\xc3\xa0y GD"))
    import_statement(session, SYSTEM, s)
    session.commit()
    line = session.execute(select(StatementLine).where(StatementLine.is_credit.is_(True))).scalars().first()

    login(client, other.email, PASSWORD)
    assert client.get(f"/can-bo/sao-ke/{s.id}").status_code == 404
    queue = client.get("/can-bo/sao-ke/cho-xu-ly").get_data(as_text=True)
    assert "NGUYEN VAN AN" not in queue
    client.post(
        "/can-bo/sao-ke/cho-xu-ly",
        data={"csrf_token": csrf_from(queue), "action": "receipt_anonymous", "line": line.id},
    )
    session.expire_all()
    assert session.get(StatementLine, line.id).status == LineStatus.UNMATCHED
    # Nor upload into its account.
    resp = upload(client, kh_setup["ks_acc"].id, data)
    assert resp.status_code in (302, 404)
    assert session.execute(select(func.count(BankStatement.id))).scalar_one() == 1

    client.post("/dang-xuat", data={"csrf_token": csrf_from(queue)})
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    from flask.testing import FlaskClient

    own = FlaskClient(client.application)
    login(own, ks_staff.email, PASSWORD)
    assert own.get(f"/can-bo/sao-ke/{s.id}").status_code == 200
    assert "NGUYEN VAN AN" in own.get("/can-bo/sao-ke/cho-xu-ly").get_data(as_text=True)


def test_unknown_layout_goes_to_the_column_mapping_screen_and_imports_with_the_mapping(
    client, session, kh_setup, province_staff
):
    data = (
        "Thời điểm;Mô tả;Tiền vào;Tiền ra\n"
        "03/09/2024 07:30;ung ho tu thien;1,250,000;\n"
        "03/09/2024 08:00;phi;;5,500\n"
    ).encode()
    login(client, province_staff.email, PASSWORD)
    resp = upload(client, kh_setup["prov_acc"].id, data, name="khac.csv")
    assert resp.headers["Location"].endswith("/ghep-cot")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Ghép cột sao kê" in page and "Tiền vào" in page
    client.post(
        resp.headers["Location"],
        data={
            "csrf_token": csrf_from(page),
            "date": "0",
            "memo": "1",
            "credit": "2",
            "debit": "3",
            "header_row": "1",
            "thousands": ",",
        },
    )
    stmt = session.execute(select(BankStatement)).scalar_one()
    act(client, stmt.id, {"action": "import"})
    session.expire_all()
    got = session.execute(
        select(StatementLine.is_credit, StatementLine.amount_vnd, StatementLine.has_time).order_by(
            StatementLine.id
        )
    ).all()
    assert [tuple(r) for r in got] == [(True, 1_250_000, True), (False, 5_500, True)]


def test_skipping_all_broken_rows_is_an_explicit_choice(client, session, kh_setup, province_staff):
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, BROKEN)
    stmt = session.execute(select(BankStatement)).scalar_one()
    act(client, stmt.id, {"action": "import", "skip_all": "1"})
    session.expire_all()
    assert session.get(BankStatement, stmt.id).skipped_rows == [3, 4, 5]
    assert sorted(session.execute(select(StatementLine.amount_vnd)).scalars()) == [300_000, 1_000_000]


def test_a_memo_sharing_only_a_first_name_word_with_a_donor_gets_no_proposal(app, session, kh_setup):
    from datetime import UTC, datetime

    from app.payments.proposals import Proposer

    make_pledge(
        session, kh_setup["campaign"], 3_000_000, donor_name="Bà Trần Thị Mơ", receiving=kh_setup["province"]
    )
    proposer = Proposer(session, kh_setup["province"].id)
    at = datetime.now(UTC) + timedelta(days=1)
    assert proposer.propose(123_000, "TRAN VAN HAI chuyen tien", "", at) == (None, "")
    pid, why = proposer.propose(3_000_000, "TRAN THI MO ung ho", "", at)
    assert pid is not None and "tên" in why


def test_a_fund_balance_above_the_single_gift_cap_is_read_and_checked():
    rows = [
        VCB_HEADER,
        ["01/09/2024", "1", "", "2.000.000", "1.500.000.002.000.000", "ung ho"],
        ["01/09/2024", "2", "", "1.000.000", "1.500.000.003.000.000", "ung ho"],
    ]
    r = parse_rows(rows, preset="vietcombank")
    assert r.errors == [] and r.breaks == [] and r.lines[1].balance_vnd == 1_500_000_003_000_000
    rows[2][4] = "1.500.000.004.000.000"
    assert len(parse_rows(rows, preset="vietcombank").breaks) == 1


def test_several_lines_for_one_pledge_fill_it_in_file_order_and_the_rest_is_an_unrestricted_gift(
    app, session, kh_setup
):
    """Matched lines are recorded together at import: in file order, each line fills what the pledge still
    expects, the excess is a separate unrestricted gift, the pledge is fulfilled, and the lines (listed in
    file order) point to their receipts."""
    from app.audit.models import AuditEntry
    from app.ledger.models import Purpose
    from app.pledges.models import PledgeStatus

    campaign = kh_setup["campaign"]
    p = make_pledge(
        session, campaign, 5_000_000, receiving=kh_setup["province"], earmark=kh_setup["khanh_son"]
    )
    other = make_pledge(
        session, campaign, 2_000_000, donor_name="Bà Trần Thị Mơ", receiving=kh_setup["province"]
    )
    lines = [
        ("1", 3_000_000, f"{p.reference} dot 1"),
        ("2", 750_000, "ung ho"),
        ("3", 3_000_000, f"{p.reference} dot 2"),
        ("4", 500_000, f"{other.reference} ung ho"),
        ("5", 1_000_000, f"{p.reference} dot 3"),
    ]
    before = ledger.totals(session, campaign.fund_id).received_vnd
    s = stmt_from(session, kh_setup["prov_acc"], vcb_csv([(date.today() + timedelta(days=1), lines)], 0))
    summary = import_statement(session, SYSTEM, s)
    session.commit()
    assert (summary.lines_new, summary.lines_matched) == (5, 4)
    stored = session.execute(select(StatementLine).order_by(StatementLine.id)).scalars().all()
    assert [x.amount_vnd for x in stored] == [3_000_000, 750_000, 3_000_000, 500_000, 1_000_000]
    assert [x.file_row for x in stored] == sorted(x.file_row for x in stored)
    by_line = {x.amount_vnd: x for x in stored if x.amount_vnd == 750_000}
    assert by_line[750_000].status == LineStatus.UNMATCHED and by_line[750_000].contribution_id is None
    recorded = session.execute(select(Contribution).order_by(Contribution.receipt_no)).scalars().all()
    assert [(c.amount_vnd, c.pledge_id, c.purpose) for c in recorded] == [
        (3_000_000, p.id, Purpose.HOUSING),
        (2_000_000, p.id, Purpose.HOUSING),
        (1_000_000, None, Purpose.UNRESTRICTED),
        (500_000, other.id, Purpose.HOUSING),
        (1_000_000, None, Purpose.UNRESTRICTED),
    ]
    assert all(c.earmark_unit_id == kh_setup["khanh_son"].id for c in recorded if c.pledge_id == p.id)
    matched = [x for x in stored if x.status == LineStatus.MATCHED]
    assert all(x.contribution_id is not None and x.handled_at is not None for x in matched)
    assert len({x.contribution_id for x in matched}) == 4
    session.expire_all()
    assert outstanding(session, p) == 0 and p.status == PledgeStatus.FULFILLED
    assert amount_paid(session, other.id) == 500_000 and other.status == PledgeStatus.PARTLY_PAID
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == 7_500_000
    assert ledger.verify_ledger(session) == []
    assert (
        session.execute(select(func.count()).where(AuditEntry.action == "contribution.record")).scalar() == 5
    )
    status_audit = {
        e.entity_id: e.new_values["status"]
        for e in session.execute(
            select(AuditEntry).where(AuditEntry.action == "pledge.status").order_by(AuditEntry.id)
        ).scalars()
    }
    assert status_audit == {str(p.id): "fulfilled", str(other.id): "partly_paid"}
    # Importing the same statement again records nothing more.
    again = import_statement(
        session,
        SYSTEM,
        stmt_from(session, kh_setup["prov_acc"], vcb_csv([(date.today() + timedelta(days=1), lines)], 0)),
    )
    session.commit()
    assert (again.lines_new, again.lines_matched) == (0, 0)
    assert ledger.totals(session, campaign.fund_id).received_vnd - before == 7_500_000


def test_upload_without_an_account_says_which_field_is_missing(client, session, kh_setup, province_staff):
    login(client, province_staff.email, PASSWORD)
    token = csrf_from(client.get("/can-bo/sao-ke").get_data(as_text=True))
    resp = client.post(
        "/can-bo/sao-ke/tai-len",
        data={
            "csrf_token": token,
            "account_id": "",
            "preset": "auto",
            "opening_balance": "",
            "file": (io.BytesIO(b"x"), "sao-ke.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "Chọn tài khoản." in html and "Biểu mẫu không hợp lệ." not in html
    assert lines_count(session, kh_setup["prov_acc"].id) == 0


def test_a_line_late_in_the_evening_keeps_its_vietnam_time_and_its_day(
    client, session, kh_setup, province_staff
):
    pledge = make_pledge(
        session,
        kh_setup["campaign"],
        2_000_000,
        donor_name="Công ty TNHH Hải Đăng",
        receiving=kh_setup["province"],
    )
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(VCB_HEADER)
    w.writerow(
        ["05/11/2026 23:30", "5390.2001", "", dots(2_000_000), dots(2_000_000), f"{pledge.reference} ung ho"]
    )
    w.writerow(["06/11/2026 08:15", "5390.2002", "", dots(300_000), dots(2_300_000), "ung ho nguoi ngheo"])
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, out.getvalue().encode("utf-8-sig"))
    stmt = session.execute(select(BankStatement)).scalar_one()
    act(client, stmt.id, {"action": "import"})
    session.expire_all()
    # 23:30 in Vietnam is 16:30 UTC on the same day, and is read back as such.
    line = session.execute(select(StatementLine).where(StatementLine.reference == "5390.2001")).scalar_one()
    assert line.status == LineStatus.MATCHED
    assert line.txn_at == datetime(2026, 11, 5, 16, 30, tzinfo=UTC)
    # Staff see the bank's time on the statement, and the next morning's line after it in the queue.
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "05/11/2026 23:30" in page and "06/11/2026 08:15" in page
    # The money was received on 05/11 in Vietnam: the contribution says so, and so does the pledge's page.
    (c,) = session.execute(select(Contribution).where(Contribution.pledge_id == pledge.id)).scalars()
    assert c.received_at == datetime(2026, 11, 5, 16, 30, tzinfo=UTC)
    assert c.received_on == date(2026, 11, 5)
    detail = client.get(f"/can-bo/dang-ky-ung-ho/{pledge.id}").get_data(as_text=True)
    assert "05/11/2026" in detail and "06/11/2026" not in detail
    # In SQL too: the lines of the Vietnamese day 05/11 are those from 17:00 UTC on 04/11 to 17:00 UTC on 05/11.
    day_start, day_end = (
        datetime.combine(d, time.min, tzinfo=VN_TZ) for d in (date(2026, 11, 5), date(2026, 11, 6))
    )
    on_the_day = (
        session.execute(
            select(StatementLine.reference).where(
                StatementLine.txn_at >= day_start, StatementLine.txn_at < day_end
            )
        )
        .scalars()
        .all()
    )
    assert on_the_day == ["5390.2001"]
