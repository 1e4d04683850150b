"""The statement review page from a stored preview (issue 17.4).

    python -m bench.bench_statement_review --lines 100000
    python -m bench.bench_statement_review --lines 1000000 --database-url postgresql+psycopg://…

Writes a Vietcombank-style XLSX of N lines shaped like a PDF conversion (memos wrapped onto rows of their own, the
header repeated and the bank's contact block and a page number every 40 lines), uploads it as the upload route
does (create_statement: presets scored, the file parsed once, the preview stored), then times the draft review
page (the view and its template, as staff open it) several times. For comparison it also times what the page did
before: parsing the whole stored file on every view. Data is generated with a fixed seed; the database (SQLite in
a temporary folder by default) is wiped and migrated first.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import tempfile
import time

from bench.bench_payments import emit, make_world, peak_rss_mb, setup

SEED = 20261207
HEADER = [
    "Ngày GD/TNX Date",
    "Số CT/Doc No",
    "Số tiền ghi nợ/Debit",
    "Số tiền ghi có/Credit",
    "Số dư/Balance",
    "Nội dung chi tiết/Transactions in detail",
]


def xlsx_bytes(n: int, rng: random.Random) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM — SAO KÊ TÀI KHOẢN"])
    ws.append(HEADER)
    balance = 1_000_000_000
    names = ["NGUYEN VAN AN", "TRAN THI BINH", "LE VAN CUONG", "PHAM THI DUNG", "CONG TY TNHH AN PHU"]
    for i in range(1, n + 1):
        amount = rng.randrange(1, 500) * 10_000
        balance += amount
        day = 13 if i <= n // 2 else 14
        ws.append([f"{day}/09/2024", f"5390.{i}", "", f"{amount:,}".replace(",", "."), "", f"MBVCB.{i}"])
        ws.append(["", "", "", "", "", f"{rng.choice(names)} ung ho"])
        if i % 40 == 0:
            ws.append(["Telex: 411504 VCB - VT    Swift: BFTVVNVX", "", "", "", "", ""])
            ws.append([f"{i // 40}/{n // 40}", "", "", "", "", ""])
            ws.append(HEADER)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--views", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-review-')}/bench.sqlite3"
    app, db = setup(url)
    rng = random.Random(SEED)
    _campaign, acc, _pledges = make_world(db, 100, rng)

    from flask_login import login_user

    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.core.actor import Actor
    from app.payments.importing import create_statement, parse_statement

    actor = Actor.system("bench")
    user = create_user(
        db.session,
        actor,
        email="bench-review@test.vn",
        full_name="Cán bộ bench",
        password=os.urandom(12).hex() + "Aa1!",
        role=Role.PROVINCE_STAFF,
        unit_id=acc.unit_id,
    )
    db.session.commit()

    t0 = time.perf_counter()
    data = xlsx_bytes(args.lines, rng)
    generate_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    stmt = create_statement(
        db.session, actor, account=acc, kind="xlsx", data=data, original_name="bench.xlsx"
    )
    db.session.commit()
    upload_s = time.perf_counter() - t0
    assert stmt.preview["line_count"] == args.lines, stmt.preview.get("line_count")
    assert stmt.preview["error_count"] == 0
    del data

    view = app.view_functions["payments.statement_detail"]
    times = []
    for _ in range(args.views):
        db.session.expire_all()
        with app.test_request_context(f"/can-bo/sao-ke/{stmt.id}"):
            login_user(user)
            t0 = time.perf_counter()
            html = view(statement_id=stmt.id)
            times.append(time.perf_counter() - t0)
            assert f"{args.lines:,}".replace(",", ".") in html
    t0 = time.perf_counter()
    reparsed = parse_statement(stmt, keep_lines=30)
    reparse_s = time.perf_counter() - t0
    assert reparsed.line_count == args.lines
    emit(
        name="payments.statement_review_page",
        lines=args.lines,
        file_mb=round(os.path.getsize(stmt.file_path) / 1e6, 1),
        database=db.engine.dialect.name,
        generate_s=round(generate_s, 1),
        upload_parse_s=round(upload_s, 1),
        review_page_median_s=round(statistics.median(times), 4),
        review_page_max_s=round(max(times), 4),
        reparse_per_view_before_s=round(reparse_s, 1),
        furniture_rows=stmt.preview["furniture_rows"],
        peak_rss_mb=peak_rss_mb(),
    )


if __name__ == "__main__":
    main()
