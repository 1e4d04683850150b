"""Check a public export of contributions against the published daily roots — standalone, standard library only.

Anyone can run it without the application:

    python -m app.transparency.verify_export dong-gop.csv goc-cong-bo.json
    (or simply: python verify_export.py dong-gop.csv goc-cong-bo.json)

Both files come from /cong-khai/du-lieu. Each published root covers the contributions recorded since the
previous one (ids first_id < id <= last_id). For every root the script rebuilds the canonical line of each
record in the export, hashes them (SHA-256 over the lines sorted by id, joined by "\\n"), and checks that
root = SHA-256(previous root ‖ records hash), and that the chain of roots is unbroken from the genesis value.
A record edited after publication changes its day's hash, so that day is reported as failed.
The full (unfiltered) export is needed: a filtered file lacks rows, and the day's count then differs.
Exit status: 0 when every published day in the file verifies, 1 otherwise.
"""

from __future__ import annotations

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


def canonical_line(record: Mapping[str, object]) -> str:
    """One record as a JSON array of strings in CANONICAL_FIELDS order (NFC, no spaces)."""
    values = [
        "" if record.get(k) is None else unicodedata.normalize("NFC", str(record[k]))
        for k in CANONICAL_FIELDS
    ]
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
    with open(path, encoding="utf-8-sig") as fh:
        data = json.load(fh)
    roots = data["roots"] if isinstance(data, dict) else data
    return sorted(roots, key=lambda r: r["day"])


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
    pending = 0
    for row in rows:
        rid = int(row["id"])
        i = bisect.bisect_left(lasts, rid)
        if i < len(roots) and int(roots[i]["first_id"]) < rid:
            grouped[roots[i]["day"]].append((rid, canonical_line(row)))
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
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(
            "Cách dùng: python -m app.transparency.verify_export DONG_GOP.csv GOC_CONG_BO.json",
            file=sys.stderr,
        )
        return 2
    results, pending = verify(read_export(args[0]), load_roots(args[1]))
    return report(results, pending)


if __name__ == "__main__":
    raise SystemExit(main())
