"""The review queue at scale and the draft page from a stored preview (issue 17.4, 17.6): filters by text, amount,
date and account; bulk receipts over every line matching the filters; names read from the memo; the draft page
built without the file; statements above the general upload limit; background import progress."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.ledger import services as ledger
from app.payments.importing import create_statement, import_statement, queue_import
from app.payments.models import BankStatement, LineStatus, StatementImportProgress, StatementLine
from app.payments.queue import sender_name
from app.payments.tasks import import_statement_task
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, SYSTEM
from tests.payments.conftest import make_pledge
from tests.payments.test_importer_defects import VCB, csv_bytes
from tests.payments.test_statements import upload

QUEUE = "/can-bo/sao-ke/cho-xu-ly"


def import_rows(session, account, rows: list[list[str]]) -> BankStatement:  # type: ignore[no-untyped-def]
    s = create_statement(
        session, SYSTEM, account=account, kind="csv", data=csv_bytes(rows), original_name="a"
    )
    import_statement(session, SYSTEM, s)
    session.commit()
    return s


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).strftime("%d/%m/%Y")


def test_filters_by_text_amount_date_and_account(client, session, kh_setup, province_staff):
    import_rows(
        session,
        kh_setup["prov_acc"],
        [
            VCB,
            [day(-3), "1", "", "100.000", "", "IBFT NGUYEN VAN AN ung ho"],
            [day(-2), "2", "", "250.000", "", "TRAN THI BINH ung ho"],
            [day(-1), "3", "", "5.000.000", "", "CONG TY HOA BINH ung ho"],
        ],
    )
    login(client, province_staff.email, PASSWORD)

    def shown(**args: str) -> list[str]:
        page = client.get(QUEUE, query_string=args).get_data(as_text=True)
        return [m for m in ("NGUYEN VAN AN", "TRAN THI BINH", "CONG TY HOA BINH") if m in page]

    assert shown() == ["NGUYEN VAN AN", "TRAN THI BINH", "CONG TY HOA BINH"]
    assert shown(q="TRAN THI BINH") == ["TRAN THI BINH"]  # typed with diacritics, found in a plain memo
    assert shown(q="nguyen") == ["NGUYEN VAN AN"]
    assert shown(**{"tu-so-tien": "200.000", "den-so-tien": "1.000.000"}) == ["TRAN THI BINH"]
    assert shown(**{"tu-ngay": day(-2)}) == ["TRAN THI BINH", "CONG TY HOA BINH"]
    assert shown(**{"den-ngay": day(-3)}) == ["NGUYEN VAN AN"]
    assert shown(**{"tai-khoan": str(kh_setup["prov_acc"].id)}) == [
        "NGUYEN VAN AN",
        "TRAN THI BINH",
        "CONG TY HOA BINH",
    ]
    page = client.get(QUEUE, query_string={"tu-ngay": "31/02/2024"}).get_data(as_text=True)
    assert "Từ ngày: “31/02/2024” không đúng dạng dd/mm/yyyy." in page
    # The same filter on the English page: the label and the sentence in English, the value as typed.
    page = client.get(QUEUE, query_string={"tu-ngay": "31/02/2024", "lang": "en"}).get_data(as_text=True)
    assert "From: “31/02/2024” is not in the dd/mm/yyyy form." in page and "không đúng dạng" not in page
    client.get(QUEUE, query_string={"lang": "vi"})


def test_a_suggestion_says_why_in_the_readers_language(client, session, kh_setup, province_staff):
    """The reason a line is proposed for a pledge is kept with the line and shown in Vietnamese or in English."""
    pledge = make_pledge(
        session, kh_setup["campaign"], 3_000_000, donor_name="Bà Trần Thị Mơ", receiving=kh_setup["province"]
    )
    session.commit()
    import_rows(
        session, kh_setup["prov_acc"], [VCB, [day(1), "1", "", "3.000.000", "", "TRAN VAN MO UNG HO"]]
    )
    login(client, province_staff.email, PASSWORD)
    page = client.get(QUEUE).get_data(as_text=True)
    assert pledge.reference in page
    assert "đúng số tiền còn phải nộp; tên người ủng hộ gần giống nội dung (67%)" in page
    page = client.get(QUEUE, query_string={"lang": "en"}).get_data(as_text=True)
    assert pledge.reference in page
    assert (
        "exactly the amount still due; the donor&#39;s name nearly matches the transfer details (67%); "
        "transferred after the pledge date; pledged to the unit that owns the account"
    ) in page
    assert "gần giống" not in page
    client.get(QUEUE, query_string={"lang": "vi"})


def test_text_filter_ignores_diacritics_and_case_both_ways(client, session, kh_setup, province_staff):
    """A memo written with its accents is found when typed without them, and a plain memo when typed with them
    (either case: SQLite and PostgreSQL lower only ASCII by themselves)."""
    import_rows(
        session,
        kh_setup["prov_acc"],
        [
            VCB,
            [day(-2), "1", "", "300.000", "", "ĐẶNG THỊ ÁNH ủng hộ người nghèo"],
            [day(-2), "2", "", "400.000", "", "Nguyễn Văn Ân chuyển tiền"],
            [day(-1), "3", "", "500.000", "", "DANG VAN TUNG ung ho"],
        ],
    )
    login(client, province_staff.email, PASSWORD)

    def shown(q: str) -> list[str]:
        page = client.get(QUEUE, query_string={"q": q}).get_data(as_text=True)
        return [m for m in ("ĐẶNG THỊ ÁNH", "Nguyễn Văn Ân", "DANG VAN TUNG") if m in page]

    assert shown("dang thi anh") == ["ĐẶNG THỊ ÁNH"]  # typed plain, memo accented (upper case)
    assert shown("nguyen van an") == ["Nguyễn Văn Ân"]  # typed plain, memo accented
    assert shown("NGUYỄN VĂN ÂN") == ["Nguyễn Văn Ân"]  # typed accented in capitals
    assert shown("Đặng Văn Tùng") == ["DANG VAN TUNG"]  # typed accented, memo plain
    assert shown("đặng") == ["ĐẶNG THỊ ÁNH", "DANG VAN TUNG"]
    assert shown("ung ho") == ["ĐẶNG THỊ ÁNH", "DANG VAN TUNG"]
    assert shown("100%") == []


def test_receipt_every_line_matching_the_filter_as_anonymous_in_one_action(
    client, session, kh_setup, province_staff
):
    rows = [VCB] + [[day(-1), str(i), "", "100.000", "", f"ung ho {i}"] for i in range(1, 131)]
    rows.append([day(-1), "999", "", "7.000.000", "", "IBFT LE VAN CUONG ung ho"])
    import_rows(session, kh_setup["prov_acc"], rows)
    before = ledger.totals(session, kh_setup["campaign"].fund_id).received_vnd
    login(client, province_staff.email, PASSWORD)
    page = client.get(QUEUE, query_string={"tu-so-tien": "100.000", "den-so-tien": "100.000"}).get_data(
        as_text=True
    )
    assert "130 dòng ghi có chưa ghép khớp bộ lọc" in page and "Áp dụng cho tất cả 130 dòng" in page
    resp = client.post(
        QUEUE + "?tu-so-tien=100.000&den-so-tien=100.000",
        data={"csrf_token": csrf_from(page), "action": "receipt_anonymous", "all_matching": "1"},
        follow_redirects=True,
    )
    assert "Đã ghi 130 biên nhận (0 có tên, 130 “Nhà hảo tâm”)." in resp.get_data(as_text=True)
    session.expire_all()
    statuses = dict(
        session.execute(
            select(StatementLine.amount_vnd, func.count()).group_by(StatementLine.amount_vnd)
        ).all()
    )
    assert statuses == {100_000: 130, 7_000_000: 1}
    receipted = session.execute(
        select(func.count()).where(StatementLine.status == LineStatus.RECEIPTED)
    ).scalar_one()
    assert receipted == 130
    assert ledger.totals(session, kh_setup["campaign"].fund_id).received_vnd - before == 13_000_000
    assert (
        session.execute(
            select(StatementLine.status).where(StatementLine.amount_vnd == 7_000_000)
        ).scalar_one()
        == LineStatus.UNMATCHED
    )
    assert ledger.verify_ledger(session) == []


def test_receipts_named_from_the_memo(client, session, kh_setup, province_staff):
    import_rows(
        session,
        kh_setup["prov_acc"],
        [
            VCB,
            [day(-1), "1", "", "300.000", "", "MBVCB.5521.NGUYEN VAN AN chuyen tien ung ho"],
            [day(-1), "2", "", "400.000", "", "ung ho nguoi ngheo"],
            [day(-1), "3", "", "500.000", "", "IBFT LE VAN CUONG ung ho"],
        ],
    )
    login(client, province_staff.email, PASSWORD)
    page = client.get(QUEUE).get_data(as_text=True)
    ids = dict(session.execute(select(StatementLine.amount_vnd, StatementLine.id)).all())
    resp = client.post(
        QUEUE,
        data={
            "csrf_token": csrf_from(page),
            "action": "receipt_memo",
            "line": [ids[300_000], ids[400_000], ids[500_000]],
            f"name-{ids[500_000]}": "Lê Văn Cường",  # typed by staff: wins over the memo
        },
        follow_redirects=True,
    )
    assert "Đã ghi 3 biên nhận (2 có tên, 1 “Nhà hảo tâm”)." in resp.get_data(as_text=True)
    names = dict(session.execute(select(Contribution.amount_vnd, Contribution.public_name)).all())
    assert names == {300_000: "Nguyen Van An", 400_000: "Nhà hảo tâm", 500_000: "Lê Văn Cường"}


def test_sender_name_from_bank_memos():
    assert sender_name("MBVCB.5521.NGUYEN VAN AN chuyen tien ung ho nguoi ngheo") == "Nguyen Van An"
    assert sender_name("IBFT TRAN THI BINH ung ho lien he 0909000111") == "Tran Thi Binh"
    assert sender_name("ung ho nguoi ngheo") is None
    assert sender_name("REM Tfr Ac: 123 B2B-CRE-002 ung ho") is None
    assert sender_name("ung ho", "NGUYEN A - 0123456789") == "Nguyen A"


def test_the_draft_page_is_built_from_the_stored_preview_without_the_file(
    client, session, kh_setup, province_staff
):
    login(client, province_staff.email, PASSWORD)
    rows = [VCB] + [[day(-1), str(i), "", "100.000", "", f"ung ho {i}"] for i in range(1, 41)]
    upload(client, kh_setup["prov_acc"].id, csv_bytes(rows))
    stmt = session.execute(select(BankStatement)).scalar_one()
    assert stmt.preview["line_count"] == 40 and len(stmt.preview["lines"]) == 30
    Path(stmt.file_path).unlink()  # the page must not need it
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "4.000.000 ₫" in page and "ung ho 30" in page and "ung ho 31" not in page
    assert "Vietcombank" in page and "điểm" in page


def test_a_statement_above_the_general_upload_limit_is_accepted(
    client, session, kh_setup, province_staff, app
):
    limit = app.config["MAX_CONTENT_LENGTH"]
    memo = "ung ho " + "x" * 2000
    n = limit // 2000 + 200
    rows = [VCB] + [[day(-1), str(i), "", "100.000", "", f"{memo} {i}"] for i in range(1, n + 1)]
    data = csv_bytes(rows)
    assert len(data) > limit
    login(client, province_staff.email, PASSWORD)
    resp = upload(client, kh_setup["prov_acc"].id, data)
    assert resp.status_code == 302
    stmt = session.execute(select(BankStatement)).scalar_one()
    assert stmt.preview["line_count"] == n
    # Other uploads keep the general limit.
    token = csrf_from(client.get("/can-bo/sao-ke").get_data(as_text=True))
    big = client.post(
        f"/can-bo/thu-ho/xa/{kh_setup['khanh_son'].id}/nhap-tep",
        data={"csrf_token": token, "file": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 413


def test_a_background_import_keeps_its_progress(app, session, kh_setup):
    rows = [VCB] + [[day(-1), str(i), "", "100.000", "", f"ung ho {i}"] for i in range(1, 26)]
    s = create_statement(
        session, SYSTEM, account=kh_setup["prov_acc"], kind="csv", data=csv_bytes(rows), original_name="a"
    )
    queue_import(session, s)
    session.commit()
    progress = session.get(StatementImportProgress, s.id)
    assert (progress.state, progress.lines_done, progress.lines_total) == ("queued", 0, 25)
    out = import_statement_task(s.id, None)
    session.commit()
    assert out["ok"] and out["new"] == 25
    session.expire_all()
    progress = session.get(StatementImportProgress, s.id)
    assert (progress.state, progress.lines_done) == ("done", 25)


def test_a_refused_background_import_says_why(app, session, kh_setup):
    rows = [VCB, ["", "1", "", "100.000", "", "thieu ngay"]]
    s = create_statement(
        session, SYSTEM, account=kh_setup["prov_acc"], kind="csv", data=csv_bytes(rows), original_name="a"
    )
    queue_import(session, s)
    session.commit()
    out = import_statement_task(s.id, None)
    session.commit()
    assert not out["ok"]
    progress = session.get(StatementImportProgress, s.id)
    assert progress.state == "failed" and "dòng lỗi" in progress.message


@pytest.mark.postgres
def test_progress_is_visible_to_others_while_the_import_runs(app, session, kh_setup):
    from app.extensions import db
    from app.payments import importing

    rows = [VCB] + [[day(-1), str(i), "", "100.000", "", f"ung ho {i}"] for i in range(1, 31)]
    s = create_statement(
        session, SYSTEM, account=kh_setup["prov_acc"], kind="csv", data=csv_bytes(rows), original_name="a"
    )
    queue_import(session, s)
    session.commit()
    seen: list[tuple[str, int]] = []
    writer = importing.progress_writer(session, s.id)

    def progress(done: int) -> None:
        writer(done)
        with db.engine.connect() as other:  # another connection: what the draft page would read
            seen.append(
                tuple(  # type: ignore[arg-type]
                    other.execute(
                        select(StatementImportProgress.state, StatementImportProgress.lines_done).where(
                            StatementImportProgress.statement_id == s.id
                        )
                    ).one()
                )
            )

    old = importing.IMPORT_CHUNK
    importing.IMPORT_CHUNK = 10
    try:
        import_statement(session, SYSTEM, s, progress=progress)
    finally:
        importing.IMPORT_CHUNK = old
    session.commit()
    assert seen == [("running", 10), ("running", 20), ("running", 30)]


def test_a_large_upload_is_read_in_the_background_and_its_page_never_reads_the_file(
    client, session, kh_setup, province_staff, app, monkeypatch
):
    from app.core.outbox import TaskOutbox
    from app.payments import views
    from app.payments.tasks import preview_statement_task

    monkeypatch.setitem(app.config, "CELERY", {**app.config.get("CELERY", {}), "task_always_eager": False})
    monkeypatch.setattr(views, "BACKGROUND_BYTES", 1000)  # "large" for this test's file
    rows = [VCB] + [[day(-1), str(i), "", "100.000", "", f"ung ho {i}"] for i in range(1, 61)]
    login(client, province_staff.email, PASSWORD)
    upload(client, kh_setup["prov_acc"].id, csv_bytes(rows))
    stmt = session.execute(select(BankStatement)).scalar_one()
    # The request only queued the reading (the test's Celery runs the queued task at once, after the commit).
    assert (
        session.execute(
            select(func.count()).where(TaskOutbox.task_name == "payments.preview_statement")
        ).scalar_one()
        == 1
    )
    assert stmt.preview["line_count"] == 60
    stmt.preview = {}  # as while the worker is still reading
    session.commit()
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "Đang đọc tệp sao kê" in page
    session.expire_all()
    assert session.get(BankStatement, stmt.id).preview == {}  # the page did not read the file itself
    assert preview_statement_task(stmt.id)["lines"] == 60
    session.commit()
    page = client.get(f"/can-bo/sao-ke/{stmt.id}").get_data(as_text=True)
    assert "6.000.000 ₫" in page and "Đang đọc tệp sao kê" not in page
