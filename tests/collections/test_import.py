"""Spreadsheet import as commune staff use it: upload, preview with errors per row, commit, undo."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.collections.models import BatchStatus, HouseholdRow, ImportBatch
from app.contributions.models import Contribution, ContributionStatus
from app.core.messages import restored
from app.ledger.models import LedgerTransaction
from app.ledger.services import main_fund, totals
from app.units.models import AdminUnit
from tests.collections.conftest import HAMLETS, xlsx_bytes
from tests.conftest import csrf_from, login

BROKEN = {  # row index in the data (0-based) -> (cells, expected reason)
    10: (["", "Thôn Tà Lương", 100000, "", "15/10/2026", "A"], "Họ tên chủ hộ: chưa nhập"),
    250: (["Hộ 250", "Thôn Ma", 100000, "", "15/10/2026", "A"], "Thôn/Tổ dân phố: “Thôn Ma”"),
    600: (["Hộ 600", "Thôn Tà Lương", "một trăm", "", "15/10/2026", "A"], "Số tiền: “một trăm”"),
    900: (["Hộ 900", "Thôn Tà Lương", -5000, "", "15/10/2026", "A"], "số tiền phải lớn hơn 0"),
    1200: (["Hộ 1200", "Thôn Tà Lương", 100000, "", "32/10/2026", "A"], "Ngày: “32/10/2026”"),
    1500: (["Hộ 1500", "Thôn Tà Lương", 100000, "", "15/10/2099", "A"], "tương lai"),
    2000: (["hộ 0", "thon ta luong", 100000, "", "15/10/2026", "B"], "Trùng: cùng chủ hộ và thôn với dòng 2"),
    # A broken row does not make the next good row of the same household a duplicate.
    2500: (["Hộ 2501", "Thôn Tô Hạp", 1500.5, "", "15/10/2026", "A"], "không phải số đồng nguyên"),
    3000: (["Hộ 3000", "", 100000, "", "15/10/2026", "A"], "Thôn/Tổ dân phố: chưa nhập"),
    3500: (["Hộ 3500", "Thôn Tà Lương", "", "1 bao gạo", "15/10/2026", "A"], "giá trị ước tính"),
    4000: (["Hộ 4000", "Thôn Tà Lương", "1.000,5", "", "15/10/2026", "A"], "Số tiền: “1.000,5”"),
    4999: (["Hộ 4999", "Thôn Tà Lương", 100000, "", "hôm qua", "A"], "Ngày: “hôm qua”"),
}


def five_thousand_rows() -> tuple[bytes, int]:
    rng = random.Random(4)
    rows, total = [], 0
    for i in range(5000):
        if i in BROKEN:
            rows.append(BROKEN[i][0])
            continue
        amount = rng.choice([50_000, 100_000, 200_000, 500_000])
        total += amount
        rows.append(
            [
                f"Hộ {i}",
                HAMLETS[i % len(HAMLETS)],
                amount if i % 2 else f"{amount:,}".replace(",", "."),
                "",
                date(2026, 10, 15 + i % 10) if i % 3 else "15/10/2026",
                f"Người thu {i % 5}",
            ]
        )
    return xlsx_bytes(rows), total


def upload(client, world, data: bytes, name: str = "danh-sach.xlsx"):  # type: ignore[no-untyped-def]
    url = f"/can-bo/thu-ho/xa/{world.commune.id}/nhap-tep"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        url, data={"csrf_token": token, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def batch_token(client, batch_id: int) -> str:
    return csrf_from(client.get(f"/can-bo/thu-ho/lo/{batch_id}").get_data(as_text=True))


def province_received(session, world) -> int:  # type: ignore[no-untyped-def]
    ids = [
        world.province.id,
        *session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == world.province.id)).scalars(),
    ]
    return totals(session, main_fund(session).id, ids).received_vnd


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count()).select_from(model)).scalar()


def test_five_thousand_rows_preview_commit_undo(client, session, world, app):
    data, total = five_thousand_rows()
    fund = main_fund(session).id
    province_before = province_received(session, world)
    login(client, world.staff)
    resp = upload(client, world, data)
    assert resp.status_code == 302
    batch = session.execute(select(ImportBatch)).scalar_one()
    assert batch.status == BatchStatus.PREVIEWED and batch.total_rows == 5000 and batch.error_rows == 12
    # Exactly the 12 broken rows, each with its reason (spreadsheet row = data index + 2).
    assert {e["row"] for e in batch.errors} == {i + 2 for i in BROKEN}
    by_row = {e["row"]: " ".join(str(restored(m)) for m in e["messages"]) for e in batch.errors}
    for i, (_, reason) in BROKEN.items():
        assert reason in by_row[i + 2], (i, by_row[i + 2])
    page = client.get(f"/can-bo/thu-ho/lo/{batch.id}").get_data(as_text=True)
    assert "Có 12 dòng lỗi" in page and "Thôn Ma" in page
    assert count(session, Contribution) == 0  # preview records nothing
    assert Path(batch.stored_path).read_bytes() == data  # the file is kept for audit

    # Committing without choosing to skip the broken rows records nothing.
    token = batch_token(client, batch.id)
    resp = client.post(f"/can-bo/thu-ho/lo/{batch.id}/ghi", data={"csrf_token": token}, follow_redirects=True)
    assert "12 dòng lỗi" in resp.get_data(as_text=True)
    assert count(session, Contribution) == 0

    # Skip them explicitly: the 4 988 others are recorded at once (through the Celery task), one ledger transaction.
    resp = client.post(f"/can-bo/thu-ho/lo/{batch.id}/ghi", data={"csrf_token": token, "skip_errors": "y"})
    assert resp.status_code == 302
    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch.status == BatchStatus.COMMITTED, batch.failure
    assert batch.committed_rows == 4988 and batch.total_vnd == total
    assert count(session, Contribution) == 4988 and count(session, HouseholdRow) == 4988
    assert (
        session.execute(select(func.count(func.distinct(Contribution.ledger_transaction_id)))).scalar() == 1
    )
    receipts = session.execute(select(Contribution.receipt_no)).scalars().all()
    assert len(set(receipts)) == 4988
    assert totals(session, fund, [world.commune.id]).received_vnd == total
    assert province_received(session, world) == province_before + total
    progress = client.get(f"/can-bo/thu-ho/lo/{batch.id}/tien-do").get_json()
    assert progress["percent"] == 100 and progress["status"] == "committed"
    assert (
        session.execute(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "contribution.record")
        ).scalar()
        == 4988
    )

    # Undo the whole import: one reversal, every contribution marked reversed, nothing deleted.
    resp = client.post(
        f"/can-bo/thu-ho/lo/{batch.id}/huy",
        data={"csrf_token": batch_token(client, batch.id), "reason": "Nhập nhầm tệp"},
    )
    assert resp.status_code == 302
    session.expire_all()
    batch = session.get(ImportBatch, batch.id)
    assert batch.status == BatchStatus.REVERSED and batch.reversal_transaction_id is not None
    assert count(session, Contribution) == 4988
    assert (
        session.execute(
            select(func.count(Contribution.id)).where(
                Contribution.status == ContributionStatus.REVERSED,
                Contribution.reversal_transaction_id == batch.reversal_transaction_id,
            )
        ).scalar()
        == 4988
    )
    rev = session.get(LedgerTransaction, batch.reversal_transaction_id)
    assert rev.reverses_id == batch.ledger_transaction_id
    assert totals(session, fund, [world.commune.id]).received_vnd == 0
    assert province_received(session, world) == province_before
    # A second undo is refused; re-importing the same file now finds no duplicates (the rows were reversed).
    resp = client.post(
        f"/can-bo/thu-ho/lo/{batch.id}/huy",
        data={"csrf_token": batch_token(client, batch.id), "reason": "Bấm hủy lần hai"},
        follow_redirects=True,
    )
    assert "Chỉ hủy được lô đã ghi nhận" in resp.get_data(as_text=True)


def test_small_csv_commits_at_once_and_later_file_flags_recorded_households(client, session, world):
    csv_text = (
        "Họ tên chủ hộ;Thôn/Tổ dân phố;Số tiền;Hiện vật;Ngày;Người thu\n"
        "Nguyễn Văn An;Thôn Tà Lương;200.000;;15/10/2026;Trần Văn Bình\n"
        "Lê Thị Hoa;thon to hap;150000;20 kg gạo;16/10/2026;Trần Văn Bình\n"
    )
    login(client, world.staff)
    assert upload(client, world, csv_text.encode("utf-8"), "thu.csv").status_code == 302
    batch = session.execute(select(ImportBatch)).scalar_one()
    assert batch.error_rows == 0 and batch.file_kind == "csv"
    resp = client.post(
        f"/can-bo/thu-ho/lo/{batch.id}/ghi",
        data={"csrf_token": batch_token(client, batch.id)},
        follow_redirects=True,
    )
    assert "Đã ghi nhận 2 hộ" in resp.get_data(as_text=True)
    fund = main_fund(session).id
    t = totals(session, fund, [world.commune.id])
    assert t.received_vnd == 200_000 and t.in_kind_vnd == 150_000
    # Signature list per collector, with the households' signature column.
    page = client.get(f"/can-bo/thu-ho/xa/{world.commune.id}/danh-sach-ky").get_data(as_text=True)
    assert (
        "Trần Văn Bình" in page and "Chữ ký của hộ" in page and "Lê Thị Hoa" in page and "20 kg gạo" in page
    )
    # The same households again: flagged as already recorded, with the receipt number.
    assert upload(client, world, csv_text.encode("utf-8"), "thu-lai.csv").status_code == 302
    second = session.execute(select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert second.error_rows == 2
    assert "đã được ghi nhận trong cuộc vận động (biên nhận" in restored(second.errors[0]["messages"][0])
    # Undo of the first batch reverses the money transaction and the in-kind row.
    client.post(
        f"/can-bo/thu-ho/lo/{batch.id}/huy",
        data={"csrf_token": batch_token(client, batch.id), "reason": "Nhập nhầm tệp"},
    )
    t = totals(session, fund, [world.commune.id])
    assert t.received_vnd == 0 and t.in_kind_vnd == 0


BAD_FILES = [
    ("not a spreadsheet", b"%PDF-1.7\n1 0 obj\n", "bao-cao.xlsx", "Tệp PDF không phải bảng tính"),
    ("an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "anh.csv", "Loại tệp không được chấp nhận"),
    ("empty", b"", "rong.csv", "Tệp rỗng"),
    ("blank lines only", b"\n\n  \n", "rong.csv", "Tệp rỗng"),
    (
        "headers only",
        "Họ tên chủ hộ,Thôn/Tổ dân phố,Số tiền,Hiện vật,Ngày,Người thu\n".encode(),
        "a.csv",
        "không có dòng dữ liệu",
    ),
    ("wrong headers", "Tên,Địa chỉ,Tiền\nA,B,1000\n".encode(), "sai.csv", "Tiêu đề cột không đúng mẫu"),
]


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (150 * 1024 * 1024))
    return buf.getvalue()


@pytest.mark.parametrize(("label", "data", "name", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_get_a_clear_message_and_nothing_is_saved(
    client, session, world, app, label, data, name, message
):
    login(client, world.staff)
    resp = upload(client, world, data, name)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert message in text and "Không có gì được lưu" in text
    assert count(session, ImportBatch) == 0 and count(session, Contribution) == 0
    assert not (Path(app.config["UPLOAD_DIR"]) / "collections").exists() or not any(
        (Path(app.config["UPLOAD_DIR"]) / "collections").iterdir()
    )


def test_wrong_headers_in_xlsx_name_the_missing_columns(client, session, world):
    login(client, world.staff)
    resp = upload(client, world, xlsx_bytes([["A", "Thôn Tà Lương", 1000]], ["Họ tên", "Thôn", "Tiền"]))
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "thiếu cột “Họ tên chủ hộ”" in text and "“Người thu”" in text
    assert count(session, ImportBatch) == 0


def test_xlsx_zip_bomb_is_refused(client, session, world, app):
    login(client, world.staff)
    resp = upload(client, world, _zip_bomb(), "bom.xlsx")
    assert resp.status_code == 400
    assert "nghi là tệp độc hại" in resp.get_data(as_text=True)
    assert count(session, ImportBatch) == 0


def test_fifty_megabyte_file_is_refused(client, session, world):
    login(client, world.staff)
    resp = upload(client, world, b"a,b,c\n" * (50 * 1024 * 1024 // 6), "lon.csv")
    assert resp.status_code == 413
    assert "Tệp tải lên quá lớn" in resp.get_data(as_text=True)
    assert count(session, ImportBatch) == 0


def test_template_has_the_vietnamese_headers(client, world):
    login(client, world.staff)
    resp = client.get(f"/can-bo/thu-ho/mau-danh-sach-thu.xlsx?xa={world.commune.id}")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == [
        "Họ tên chủ hộ",
        "Thôn/Tổ dân phố",
        "Số tiền",
        "Hiện vật",
        "Ngày",
        "Người thu",
    ]
    assert "Thôn Tà Lương" in [r[0].value for r in wb.worksheets[1].iter_rows()]


def test_other_communes_staff_get_404_on_import_and_undo(client, session, world):
    csv_text = "Họ tên chủ hộ,Thôn/Tổ dân phố,Số tiền,Hiện vật,Ngày,Người thu\nA,Thôn Tà Lương,1000,,,X\n"
    login(client, world.staff)
    upload(client, world, csv_text.encode())
    batch = session.execute(select(ImportBatch)).scalar_one()
    client.post(f"/can-bo/thu-ho/lo/{batch.id}/ghi", data={"csrf_token": batch_token(client, batch.id)})
    other = client.application.test_client()
    login(other, world.other_staff)
    token = csrf_from(other.get(f"/can-bo/thu-ho/xa/{world.other.id}/nhap-tep").get_data(as_text=True))
    assert other.get(f"/can-bo/thu-ho/xa/{world.commune.id}/nhap-tep").status_code == 404
    resp = other.post(
        f"/can-bo/thu-ho/xa/{world.commune.id}/nhap-tep",
        data={"csrf_token": token, "file": (io.BytesIO(csv_text.encode()), "a.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 404
    assert other.get(f"/can-bo/thu-ho/lo/{batch.id}").status_code == 404
    assert other.get(f"/can-bo/thu-ho/lo/{batch.id}/tien-do").status_code == 404
    assert other.post(f"/can-bo/thu-ho/lo/{batch.id}/huy", data={"csrf_token": token}).status_code == 404
    assert batch.original_name not in other.get("/can-bo/thu-ho/lo").get_data(as_text=True)
    assert batch.original_name in client.get("/can-bo/thu-ho/lo").get_data(as_text=True)
    session.expire_all()
    assert session.get(ImportBatch, batch.id).status == BatchStatus.COMMITTED
    assert count(session, ImportBatch) == 1
