"""Check a public export of contributions against the published daily roots — one file, standard library only.

Anyone can run it without the application (Python 3.10 or later, nothing to install):

    python3 verify_export.py dong-gop.csv goc-cong-bo.json
    python3 verify_export.py dong-gop.csv goc-cong-bo-da-ky.json --khoa khoa-cong-khai.pem
    python3 verify_export.py --bao-cao bao-cao-nam-12.json --khoa khoa-cong-khai.pem   (a published annual report)

All the files come from /cong-khai/du-lieu (this script too, with its SHA-256 shown there); the public key is also
printed on /cong-khai/tai-khoan, next to the official accounts. Each published root covers the contributions
recorded since the previous one (ids first_id < id <= last_id). For every root the script rebuilds the canonical
line of each record in the export, hashes them (SHA-256 over the lines sorted by id, joined by "\\n"), and checks
that root = SHA-256(previous root ‖ records hash), and that the chain of roots is unbroken from the genesis value.
A record edited after publication changes its day's hash, so that day is reported as failed.
The full (unfiltered) export is needed: a filtered file lacks rows, and the day's count then differs.

The signed roots file (goc-cong-bo-da-ky.json) carries an Ed25519 signature over the roots: with --khoa, the
script checks it against the public key, so a copy kept anywhere proves what was published on the day it was
downloaded; an export changed later fails against that copy.
Exit status: 0 when every published day in the file verifies (and the signature, when checked), 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import csv
import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64

# The export's columns, in order. CANONICAL_FIELDS are the ones hashed (status is not: a later reversal is
# a legitimate, separately published event and must not break the day it was received).
EXPORT_COLUMNS = [
    "id",
    "ngay_nhan",
    "ten_cong_khai",
    "so_tien_vnd",
    "kenh",
    "kenh_ten",
    "muc_dich",
    "muc_dich_ten",
    "ma_dia_ban_chi_dinh",
    "dia_ban_chi_dinh",
    "ma_dia_ban",
    "dia_ban",
    "ma_dang_ky",
    "ma_giao_dich",
    "so_bien_nhan",
    "tai_khoan",
    "trang_thai",
    "ngay_cong_bo",
    "goc_ngay",
    "muoi_ten",
    "cam_ket_ten",
]
CANONICAL_FIELDS = [
    "id",
    "ngay_nhan",
    "ten_cong_khai",
    "so_tien_vnd",
    "kenh",
    "muc_dich",
    "ma_dia_ban_chi_dinh",
    "ma_dia_ban",
    "ma_dang_ky",
    "ma_giao_dich",
    "so_bien_nhan",
]


# Root formats. 1: the canonical line holds the public name itself. 2 (days published from 08/12/2026): it holds
# the name's commitment, SHA-256 of "salt\nname" (name_commitment), and the export gives the salt ("muoi_ten") and
# the commitment ("cam_ket_ten"). A name changed after its day was published (the donor erased their data, withdrew
# the publishing of their name, or two donor records were merged) loses its salt: the row keeps the commitment, so
# its day still verifies, and nobody can test a guess of the old name against it.
ROOT_FORMAT = 2


def name_commitment(salt: str, name: object) -> str:
    text = unicodedata.normalize("NFC", "" if name is None else str(name))
    return hashlib.sha256((salt + "\n" + text).encode("utf-8")).hexdigest()


def committed_name(record: Mapping[str, object]) -> str:
    """The commitment a format-2 line holds: computed from the salt and the name as published now, or, when the
    name was changed after publication (no salt any more), the commitment kept from the day it was published."""
    salt = str(record.get("muoi_ten") or "")
    return (
        name_commitment(salt, record.get("ten_cong_khai")) if salt else str(record.get("cam_ket_ten") or "")
    )


def canonical_line(record: Mapping[str, object], root_format: int = 1) -> str:
    """One record as a JSON array of strings in CANONICAL_FIELDS order (NFC, no spaces); in format 2 the public
    name's place holds its commitment."""
    values = [
        "" if record.get(k) is None else unicodedata.normalize("NFC", str(record[k]))
        for k in CANONICAL_FIELDS
    ]
    if root_format >= 2:
        values[CANONICAL_FIELDS.index("ten_cong_khai")] = committed_name(record)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def records_hash(lines: Iterable[tuple[int, str]]) -> tuple[str, int]:
    """SHA-256 over canonical lines sorted by id, joined by newlines; returns (hex digest, count)."""
    h = hashlib.sha256()
    count = 0
    for _, line in sorted(lines, key=lambda t: t[0]):
        if count:
            h.update(b"\n")
        h.update(line.encode("utf-8"))
        count += 1
    return h.hexdigest(), count


def chain(prev_root: str, day_hash: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_root) + bytes.fromhex(day_hash)).hexdigest()


@dataclass
class DayResult:
    day: str
    ok: bool
    message: str


def load_roots(path: str) -> list[dict]:
    return roots_of(load_roots_file(path))


def load_roots_file(path: str) -> dict | list:
    with open(path, encoding="utf-8-sig") as fh:
        return json.load(fh)


def roots_of(data: dict | list) -> list[dict]:
    roots = data["roots"] if isinstance(data, dict) else data
    return sorted(roots, key=lambda r: r["day"])


# ------------------------------------------------------------------------------------------- signed roots
# The signed file is the roots document plus "signature": {"algorithm": "Ed25519", "context": SIGNING_CONTEXT,
# "public_key": base64 of the 32-byte key, "value": base64 of the 64-byte signature}. The signed message is
# SIGNING_CONTEXT, a newline, then the document without "signature" as compact JSON with sorted keys (UTF-8).
SIGNING_CONTEXT = "chungtay-roots-v1"
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # DER of an Ed25519 SubjectPublicKeyInfo


def signed_message(document: Mapping[str, object], context: str = SIGNING_CONTEXT) -> bytes:
    body = {k: v for k, v in document.items() if k != "signature"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (context + "\n" + text).encode("utf-8")


def read_public_key(text: str) -> bytes:
    """The 32 raw bytes of an Ed25519 public key given as PEM (-----BEGIN PUBLIC KEY-----) or base64."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("-----")]
    try:
        raw = base64.b64decode("".join(lines), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("khóa công khai không đọc được (cần PEM hoặc base64)") from exc
    if len(raw) == 44 and raw.startswith(_ED25519_SPKI_PREFIX):
        raw = raw[len(_ED25519_SPKI_PREFIX) :]
    if len(raw) != 32:
        raise ValueError("khóa công khai không phải khóa Ed25519")
    return raw


# Ed25519 verification (RFC 8032, section 5.1.7), pure Python: slow but small, and enough for one signature.
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0) or 0
_BASE = (_GX, _GY, 1, _GX * _GY % _P)


def _add(p: tuple, q: tuple) -> tuple:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, p: tuple) -> tuple:
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _decompress(b: bytes) -> tuple | None:
    y = int.from_bytes(b, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public_key), _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    left, right = _mul(s, _BASE), _add(r, _mul(h, a))
    return (left[0] * right[2] - right[0] * left[2]) % _P == 0 and (
        left[1] * right[2] - right[1] * left[2]
    ) % _P == 0


def check_signature(document: object, public_key: bytes, context: str = SIGNING_CONTEXT) -> str | None:
    """None when the roots document (or, with ANNUAL_CONTEXT, an annual report) is signed by public_key, else what
    is wrong (in Vietnamese)."""
    if not isinstance(document, dict) or not isinstance(document.get("signature"), dict):
        return "tệp gốc công bố không có chữ ký (hãy tải tệp goc-cong-bo-da-ky.json)"
    sig = document["signature"]
    if sig.get("algorithm") != "Ed25519" or sig.get("context") != context:
        return "chữ ký không theo định dạng Ed25519 của Chung Tay"
    try:
        value = base64.b64decode(str(sig.get("value", "")), validate=True)
    except (binascii.Error, ValueError):
        return "chữ ký không đọc được"
    if not ed25519_verify(public_key, signed_message(document, context), value):
        return "chữ ký KHÔNG hợp lệ: tệp đã bị sửa sau khi ký, hoặc không phải khóa công khai của Quỹ"
    return None


# ------------------------------------------------------------------------------------------- annual reports
# A published tổng kết (/cong-khai/bao-cao-nam/<id>.json): its figures and document fields, "sha256" = SHA-256 of
# that body (without "sha256" and "signature") as compact JSON with sorted keys (UTF-8), and "signature" as for the
# roots, with the context ANNUAL_CONTEXT over the body with its sha256.
ANNUAL_CONTEXT = "chungtay-annual-report-v1"


def annual_digest(document: Mapping[str, object]) -> str:
    body = {k: v for k, v in document.items() if k not in ("signature", "sha256")}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_annual_report(document: object, public_key: bytes | None) -> str | None:
    """None when the annual report's figures hash to its sha256 (and, with a key, the signature holds)."""
    if not isinstance(document, dict) or "sha256" not in document:
        return "tệp không phải báo cáo năm đã công bố (thiếu sha256)"
    if annual_digest(document) != document["sha256"]:
        return "số liệu trong tệp khác với mã băm đã công bố (tệp đã bị sửa)"
    if public_key is None:
        return None
    if not isinstance(document.get("signature"), dict):
        return "báo cáo năm không có chữ ký"
    return check_signature(document, public_key, ANNUAL_CONTEXT)


# The CSV export protects spreadsheet users (app/core/spreadsheet.py): a cell that begins with optional quotes
# and then = + - @ tab or carriage return, which a spreadsheet would run as a formula, is written with one more
# single quote in front. restore_cell takes that quote off again, so the hashed record is the published one.
_NEUTRALISED = re.compile("^'+[=+@\t\r-]")


def restore_cell(text: str) -> str:
    return text[1:] if _NEUTRALISED.match(text) else text


def read_export(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            {k: restore_cell(v) if isinstance(v, str) else v for k, v in row.items()}
            for row in csv.DictReader(fh)
        ]


def verify(rows: Iterable[Mapping[str, str]], roots: list[dict]) -> tuple[list[DayResult], int]:
    """Results per published day present in the export, and the number of rows not yet published."""
    results: list[DayResult] = []
    prev = GENESIS
    for r in roots:  # the chain itself
        if r["prev_root"] != prev or chain(r["prev_root"], r["records_hash"]) != r["root"]:
            results.append(DayResult(r["day"], False, "chuỗi gốc công bố bị đứt hoặc bị sửa"))
        prev = r["root"]
    lasts = [int(r["last_id"]) for r in roots]
    grouped: dict[str, list[tuple[int, str]]] = {r["day"]: [] for r in roots}
    renamed: dict[str, int] = {r["day"]: 0 for r in roots}
    pending = 0
    for row in rows:
        rid = int(row["id"])
        i = bisect.bisect_left(lasts, rid)
        if i < len(roots) and int(roots[i]["first_id"]) < rid:
            root_format = int(roots[i].get("format", 1))
            grouped[roots[i]["day"]].append((rid, canonical_line(row, root_format)))
            if root_format >= 2 and not row.get("muoi_ten"):
                renamed[roots[i]["day"]] += 1
        else:
            pending += 1
    failed_days = {res.day for res in results}
    for r in roots:
        lines = grouped[r["day"]]
        if not lines and r["count"]:
            continue  # that day is not in this export
        digest, count = records_hash(lines)
        if r["day"] in failed_days:
            continue
        if count != int(r["count"]):
            results.append(
                DayResult(
                    r["day"],
                    False,
                    f"tệp có {count} dòng, đã công bố {r['count']} dòng (tệp đã lọc, hoặc dữ liệu bị thêm/xóa)",
                )
            )
        elif digest != r["records_hash"]:
            results.append(DayResult(r["day"], False, "dữ liệu khác với bản đã công bố (có dòng bị sửa)"))
        elif renamed[r["day"]]:
            results.append(
                DayResult(
                    r["day"],
                    True,
                    f"khớp {count} dòng; {renamed[r['day']]} dòng đã đổi tên công khai sau ngày công bố "
                    "(nhà hảo tâm xóa dữ liệu, rút lại đồng ý công bố tên hoặc hồ sơ được gộp): "
                    "số tiền và các trường khác vẫn khớp",
                )
            )
        else:
            results.append(DayResult(r["day"], True, f"khớp {count} dòng"))
    results.sort(key=lambda d: d.day)
    return results, pending


def report(results: list[DayResult], pending: int, out=sys.stdout) -> int:  # type: ignore[no-untyped-def]
    bad = [r for r in results if not r.ok]
    for r in results:
        print(f"{r.day}: {'ĐÚNG' if r.ok else 'SAI'} – {r.message}", file=out)
    if pending:
        print(f"{pending} dòng chưa thuộc ngày công bố nào (sẽ được công bố sau).", file=out)
    checked = [r for r in results if r.ok]
    if not results:
        print("Không có ngày công bố nào trong tệp để kiểm tra.", file=out)
        return 1
    print(f"Kết quả: {len(checked)} ngày khớp, {len(bad)} ngày không khớp.", file=out)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_export.py",
        description="Kiểm tra tệp đóng góp đã tải về với chuỗi gốc công bố hằng ngày của Quỹ “Vì người nghèo”.",
    )
    parser.add_argument(
        "dong_gop", metavar="DONG_GOP.csv", nargs="?", help="tệp dong-gop.csv tải từ /cong-khai/du-lieu"
    )
    parser.add_argument(
        "goc",
        metavar="GOC_CONG_BO.json",
        nargs="?",
        help="goc-cong-bo.json hoặc goc-cong-bo-da-ky.json (có chữ ký)",
    )
    parser.add_argument(
        "--bao-cao",
        metavar="BAO_CAO_NAM.json",
        help="kiểm tra một báo cáo năm đã công bố (/cong-khai/bao-cao-nam): mã băm số liệu, và chữ ký với --khoa",
    )
    parser.add_argument(
        "--khoa",
        metavar="KHOA.pem",
        help="khóa công khai (khoa-cong-khai.pem, in ở trang Tài khoản chính thức): kiểm tra cả chữ ký",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.bao_cao:
        return _main_annual(args.bao_cao, args.khoa)
    if not args.dong_gop or not args.goc:
        parser.error("cần DONG_GOP.csv và GOC_CONG_BO.json (hoặc --bao-cao BAO_CAO_NAM.json)")
    document = load_roots_file(args.goc)
    signature_ok = True
    if args.khoa:
        with open(args.khoa, encoding="utf-8") as fh:
            key = read_public_key(fh.read())
        problem = check_signature(document, key)
        signature_ok = problem is None
        print(f"Chữ ký: {'ĐÚNG – tệp gốc đúng như Quỹ đã ký' if signature_ok else 'SAI – ' + str(problem)}")
    elif isinstance(document, dict) and "signature" in document:
        print("Chữ ký: chưa kiểm tra (thêm --khoa khoa-cong-khai.pem để kiểm tra).")
    results, pending = verify(read_export(args.dong_gop), roots_of(document))
    status = report(results, pending)
    return status if signature_ok else 1


def _main_annual(path: str, key_path: str | None) -> int:
    document = load_roots_file(path)
    key = None
    if key_path:
        with open(key_path, encoding="utf-8") as fh:
            key = read_public_key(fh.read())
    problem = check_annual_report(document, key)
    if problem or not isinstance(document, dict):
        print(f"Báo cáo năm: SAI – {problem}")
        return 1
    signed = "mã băm và chữ ký đúng" if key else "mã băm đúng (thêm --khoa để kiểm tra chữ ký)"
    print(f"Báo cáo năm: ĐÚNG – {signed}; sha256 {document['sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
