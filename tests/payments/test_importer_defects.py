"""Issue 17: the statement importer's defects found with files shaped like real exports, each reproduced with a
synthetic file (these tests failed on main before the fix): continuation rows taken for footers by their words,
line identity that depended on where the memo wrapped, the first fitting preset instead of the best one, the
debit column read as the amount, "0 lines imported" accepted, page furniture reported as broken rows, and
amount-only proposals that published a stranger's money under a donor's name."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.payments.errors import PaymentError
from app.payments.importing import create_statement, import_statement
from app.payments.models import BankStatement, LineStatus, StatementLine, StatementStatus
from app.payments.recording import confirm_proposals
from app.payments.statements import fingerprint, parse_rows, read_rows
from app.payments.statements.parsing import detect_preset, score_presets
from app.pledges.services import amount_paid
from tests.conftest import login
from tests.factories import PASSWORD, SYSTEM
from tests.payments.conftest import make_pledge
from tests.payments.test_statements import act, upload

VCB = [
    "Ngày GD/TNX Date",
    "Số CT/Doc No",
    "Số tiền ghi nợ/Debit",
    "Số tiền ghi có/Credit",
    "Số dư/Balance",
    "Nội dung chi tiết/Transactions in detail",
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


# ------------------------------------------------------------------------------------------------ continuation rows
CONTINUATIONS = [
    "Công ty TNHH Hòa Bình",
    "Cộng đồng người Việt tại Séc",
    "CONG TY CP AN PHU",
    "ung ho qua tong cong ty dien luc",
    "lien he 0909123456 de nhan thu cam on",
    "www.anphu.vn ung ho nguoi ngheo",
]


def test_continuation_rows_are_joined_whatever_word_they_start_with():
    rows = [VCB]
    for i, cont in enumerate(CONTINUATIONS, start=1):
        rows.append(["01/09/2024", f"5390.{i}", "", "1.000.000", "", f"MBVCB.{i} chuyen tien"])
        rows.append(["", "", "", "", "", cont])
    r = parse_rows(rows, preset="vietcombank")
    assert r.errors == []
    assert [x.memo for x in r.lines] == [
        f"MBVCB.{i} chuyen tien {cont}" for i, cont in enumerate(CONTINUATIONS, start=1)
    ]
    assert r.furniture_rows == 0


def test_a_pledge_reference_on_a_continuation_row_starting_with_cong_ty_is_matched(app, session, kh_setup):
    pledge = make_pledge(session, kh_setup["campaign"], 2_000_000, receiving=kh_setup["province"])
    day = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    data = csv_bytes(
        [
            VCB,
            [day, "5390.1", "", "2.000.000", "", "IBFT chuyen tien ung ho"],
            ["", "", "", "", "", f"CONG TY THU NGHIEM {pledge.reference}"],
        ]
    )
    s = create_statement(
        session, SYSTEM, account=kh_setup["prov_acc"], kind="csv", data=data, original_name="a.csv"
    )
    import_statement(session, SYSTEM, s)
    session.commit()
    assert amount_paid(session, pledge.id) == 2_000_000


# ------------------------------------------------------------------------------------------------ page furniture
def pdf_converted_rows() -> list[list[str]]:
    """Two pages of a PDF converted to a spreadsheet: the bank's contact block and a page number at the foot of
    page 1, the column header repeated at the top of page 2, a memo wrapped across rows on both sides."""
    return [
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", "", "", "", "", ""],
        VCB,
        ["01/09/2024", "5390.1", "", "3.000.000", "", "MBVCB.1 CONG TY"],
        ["", "", "", "", "", "TNHH AN PHU ung ho"],
        ["01/09/2024", "5390.2", "", "200.000", "", "ung ho"],
        ["Telex: 411504 VCB - VT    Swift: BFTVVNVX", "", "", "", "", ""],
        ["198 Trần Quang Khải, Hoàn Kiếm, Hà Nội", "", "", "", "", ""],
        ["1237/1706", "", "", "", "", ""],
        VCB,
        ["02/09/2024", "5390.3", "", "500.000", "", "Cộng đồng"],
        ["", "", "", "", "", "người Việt ung ho"],
        ["", "5390.4", "", "700.000", "", "thieu ngay"],  # a real broken row: money without a date
        ["Trang 2/1706", "", "", "", "", ""],
    ]


def test_page_furniture_is_counted_apart_from_broken_rows():
    r = parse_rows(pdf_converted_rows(), preset="vietcombank")
    assert [(x.amount_vnd, x.memo) for x in r.lines] == [
        (3_000_000, "MBVCB.1 CONG TY TNHH AN PHU ung ho"),
        (200_000, "ung ho"),
        (500_000, "Cộng đồng người Việt ung ho"),
    ]
    assert r.furniture_rows == 5  # Telex/Swift, address, page number, repeated header, "Trang 2/1706"
    assert [e.file_row for e in r.errors] == [12]  # only the real broken row


def test_the_draft_page_shows_page_furniture_apart_and_skip_all_only_skips_broken_rows(
    client, session, kh_setup, province_staff
):
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, csv_bytes(pdf_converted_rows()))
    stmt = session.execute(select(BankStatement)).scalar_one()
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "5 dòng tiêu đề trang, số trang, chân trang" in page
    assert "Dòng 12: có số tiền nhưng thiếu ngày giao dịch." in page
    act(client, stmt.id, {"action": "import", "skip_all": "1"})
    session.expire_all()
    assert session.get(BankStatement, stmt.id).skipped_rows == [12]
    assert session.execute(select(func.count(StatementLine.id))).scalar_one() == 3


# ------------------------------------------------------------------------------------------------ line identity
def test_line_identity_does_not_depend_on_where_the_memo_wrapped(app, session, kh_setup):
    wrapped_a = [
        VCB,
        ["01/09/2024", "5390.1", "", "3.000.000", "", "MBVCB.1 CONG TY"],
        ["", "", "", "", "", "TNHH AN PHU ung ho"],
        ["01/09/2024", "5390.2", "", "200.000", "", "Cộng đồng người"],
        ["", "", "", "", "", "Việt tại Séc ung ho"],
    ]
    wrapped_b = [
        VCB,
        ["01/09/2024", "5390.1", "", "3.000.000", "", "MBVCB.1"],
        ["", "", "", "", "", "CONG TY TNHH"],
        ["", "", "", "", "", "AN PHU   ung ho"],
        ["01/09/2024", "5390.2", "", "200.000", "", "Cộng đồng người Việt tại Séc ung"],
        ["", "", "", "", "", "ho"],
    ]
    a = parse_rows(wrapped_a, preset="vietcombank").lines
    b = parse_rows(wrapped_b, preset="vietcombank").lines
    assert [fingerprint(x) for x in a] == [fingerprint(x) for x in b]
    acc = kh_setup["prov_acc"]
    s1 = create_statement(
        session, SYSTEM, account=acc, kind="csv", data=csv_bytes(wrapped_a), original_name="a"
    )
    import_statement(session, SYSTEM, s1)
    s2 = create_statement(
        session, SYSTEM, account=acc, kind="csv", data=csv_bytes(wrapped_b), original_name="b"
    )
    second = import_statement(session, SYSTEM, s2)
    session.commit()
    assert (second.lines_new, second.lines_already) == (0, 2)


def test_memo_split_inside_a_word_is_the_same_line():
    whole = parse_rows(
        [VCB, ["01/09/2024", "1", "", "200.000", "", "NGUYEN VAN AN ung ho"]], preset="vietcombank"
    )
    split = parse_rows(
        [VCB, ["01/09/2024", "1", "", "200.000", "", "NGUY"], ["", "", "", "", "", "EN VAN AN ung ho"]],
        preset="vietcombank",
    )
    assert fingerprint(whole.lines[0]) == fingerprint(split.lines[0])


# ------------------------------------------------------------------------------------------------ preset detection
AGRIBANK_STYLE = [
    ["NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM"],
    ["Ngày giao dịch", "Số bút toán", "Phát sinh nợ", "Phát sinh có", "Số dư", "Diễn giải"],
    ["05/09/2024", "AG001", "", "50,000,000", "1,050,000,000", "CK UNG HO"],
    ["05/09/2024", "AG002", "", "1,500,000", "1,051,500,000", "UNG HO NGUOI NGHEO"],
    ["06/09/2024", "AG003", "22,000", "", "1,051,478,000", "PHI DICH VU"],
]


def test_an_agribank_style_header_is_read_as_agribank_not_bidv():
    assert detect_preset(AGRIBANK_STYLE) == "agribank"
    scores = score_presets(AGRIBANK_STYLE)
    best = scores[0]
    assert best.preset == "agribank" and best.lines == 3 and best.errors == 0
    bidv = next(s for s in scores if s.preset == "bidv")
    assert bidv.score < best.score and bidv.errors == 3
    r = parse_rows(AGRIBANK_STYLE, preset="agribank")
    assert [(x.amount_vnd, x.is_credit) for x in r.lines] == [
        (50_000_000, True),
        (1_500_000, True),
        (22_000, False),
    ]


def test_the_debit_column_is_never_read_as_the_amount():
    rows = [
        ["STT", "Ngày giao dịch", "Số tiền ghi nợ", "Số tiền ghi có", "Nội dung", "Người chuyển"],
        ["1", "01/09/2024 09:00:00", "", "300.000", "ung ho", "NGUYEN A"],
        ["2", "01/09/2024 10:00:00", "20.000", "", "phi", ""],
        ["3", "01/09/2024 11:00:00", "", "1.000.000", "ung ho", "TRAN B"],
    ]
    preset = detect_preset(rows)
    assert preset is not None
    r = parse_rows(rows, preset=preset)
    assert [(x.is_credit, x.amount_vnd) for x in r.lines] == [
        (True, 300_000),
        (False, 20_000),
        (True, 1_000_000),
    ]


def test_the_chosen_preset_and_why_are_shown_to_staff(client, session, kh_setup, province_staff):
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, csv_bytes(AGRIBANK_STYLE), name="agri.csv")
    stmt = session.execute(select(BankStatement)).scalar_one()
    assert stmt.preset == "agribank"
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "Agribank" in page and "điểm" in page and "Số bút toán" in page  # score and matched columns


def test_zero_lines_imported_is_refused_not_a_success(client, session, kh_setup, province_staff):
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, csv_bytes(AGRIBANK_STYLE), name="agri.csv", preset="bidv")
    stmt = session.execute(select(BankStatement)).scalar_one()
    resp = act(client, stmt.id, {"action": "import", "skip_all": "1"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(BankStatement, stmt.id).status == StatementStatus.DRAFT
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "Không có dòng giao dịch nào" in page
    with pytest.raises(PaymentError, match="Không có dòng giao dịch nào"):
        import_statement(session, SYSTEM, session.get(BankStatement, stmt.id))


# ------------------------------------------------------------------------------------------------ proposals
def test_one_open_pledge_gets_one_proposal_the_line_with_its_donors_name(app, session, kh_setup):
    campaign, prov = kh_setup["campaign"], kh_setup["province"]
    pledge = make_pledge(session, campaign, 50_000_000, donor_name="Công ty CP Hòa Bình", receiving=prov)
    day = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    rows = [VCB]
    for i in range(8):
        rows.append([day, f"5390.{i}", "", "50.000.000", "", f"IBFT NGUYEN VAN {chr(65 + i)} ung ho"])
    rows.append([day, "5390.99", "", "50.000.000", "", "CTY CP HOA BINH UNG HO NGUOI NGHEO"])
    s = create_statement(
        session, SYSTEM, account=kh_setup["prov_acc"], kind="csv", data=csv_bytes(rows), original_name="a"
    )
    import_statement(session, SYSTEM, s)
    session.commit()
    proposed = (
        session.execute(select(StatementLine).where(StatementLine.proposed_pledge_id == pledge.id))
        .scalars()
        .all()
    )
    assert len(proposed) == 1 and "HOA BINH" in proposed[0].memo


def test_an_amount_only_match_is_never_an_overpayment(app, session, kh_setup):
    campaign, prov, acc = kh_setup["campaign"], kh_setup["province"], kh_setup["prov_acc"]
    pledge = make_pledge(session, campaign, 50_000_000, donor_name="Công ty CP Hòa Bình", receiving=prov)
    day = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    rows = [VCB, [day, "1", "", "50.000.000", "", "IBFT NGUYEN VAN A ung ho"]]
    s = create_statement(session, SYSTEM, account=acc, kind="csv", data=csv_bytes(rows), original_name="a")
    import_statement(session, SYSTEM, s)
    session.commit()
    first = session.execute(select(StatementLine)).scalar_one()
    assert first.proposed_pledge_id == pledge.id  # the only line of that amount: a suggestion to check
    confirm_proposals(session, SYSTEM, [first.id], {acc.id})
    session.commit()
    # A second 50 000 000 ₫ line from someone else the next day: the pledge is paid, nothing is proposed.
    rows2 = [VCB, [day, "2", "", "50.000.000", "", "IBFT TRAN THI B ung ho"]]
    s2 = create_statement(session, SYSTEM, account=acc, kind="csv", data=csv_bytes(rows2), original_name="b")
    import_statement(session, SYSTEM, s2)
    session.commit()
    second = session.execute(select(StatementLine).where(StatementLine.reference == "2")).scalar_one()
    assert second.proposed_pledge_id is None
    # Forced through (a proposal made before the first was confirmed): refused, nothing published.
    second.proposed_pledge_id = pledge.id
    session.commit()
    with pytest.raises(PaymentError, match="lớn hơn số còn phải nộp"):
        confirm_proposals(session, SYSTEM, [second.id], {acc.id})
    session.rollback()
    assert amount_paid(session, pledge.id) == 50_000_000
    assert session.execute(select(func.count(Contribution.id))).scalar_one() == 1
    assert session.get(StatementLine, second.id).status == LineStatus.UNMATCHED


def test_a_partly_paid_pledge_is_not_proposed_for_its_full_amount(app, session, kh_setup):
    from datetime import UTC, datetime

    from app.payments.proposals import Proposer

    campaign, prov, acc = kh_setup["campaign"], kh_setup["province"], kh_setup["prov_acc"]
    pledge = make_pledge(session, campaign, 50_000_000, donor_name="Công ty CP Hòa Bình", receiving=prov)
    day = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    rows = [VCB, [day, "1", "", "30.000.000", "", f"{pledge.reference} dot 1"]]
    s = create_statement(session, SYSTEM, account=acc, kind="csv", data=csv_bytes(rows), original_name="a")
    import_statement(session, SYSTEM, s)
    session.commit()
    proposer = Proposer(session, prov.id)
    at = datetime.now(UTC) + timedelta(days=1)
    assert proposer.propose(50_000_000, "IBFT NGUYEN VAN A", "", at)[0] is None
    assert proposer.propose(20_000_000, "IBFT NGUYEN VAN A", "", at)[0] == pledge.id


def test_a_proposal_by_name_similarity_ignores_diacritics_and_company_words(app, session, kh_setup):
    from datetime import UTC, datetime

    from app.payments.proposals import Proposer

    campaign, prov = kh_setup["campaign"], kh_setup["province"]
    a = make_pledge(session, campaign, 10_000_000, donor_name="Công ty CP Hòa Bình", receiving=prov)
    make_pledge(session, campaign, 10_000_000, donor_name="Bà Trần Thị Mơ", receiving=prov)
    proposer = Proposer(session, prov.id)
    at = datetime.now(UTC) + timedelta(days=1)
    pid, why = proposer.propose(10_000_000, "IBFT CTY HOA BINH CK UNG HO", "", at)
    assert pid == a.id and "tên" in why
    # Same amount, two pledges, no name: a tie is no suggestion.
    assert proposer.propose(10_000_000, "IBFT ung ho", "", at)[0] is None


def test_overpayment_excess_via_proposal_of_two_lines_is_refused(app, session, kh_setup):
    campaign, prov, acc = kh_setup["campaign"], kh_setup["province"], kh_setup["prov_acc"]
    pledge = make_pledge(session, campaign, 50_000_000, donor_name="Công ty CP Hòa Bình", receiving=prov)
    day = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    rows = [VCB, [day, "1", "", "50.000.000", "", "A"], [day, "2", "", "50.000.000", "", "B"]]
    s = create_statement(session, SYSTEM, account=acc, kind="csv", data=csv_bytes(rows), original_name="a")
    import_statement(session, SYSTEM, s)
    session.commit()
    lines = session.execute(select(StatementLine).order_by(StatementLine.id)).scalars().all()
    for line in lines:  # as the old importer left them: both proposed for the same pledge
        line.proposed_pledge_id = pledge.id
    session.commit()
    with pytest.raises(PaymentError, match="lớn hơn số còn phải nộp"):
        confirm_proposals(session, SYSTEM, [x.id for x in lines], {acc.id})
    session.rollback()
    assert amount_paid(session, pledge.id) == 0


def test_read_rows_of_a_pdf_converted_csv():
    rows = read_rows("csv", csv_bytes(pdf_converted_rows()))
    assert len(rows) == 13


def test_lines_stored_before_the_new_fingerprint_keep_their_identity(app, session, kh_setup):
    """Migration 0016 recomputes the stored lines' fingerprints: an old statement imported again adds nothing."""
    import importlib.util
    from hashlib import sha1
    from pathlib import Path

    from sqlalchemy import update

    spec = importlib.util.spec_from_file_location(
        "m0016", Path(__file__).parents[2] / "migrations" / "versions" / "0016_importer.py"
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    acc = kh_setup["prov_acc"]
    rows = [
        VCB,
        ["01/09/2024", "5390.1", "", "3.000.000", "", "MBVCB.1 CONG TY"],
        ["", "", "", "", "", "TNHH AN PHU ung ho"],
        ["01/09/2024", "5390.2", "", "200.000", "", "Cộng đồng người Việt ủng hộ"],
        ["01/09/2024", "5390.2", "", "200.000", "", "Cộng đồng người Việt ủng hộ"],
    ]
    s1 = create_statement(session, SYSTEM, account=acc, kind="csv", data=csv_bytes(rows), original_name="a")
    import_statement(session, SYSTEM, s1)
    session.commit()
    for line in session.execute(select(StatementLine)).scalars():  # as the old importer fingerprinted them
        old = sha1(f"{line.memo} (old)".encode()).hexdigest()
        session.execute(update(StatementLine).where(StatementLine.id == line.id).values(fingerprint=old))
    session.commit()
    migration.refingerprint(session.connection())
    session.commit()
    s2 = create_statement(session, SYSTEM, account=acc, kind="csv", data=csv_bytes(rows), original_name="b")
    again = import_statement(session, SYSTEM, s2)
    session.commit()
    assert (again.lines_new, again.lines_already) == (0, 3)


def test_a_totals_row_is_furniture_but_money_without_a_date_is_never_dropped_for_its_words():
    rows = [
        VCB,
        ["01/09/2024", "1", "", "300.000", "", "ung ho"],
        ["", "2", "", "700.000", "", "ung ho tong cong ty dien luc"],  # money without a date: a broken row
        ["Tổng cộng", "", "", "1.000.000", "", ""],  # the statement's totals
        ["Số dư cuối kỳ", "", "", "", "1.000.000", ""],
    ]
    r = parse_rows(rows, preset="vietcombank")
    assert [x.amount_vnd for x in r.lines] == [300_000]
    assert [(e.file_row, e.message) for e in r.errors] == [
        (3, "Dòng 3: có số tiền nhưng thiếu ngày giao dịch.")
    ]
    assert r.furniture_rows == 2
