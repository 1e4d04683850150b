"""Spreadsheet import of the commune's list of households (CSV or XLSX): a template, a preview with errors by
row, and an all-or-nothing import. Headers are matched ignoring case and diacritics."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.core.messages import N_
from app.core.money import AmountError, parse_vnd
from app.core.spreadsheet import SafeCSVWriter, append_row
from app.core.text import fold, nfc
from app.core.uploads import UploadError, decode_csv, iter_csv_rows, iter_xlsx_rows
from app.needs import crypto
from app.needs.models import ImportStatus, NeedImportBatch, NeedKind, PovertyStatus, SourceKind
from app.needs.registry import NeedError, NeedInput, SourceInput, clean_input, create_need
from app.units.services import find_hamlet

MAX_ROWS = 5000

# (key, header shown in the template, example)
COLUMNS = [
    ("head_name", "Họ tên chủ hộ", "Nguyễn Văn An"),
    ("citizen_id", "Số CCCD", "056080001234"),
    ("phone", "Số điện thoại", "0905123456"),
    ("address", "Địa chỉ cụ thể", "Số 5, tổ 2"),
    ("hamlet", "Thôn/tổ dân phố", "Thôn Tà Lương"),
    ("household_size", "Số nhân khẩu", "4"),
    ("poverty_status", "Diện hộ", "nghèo"),
    ("merit_family", "Gia đình có công", ""),
    ("ethnic_minority", "Dân tộc thiểu số", "x"),
    ("elderly_alone", "Người cao tuổi sống một mình", ""),
    ("disability", "Có người khuyết tật", ""),
    ("single_parent", "Đơn thân nuôi con", ""),
    ("need_kind", "Nội dung hỗ trợ", "xây mới"),
    ("estimated_cost", "Dự toán (đồng)", "90.000.000"),
    ("state_vnd", "Nguồn Nhà nước (đồng)", "20.000.000"),
    ("own_vnd", "Hộ tự có (đồng)", "10.000.000"),
    ("sponsor_vnd", "Nhà tài trợ khác (đồng)", ""),
    ("sponsor_name", "Tên nhà tài trợ khác", ""),
    ("requested", "Đề nghị Quỹ hỗ trợ (đồng)", "60.000.000"),
    ("situation", "Hiện trạng, hoàn cảnh", "Nhà tạm vách tre, mái tôn thủng"),
]
HEADER_KEYS = {fold(header): key for key, header, _ in COLUMNS}
REQUIRED_COLUMNS = ("head_name", "poverty_status", "need_kind", "estimated_cost", "requested")

POVERTY_WORDS = {
    "ngheo": PovertyStatus.POOR,
    "ho ngheo": PovertyStatus.POOR,
    "poor": PovertyStatus.POOR,
    "can ngheo": PovertyStatus.NEAR_POOR,
    "ho can ngheo": PovertyStatus.NEAR_POOR,
    "near_poor": PovertyStatus.NEAR_POOR,
    "kho khan": PovertyStatus.SPECIAL_HARDSHIP,
    "dac biet kho khan": PovertyStatus.SPECIAL_HARDSHIP,
    "hoan canh dac biet kho khan": PovertyStatus.SPECIAL_HARDSHIP,
    "special_hardship": PovertyStatus.SPECIAL_HARDSHIP,
}
KIND_WORDS = {
    "xay moi": NeedKind.NEW_HOUSE,
    "xay moi nha": NeedKind.NEW_HOUSE,
    "new_house": NeedKind.NEW_HOUSE,
    "sua chua": NeedKind.REPAIR,
    "sua nha": NeedKind.REPAIR,
    "sua chua nha": NeedKind.REPAIR,
    "repair": NeedKind.REPAIR,
    "sinh ke": NeedKind.LIVELIHOOD,
    "livelihood": NeedKind.LIVELIHOOD,
    "hoc tap": NeedKind.EDUCATION,
    "education": NeedKind.EDUCATION,
    "y te": NeedKind.HEALTH,
    "health": NeedKind.HEALTH,
}
YES = {"x", "co", "1", "yes", "true", "v", "✓", "c"}
NO = {"", "khong", "0", "no", "false", "k"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (no header, a missing column, too many rows)."""


@dataclass
class RowResult:
    line: int  # the spreadsheet's row number (the header is row 1)
    values: dict
    data: NeedInput | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def masked_citizen_id(self) -> str:
        return crypto.mask(str(self.values.get("citizen_id") or ""))


def template_csv() -> bytes:
    out = io.StringIO()
    writer = SafeCSVWriter(out)
    writer.writerow([h for _, h, _ in COLUMNS])
    writer.writerow([e for _, _, e in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sach ho"
    append_row(ws, [h for _, h, _ in COLUMNS])
    append_row(ws, [e for _, _, e in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rows(kind: str, data: bytes) -> list[list]:
    """Every row of the file through the shared safe readers (zip bombs, DTDs, damaged XML, absurd widths and
    lines refused with a Vietnamese message). read_rows counts the data rows against MAX_ROWS."""
    try:
        if kind == "xlsx":
            return [list(r) for r in iter_xlsx_rows(data)]
        text = decode_csv(data)
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        return list(iter_csv_rows(text, delimiter=delimiter))
    except UploadError as exc:
        raise ImportFileError(*exc.args) from exc


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return nfc(str(v)) or ""


def read_rows(kind: str, data: bytes) -> list[tuple[int, dict]]:
    rows = _rows(kind, data)
    while rows and not any(_cell(c) for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise ImportFileError(N_("Tệp không có dòng tiêu đề."))
    header = [HEADER_KEYS.get(fold(_cell(c))) for c in rows[0]]
    unknown = [_cell(c) for c, k in zip(rows[0], header, strict=True) if k is None and _cell(c)]
    missing = [h for key, h, _ in COLUMNS if key in REQUIRED_COLUMNS and key not in header]
    if missing:
        raise ImportFileError(N_("Thiếu cột: %(columns)s. Hãy dùng tệp mẫu.", columns=", ".join(missing)))
    if unknown:
        raise ImportFileError(
            N_("Cột không nhận ra: %(columns)s. Hãy dùng tệp mẫu.", columns=", ".join(unknown))
        )
    out = []
    for offset, row in enumerate(rows[1:], start=2):
        values = {k: _cell(v) for k, v in zip(header, row, strict=False) if k}
        if not any(values.values()):
            continue
        out.append((offset, values))
    if len(out) > MAX_ROWS:
        raise ImportFileError(
            N_("Tệp có %(n)s dòng; tối đa %(max)s dòng mỗi lần nhập.", n=len(out), max=MAX_ROWS)
        )
    if not out:
        raise ImportFileError(N_("Tệp không có dòng dữ liệu nào."))
    return out


def _flag(values: dict, key: str, label: str, errors: list[str]) -> bool:
    v = fold(values.get(key, ""))
    if v in YES:
        return True
    if v not in NO:
        errors.append(
            N_(
                "%(field)s: ghi “x” nếu có, để trống nếu không (đang ghi “%(value)s”).",
                field=label,
                value=values.get(key),
            )
        )
    return False


def _amount(values: dict, key: str, label: str, errors: list[str], required: bool) -> int:
    raw = values.get(key, "")
    if not raw:
        if required:
            errors.append(N_("%(field)s: chưa nhập.", field=label))
        return 0
    try:
        return parse_vnd(raw, field=label)
    except AmountError as exc:
        errors.append(exc.args[0] if len(exc.args) == 1 else str(exc))  # an N_ message: translated when shown
        return 0


def check_rows(
    session: Session, campaign: Campaign, commune_id: int, kind: str, data: bytes
) -> list[RowResult]:
    """Parse and validate every row against the registry (as the form would), without saving anything."""
    results = []
    seen_ids: dict[str, int] = {}
    for line, values in read_rows(kind, data):
        errors: list[str] = []
        labels = {key: header for key, header, _ in COLUMNS}
        poverty = POVERTY_WORDS.get(fold(values.get("poverty_status", "")))
        if poverty is None:
            errors.append(
                N_(
                    "Diện hộ: “%(value)s” không hợp lệ (nghèo, cận nghèo, khó khăn).",
                    value=values.get("poverty_status", ""),
                )
            )
        need_kind = KIND_WORDS.get(fold(values.get("need_kind", "")))
        if need_kind is None:
            errors.append(
                N_(
                    "Nội dung hỗ trợ: “%(value)s” không hợp lệ (xây mới, sửa chữa, sinh kế, học tập, y tế).",
                    value=values.get("need_kind", ""),
                )
            )
        hamlet_id = None
        if values.get("hamlet"):
            hamlet = find_hamlet(session, commune_id, values["hamlet"])
            if hamlet is None:
                errors.append(
                    N_(
                        "Thôn/tổ dân phố: “%(value)s” chưa có trong danh sách thôn của xã.",
                        value=values["hamlet"],
                    )
                )
            else:
                hamlet_id = hamlet.id
        size_raw = values.get("household_size", "") or "1"
        size = int(size_raw) if size_raw.isdecimal() else 0
        flags = {
            k: _flag(values, k, labels[k], errors)
            for k in ("merit_family", "ethnic_minority", "elderly_alone", "disability", "single_parent")
        }
        cost = _amount(values, "estimated_cost", "Dự toán", errors, True)
        requested = _amount(values, "requested", "Đề nghị Quỹ hỗ trợ", errors, True)
        sources = []
        for key, skind, name in (
            ("state_vnd", SourceKind.STATE, "Chương trình của Nhà nước"),
            ("own_vnd", SourceKind.OWN, "Hộ tự có"),
            ("sponsor_vnd", SourceKind.SPONSOR, values.get("sponsor_name", "")),
        ):
            amount = _amount(values, key, labels[key], errors, False)
            if amount:
                sources.append(SourceInput(skind, name, amount))
        data_in = NeedInput(
            commune_id=commune_id,
            head_name=values.get("head_name", ""),
            poverty_status=poverty or PovertyStatus.POOR,
            need_kind=need_kind or NeedKind.NEW_HOUSE,
            estimated_cost_vnd=cost or 1,
            requested_vnd=requested or 1,
            hamlet_id=hamlet_id,
            citizen_id=values.get("citizen_id") or None,
            phone=values.get("phone") or None,
            address=values.get("address") or None,
            household_size=size,
            situation=values.get("situation", ""),
            sources=sources,
            limit_override_reason="",  # a request above the program's limit is entered on the form, with its reason
            poverty_list_year=None,
            **flags,
        )
        cleaned, more = clean_input(session, data_in, campaign_id=campaign.id)
        if not (cost and requested):  # already reported; the placeholder amounts say nothing more
            more = [e for e in more if not e.startswith(("Dự toán", "Đề nghị"))]
        errors += more
        if cleaned.citizen_id and not any(e.startswith("Số CCCD") for e in errors):
            if cleaned.citizen_id in seen_ids:
                errors.append(
                    N_("Số CCCD: trùng với dòng %(row)s trong tệp.", row=seen_ids[cleaned.citizen_id])
                )
            seen_ids.setdefault(cleaned.citizen_id, line)
        results.append(RowResult(line=line, values=values, data=cleaned, errors=errors))
    return results


def import_rows(
    session: Session, actor: Actor, campaign: Campaign, commune_id: int, kind: str, data: bytes, batch_id: int
) -> int:
    """Import every row or none: any error raises NeedError before anything is flushed."""
    results = check_rows(session, campaign, commune_id, kind, data)
    bad = [r for r in results if r.errors]
    if bad:
        first = bad[0]
        raise NeedError(
            N_(
                "Tệp còn %(n)s dòng lỗi, chưa nhập dòng nào. Dòng %(line)s: %(error)s",
                n=len(bad),
                line=first.line,
                error=first.errors[0],
            )
        )
    for r in results:
        assert r.data is not None
        create_need(session, actor, campaign, r.data, import_batch_id=batch_id)
    return len(results)


def keep_upload(
    session: Session,
    campaign: Campaign,
    commune_id: int,
    kind: str,
    data: bytes,
    filename: str,
    *,
    created_by_id: int | None,
) -> NeedImportBatch:
    """Keep an uploaded file (under UPLOAD_DIR, for audit) as a batch to preview before importing."""
    from pathlib import Path

    from flask import current_app

    from app.core.uploads import store_bytes

    stored = store_bytes(data, kind, filename, "needs/imports")
    batch = NeedImportBatch(
        campaign_id=campaign.id,
        commune_id=commune_id,
        kind=kind,
        sha256=stored.sha256,
        path=stored.path.relative_to(Path(current_app.config["UPLOAD_DIR"])).as_posix(),
        original_name=stored.original_name,
        created_by_id=created_by_id,
    )
    session.add(batch)
    session.flush()
    return batch


def import_batch(
    session: Session, actor: Actor, campaign: Campaign, batch: NeedImportBatch, data: bytes
) -> int:
    """Import a previewed batch (every row or none) and mark it imported, with its audit entry."""
    from app.audit.services import record
    from app.core.db import utcnow

    n = import_rows(session, actor, campaign, batch.commune_id, batch.kind, data, batch.id)
    batch.status = ImportStatus.IMPORTED
    batch.row_count = n
    batch.imported_at = utcnow()
    record(
        session,
        actor,
        "need.import",
        "need_import_batch",
        batch.id,
        new={"rows": n, "sha256": batch.sha256},
        unit_id=batch.commune_id,
    )
    session.flush()
    return n


def note_preview_counts(batch: NeedImportBatch, results: list[RowResult]) -> None:
    """Keep a batch still in preview in step with what its file holds (rows, rows with errors)."""
    errors = sum(1 for r in results if r.errors)
    if batch.status == ImportStatus.PREVIEW and (batch.row_count, batch.error_count) != (
        len(results),
        errors,
    ):
        batch.row_count, batch.error_count = len(results), errors
