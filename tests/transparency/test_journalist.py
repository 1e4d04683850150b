"""A journalist's check, end to end: search without diacritics, filter, export, verify the export against the
published roots with the documented commands, then see a silent edit of a published record get caught."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from app.core.i18n import VN_TZ
from app.transparency import opendata, verify_export
from tests.transparency.conftest import give

VERIFY_SCRIPT = Path(verify_export.__file__)


def _rows(csv_text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))


def test_journalist_journey_export_verify_and_catch_tampering(app, client, session, kh, tmp_path):
    c = kh["campaign"]
    today = datetime.now(VN_TZ).date()
    give(session, c, 50_000_000, name="Nguyễn Văn A", receiving=kh["province"], bank_txn_ref="FT26291000111")
    give(session, c, 20_000_000, name="Công ty Đường Biên Hòa", receiving=kh["province"])
    give(session, c, 500_000, name="Hộ bà Lê Thị Dương", receiving=kh["cam_lam"], on=date(2026, 10, 21))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["transparency", "publish", "--day", today.isoformat()])
    assert out.exit_code == 0 and "3 khoản" in out.output
    give(session, c, 7_000_000, name="Trần Văn Bình", receiving=kh["khanh_son"])
    tomorrow = today + timedelta(days=1)
    assert runner.invoke(args=["transparency", "publish", "--day", tomorrow.isoformat()]).exit_code == 0
    give(session, c, 1_000_000, name="Mới nhận hôm nay", receiving=kh["province"])  # not published yet

    # 1. Search without diacritics, then filter by area.
    html = client.get("/cong-khai/sao-ke?q=duong").get_data(as_text=True)
    assert "Công ty Đường Biên Hòa" in html and "Hộ bà Lê Thị Dương" in html
    html = client.get(f"/cong-khai/sao-ke?q=duong&tinh={kh['province'].id}&xa={kh['cam_lam'].id}").get_data(
        as_text=True
    )
    assert "Hộ bà Lê Thị Dương" in html and "Công ty Đường Biên Hòa" not in html

    # 2. The filtered export has just that row; the full export carries each row's day and root.
    filtered = _rows(
        client.get(f"/cong-khai/du-lieu/dong-gop.csv?q=duong&xa={kh['cam_lam'].id}").get_data(as_text=True)
    )
    assert [r["ten_cong_khai"] for r in filtered] == ["Hộ bà Lê Thị Dương"]
    export = client.get("/cong-khai/du-lieu/dong-gop.csv")
    assert export.mimetype == "text/csv" and export.is_streamed
    rows = _rows(export.get_data(as_text=True))
    assert len(rows) == 5 and {r["ngay_cong_bo"] for r in rows} == {
        today.isoformat(),
        tomorrow.isoformat(),
        "",
    }
    export_path = tmp_path / "dong-gop.csv"
    export_path.write_bytes(export.data)
    roots_path = tmp_path / "goc-cong-bo.json"
    roots_path.write_bytes(client.get("/cong-khai/du-lieu/goc-cong-bo.json").data)

    # 3. The documented commands agree: the app's CLI, and the standalone script run outside the project.
    out = runner.invoke(args=["transparency", "verify", str(export_path)])
    assert out.exit_code == 0, out.output
    assert f"{today.isoformat()}: ĐÚNG" in out.output and "1 dòng chưa thuộc ngày công bố nào" in out.output
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(VERIFY_SCRIPT, alone / "verify_export.py")
    proc = subprocess.run(
        [sys.executable, "verify_export.py", str(export_path), str(roots_path)],
        cwd=alone,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 ngày khớp, 0 ngày không khớp" in proc.stdout

    # 4. Someone silently edits a published record in the database.
    target = next(r for r in rows if r["ten_cong_khai"] == "Nguyễn Văn A")
    session.execute(
        text("UPDATE contributions SET amount_vnd = 5000000 WHERE id = :id"), {"id": int(target["id"])}
    )
    session.commit()
    tampered = tmp_path / "dong-gop-sau.csv"
    tampered.write_bytes(client.get("/cong-khai/du-lieu/dong-gop.csv").data)
    out = runner.invoke(args=["transparency", "verify", str(tampered)])
    assert out.exit_code == 1
    assert f"{today.isoformat()}: SAI" in out.output and f"{tomorrow.isoformat()}: ĐÚNG" in out.output
    proc = subprocess.run(
        [sys.executable, "verify_export.py", str(tampered), str(roots_path)],
        cwd=alone,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and f"{today.isoformat()}: SAI" in proc.stdout
    # The earlier export still matches the roots: it is the database that changed.
    assert runner.invoke(args=["transparency", "verify", str(export_path)]).exit_code == 0
    # The site flags the day too.
    page = client.get(f"/cong-khai/goc-cong-bo/{today.isoformat()}").get_data(as_text=True)
    assert "KHÔNG KHỚP" in page
    assert runner.invoke(args=["transparency", "check"]).exit_code == 1
    listing = client.get("/cong-khai/goc-cong-bo").get_data(as_text=True)
    assert "KHÔNG KHỚP" in listing


def test_deleting_a_published_row_is_caught_by_the_count(app, client, session, kh, tmp_path):
    c = kh["campaign"]
    a = give(session, c, 1_000_000, name="Một", receiving=kh["province"])
    give(session, c, 2_000_000, name="Hai", receiving=kh["province"])
    root = opendata.publish_daily_root(session, datetime.now(VN_TZ).date())
    session.commit()
    session.execute(
        text("UPDATE contributions SET ledger_transaction_id = NULL WHERE id = :id"), {"id": a.id}
    )
    session.execute(text("DELETE FROM contributions WHERE id = :id"), {"id": a.id})
    session.commit()
    results, _ = verify_export.verify(
        _rows(client.get("/cong-khai/du-lieu/dong-gop.csv").get_data(as_text=True)),
        opendata.roots_payload(session)["roots"],
    )
    assert [(r.day, r.ok) for r in results] == [(root.day.isoformat(), False)]
    assert "1 dòng" in results[0].message


def test_roots_chain_and_publishing_is_idempotent(session, kh):
    give(session, kh["campaign"], 1_000_000, receiving=kh["province"])
    day = datetime.now(VN_TZ).date()
    first = opendata.publish_daily_root(session, day)
    assert first is not None and first.prev_root == verify_export.GENESIS and first.count == 1
    assert opendata.publish_daily_root(session, day) is None
    assert opendata.publish_daily_root(session, day - timedelta(days=3)) is None  # never rewrite the past
    second = opendata.publish_daily_root(
        session, day + timedelta(days=1)
    )  # nothing new: an empty link keeps the chain
    assert second.prev_root == first.root and second.count == 0
    assert second.root == verify_export.chain(first.root, verify_export.records_hash([])[0])
    assert opendata.check_roots(session) == []


def test_json_export_is_valid_json_with_the_roots(client, session, kh):
    give(session, kh["campaign"], 3_000_000, name="Phạm Thị Hoa", receiving=kh["province"])
    opendata.publish_daily_root(session, datetime.now(VN_TZ).date())
    session.commit()
    data = json.loads(client.get("/cong-khai/du-lieu/dong-gop.json").get_data(as_text=True))
    assert data["contributions"][0]["ten_cong_khai"] == "Phạm Thị Hoa"
    assert data["contributions"][0]["goc_ngay"] == data["roots"][0]["root"]
    totals = client.get("/cong-khai/du-lieu/tong-hop.json").get_json()
    assert {"ma_don_vi": "56", "da_nhan_vnd": 3_000_000}.items() <= totals["units"][0].items()
    roots_csv = _rows(client.get("/cong-khai/du-lieu/goc-cong-bo.csv").get_data(as_text=True))
    assert roots_csv[0]["root"] == data["roots"][0]["root"]


def test_publish_task_publishes_yesterday_and_rechecks(app, session, kh):
    from app.transparency.tasks import publish_daily_root

    give(session, kh["campaign"], 1_000_000, receiving=kh["province"])
    yesterday = datetime.now(VN_TZ).date() - timedelta(days=1)
    publish_daily_root.delay(yesterday.isoformat())
    root = opendata.roots_payload(session)["roots"][0]
    assert root["day"] == yesterday.isoformat()
    assert root["count"] == 0  # recorded today: it waits for tonight's root
