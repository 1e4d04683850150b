"""The import streams a statement in chunks (app.payments.importing.IMPORT_CHUNK lines at a time, inside a
savepoint): a statement of many chunks is stored whole and in file order, identical lines keep their
occurrence numbers across chunks, importing it again adds nothing, and a broken row or an unacknowledged
balance break found after chunks were already stored leaves nothing stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.payments import importing
from app.payments.errors import PaymentError
from app.payments.importing import import_statement, parse_statement
from app.payments.models import BankStatement, LineStatus, StatementLine, StatementStatus
from app.payments.statements import parse_rows, read_rows
from app.payments.statements.parsing import check_balances, iter_rows, stream_lines
from tests.factories import SYSTEM
from tests.payments.conftest import make_pledge
from tests.payments.test_statements import dots, lines_count, stmt_from, vcb_csv

CHUNK = 4
D0 = date(2024, 9, 1)


@pytest.fixture
def small_chunks(monkeypatch):  # type: ignore[no-untyped-def]
    """Chunks of 4 lines, so a statement of a few dozen lines crosses many chunk boundaries."""
    monkeypatch.setattr(importing, "IMPORT_CHUNK", CHUNK)


def many_days(n_days: int, pledge_ref: str | None = None) -> list:
    days = []
    for d in range(n_days):
        day = D0 + timedelta(days=d)
        tag = day.strftime("%d%m")
        lines = [
            ("5390.1", 2_000_000, f"NGUYEN VAN AN chuyen tien|ung ho nguoi ngheo {tag}"),
            ("5390.2", 500_000, "ung ho dong bao"),  # identical within a day (and day after day: not
            ("5390.2", 500_000, "ung ho dong bao"),  # identical then, the date is part of the identity)
            ("5390.3", -2_200, "Phi SMS Banking"),
        ]
        if pledge_ref and d == n_days - 1:
            lines.append(("5390.4", 300_000, f"{pledge_ref} ung ho"))
        days.append((day, lines))
    return days


def test_a_statement_of_many_chunks_is_stored_whole_in_file_order_and_once(
    app, session, kh_setup, small_chunks
):
    acc = kh_setup["prov_acc"]
    pledge = make_pledge(session, kh_setup["campaign"], 300_000, receiving=kh_setup["province"])
    data = vcb_csv(many_days(9, pledge.reference), 100_000_000)  # 37 lines, continuations, footers
    stmt = stmt_from(session, acc, data)
    expected = parse_statement(stmt)
    assert expected.errors == [] and expected.breaks == [] and len(expected.lines) == 37 > 5 * CHUNK

    summary = import_statement(session, SYSTEM, stmt)
    session.commit()
    assert (summary.lines_total, summary.lines_new, summary.lines_already, summary.lines_matched) == (
        37,
        37,
        0,
        1,
    )
    stored = (
        session.execute(
            select(StatementLine).where(StatementLine.statement_id == stmt.id).order_by(StatementLine.id)
        )
        .scalars()
        .all()
    )
    # ids in file order across chunks, every line as parsed (a memo continued on the next row joined)
    assert [(x.file_row, x.amount_vnd, x.memo) for x in stored] == [
        (x.file_row, x.amount_vnd, x.memo) for x in expected.lines
    ]
    assert stored[0].memo.endswith("ung ho nguoi ngheo 0109")
    assert [x.occurrence for x in stored if x.memo == "ung ho dong bao"] == [1, 2] * 9
    assert [x.status for x in stored].count(LineStatus.MATCHED) == 1
    assert (
        (stmt.credits_vnd, stmt.debits_vnd)
        == (expected.credits_vnd, expected.debits_vnd)
        == (9 * 3_000_000 + 300_000, 9 * 2_200)
    )

    again = stmt_from(session, acc, data)
    second = import_statement(session, SYSTEM, again)
    session.commit()
    assert (second.lines_new, second.lines_already, second.lines_matched) == (0, 37, 0)
    assert lines_count(session, acc.id) == 37


def test_a_broken_row_after_stored_chunks_leaves_nothing_and_is_named(app, session, kh_setup, small_chunks):
    acc = kh_setup["prov_acc"]
    data = vcb_csv(many_days(8), 100_000_000).decode("utf-8-sig")
    head, _, last_day = data.rpartition("08/09/2024")
    data = (head + "31/02/2024" + last_day).encode()  # the last line's date is broken
    stmt = stmt_from(session, acc, data)
    (error,) = parse_statement(stmt).errors
    assert error.message.startswith(f"Dòng {error.file_row}: ngày giao dịch “31/02/2024”")
    with pytest.raises(PaymentError, match="Còn 1 dòng lỗi.*Chưa có dòng nào được nhập"):
        import_statement(session, SYSTEM, stmt)
    # the savepoint is rolled back: nothing of the 7 days already streamed in, even before the caller's rollback
    assert lines_count(session, acc.id) == 0
    session.rollback()
    assert lines_count(session, acc.id) == 0
    assert session.get(BankStatement, stmt.id).status == StatementStatus.DRAFT
    stmt.skipped_rows = [error.file_row]
    summary = import_statement(session, SYSTEM, stmt)
    session.commit()
    assert summary.lines_new == lines_count(session, acc.id) == 8 * 4 - 1


def test_a_late_balance_break_is_refused_with_nothing_stored_then_imported_once_acknowledged(
    app, session, kh_setup, small_chunks
):
    acc = kh_setup["prov_acc"]
    days = many_days(8)
    rows = sum(len(lines) for _, lines in days)
    stmt = stmt_from(
        session, acc, vcb_csv(days, 100_000_000, break_at=rows - 1), opening_balance_vnd=100_000_000
    )
    breaks = parse_statement(stmt).breaks
    assert len(breaks) == 2 and "lệch 1.000 ₫" in breaks[0]
    with pytest.raises(PaymentError, match="Số dư"):
        import_statement(session, SYSTEM, stmt)
    assert lines_count(session, acc.id) == 0
    session.rollback()
    summary = import_statement(session, SYSTEM, stmt, acknowledge_breaks=True)
    session.commit()
    assert summary.lines_new == lines_count(session, acc.id) == rows
    assert stmt.balance_report == "\n".join(breaks)


def test_streamed_parse_gives_what_parse_rows_gives_and_reads_files_and_bytes_alike(
    app, session, kh_setup, tmp_path
):
    data = vcb_csv(many_days(3), 100_000_000, break_at=5)
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    rows = read_rows("csv", data)
    assert rows[0][0] == "NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"  # the BOM is not part of the first cell
    assert list(iter_rows("csv", path)) == list(iter_rows("csv", str(path))) == rows
    full = parse_rows(rows, preset="vietcombank", opening_balance_vnd=100_000_000)
    result, lines = stream_lines(
        iter_rows("csv", path), preset="vietcombank", opening_balance_vnd=100_000_000
    )
    assert result.breaks == [] and result.line_count == 0  # filled as the lines go by
    streamed = list(lines)
    assert streamed == full.lines and result.breaks == full.breaks == check_balances(full.lines, 100_000_000)
    assert len(result.breaks) == 2
    assert (result.line_count, result.credits_vnd, result.debits_vnd) == (
        len(full.lines),
        sum(x.amount_vnd for x in full.lines if x.is_credit),
        sum(x.amount_vnd for x in full.lines if not x.is_credit),
    )
    # a Windows-1258 export (not UTF-8) is still read
    cp = (
        f"Ngay GD,So CT,Ghi no,Ghi co,So du,Noi dung\r\n01/09/2024,1,,{dots(500_000)},,ĐOÀN VĂN AN\r\n"
    ).encode("cp1258")
    (line,) = parse_rows(iter_rows("csv", cp), preset="vietcombank").lines
    assert line.memo == "ĐOÀN VĂN AN" and line.amount_vnd == 500_000


def test_draft_and_mapping_pages_count_every_line_and_row_but_keep_a_preview(app, client, session, kh_setup):
    from app.accounts.models import Role
    from tests.conftest import login
    from tests.factories import PASSWORD, make_user

    staff = make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])
    data = vcb_csv(many_days(9), 100_000_000)  # 36 lines on 3 + 9 * 7 rows
    stmt = stmt_from(session, kh_setup["prov_acc"], data)
    login(client, staff.email, PASSWORD)
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "<strong>36</strong> dòng đọc được" in page
    assert page.count('<td class="memo">') == 30  # the preview only
    preview = parse_statement(stmt, keep_lines=30)
    assert len(preview.lines) == 30 and preview.line_count == 36 and preview.breaks == []
    assert preview.credits_vnd == parse_statement(stmt).credits_vnd == 9 * 3_000_000
    mapping = client.get(f"/can-bo/sao-ke/{stmt.id}/ghep-cot").get_data(as_text=True)
    assert f'max="{len(read_rows("csv", data))}"' in mapping
