"""The verifier anyone can run: downloaded from the open data page (its sha256 shown there), run isolated with
the standard library only, against an export and the signed roots downloaded from the site."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from app.core.i18n import VN_TZ
from app.transparency import opendata, verify_export
from tests.transparency.conftest import give


def _published(session, kh) -> None:  # type: ignore[no-untyped-def]
    c = kh["campaign"]
    give(session, c, 50_000_000, name="Nguyễn Văn A", receiving=kh["province"])
    give(session, c, 20_000_000, name="Công ty Đường Biên Hòa", receiving=kh["khanh_son"])
    give(session, c, 500_000, name="=HYPERLINK(1)", receiving=kh["cam_lam"])  # neutralised in the CSV
    opendata.publish_daily_root(session, datetime.now(VN_TZ).date())
    session.commit()


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    # -I: isolated (no PYTHON* variables, no user site, not the current directory first); -S: no site-packages,
    # so only the standard library can be imported.
    return subprocess.run(
        [sys.executable, "-I", "-S", "verify_export.py", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_script_downloads_with_the_sha256_shown_and_verifies_an_export_isolated(
    client, session, kh, tmp_path
):
    _published(session, kh)
    page = client.get("/cong-khai/du-lieu").get_data(as_text=True)
    shown = re.search(r'id="verifier-sha256">([0-9a-f]{64})<', page).group(1)
    script = client.get("/cong-khai/du-lieu/verify_export.py")
    assert script.status_code == 200
    assert "attachment" in script.headers["Content-Disposition"]
    assert hashlib.sha256(script.data).hexdigest() == shown
    assert "python3 verify_export.py dong-gop.csv goc-cong-bo-da-ky.json --khoa khoa-cong-khai.pem" in page

    (tmp_path / "verify_export.py").write_bytes(script.data)
    (tmp_path / "dong-gop.csv").write_bytes(client.get("/cong-khai/du-lieu/dong-gop.csv").data)
    (tmp_path / "goc.json").write_bytes(client.get("/cong-khai/du-lieu/goc-cong-bo-da-ky.json").data)
    (tmp_path / "khoa.pem").write_bytes(client.get("/cong-khai/khoa-cong-khai.pem").data)

    ok = _run(tmp_path, "dong-gop.csv", "goc.json", "--khoa", "khoa.pem")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Chữ ký: ĐÚNG" in ok.stdout and "1 ngày khớp, 0 ngày không khớp" in ok.stdout

    # One row altered in the downloaded file: that day fails, with a message saying why.
    text = (tmp_path / "dong-gop.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    amount = rows[0].index("so_tien_vnd")
    rows[1][amount] = str(int(rows[1][amount]) + 1_000_000)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (tmp_path / "sua.csv").write_text(out.getvalue(), encoding="utf-8")
    bad = _run(tmp_path, "sua.csv", "goc.json", "--khoa", "khoa.pem")
    assert bad.returncode == 1
    assert "SAI – dữ liệu khác với bản đã công bố (có dòng bị sửa)" in bad.stdout
    assert "0 ngày khớp, 1 ngày không khớp" in bad.stdout


def test_signed_roots_verify_with_the_public_key_shown_and_fail_when_altered(client, session, kh, tmp_path):
    _published(session, kh)
    accounts = client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    pem = re.search(r"(-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----)", accounts, re.S).group(1)
    key = load_pem_public_key(pem.encode())
    assert client.get("/cong-khai/khoa-cong-khai.pem").get_data(as_text=True).strip() == pem.strip()

    document = client.get("/cong-khai/du-lieu/goc-cong-bo-da-ky.json").get_json()
    assert document["roots"] and document["signature"]["algorithm"] == "Ed25519"
    signature = base64.b64decode(document["signature"]["value"])
    key.verify(signature, verify_export.signed_message(document))  # raises when it does not verify

    altered = json.loads(json.dumps(document))
    altered["roots"][0]["total_vnd"] += 1
    try:
        key.verify(signature, verify_export.signed_message(altered))
        raise AssertionError("an altered roots file still verifies")
    except InvalidSignature:
        pass

    # The standalone script's own Ed25519 check agrees, both ways.
    raw = verify_export.read_public_key(pem)
    assert verify_export.check_signature(document, raw) is None
    assert "KHÔNG hợp lệ" in verify_export.check_signature(altered, raw)
    (tmp_path / "verify_export.py").write_bytes(client.get("/cong-khai/du-lieu/verify_export.py").data)
    (tmp_path / "dong-gop.csv").write_bytes(client.get("/cong-khai/du-lieu/dong-gop.csv").data)
    (tmp_path / "goc.json").write_text(json.dumps(altered, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "khoa.pem").write_text(pem, encoding="utf-8")
    run = _run(tmp_path, "dong-gop.csv", "goc.json", "--khoa", "khoa.pem")
    assert run.returncode == 1 and "Chữ ký: SAI" in run.stdout


def test_the_roots_are_signed_with_the_certificate_signing_key(app, client, session, kh):
    from app.certificates.signing import public_key_pem

    _published(session, kh)
    document = client.get("/cong-khai/du-lieu/goc-cong-bo-da-ky.json").get_json()
    assert verify_export.read_public_key(public_key_pem()) == base64.b64decode(
        document["signature"]["public_key"]
    )
    fingerprint = opendata.public_key_fingerprint()
    assert fingerprint in client.get("/cong-khai/tai-khoan").get_data(as_text=True)
    assert fingerprint in client.get("/cong-khai/du-lieu").get_data(as_text=True)
