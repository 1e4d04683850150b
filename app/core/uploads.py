"""Uploaded files: type sniffed from content, size and decompression limits, stored outside static."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MAX_SPREADSHEET_BYTES = 20 * 1024 * 1024
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # all members together
MAX_XLSX_RATIO = 100  # uncompressed/compressed: beyond this it is a zip bomb, not a spreadsheet


class UploadError(ValueError):
    """A refused upload; the message is Vietnamese and names the problem."""


@dataclass(frozen=True)
class StoredUpload:
    kind: str  # csv | xlsx | png | jpeg
    path: Path
    sha256: str
    size: int
    original_name: str


def sniff_kind(data: bytes) -> str:
    """Tell the file's type from its bytes, never from its name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise UploadError("Tệp bị hỏng: không đọc được nội dung nén.") from exc
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise UploadError("Tệp nén này không phải bảng tính Excel (.xlsx).")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError("Tệp Excel đời cũ (.xls) chưa được hỗ trợ: vui lòng lưu lại dưới dạng .xlsx hoặc .csv.")
    if data.startswith(b"%PDF"):
        raise UploadError("Tệp PDF không phải bảng tính: vui lòng tải lên tệp .xlsx hoặc .csv.")
    head = data[:65536]
    if b"\x00" in head:
        raise UploadError("Tệp không phải bảng tính hay văn bản (có dữ liệu nhị phân).")
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            head.decode(encoding)
            return "csv"
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 64 KiB boundary is fine.
            if encoding == "utf-8-sig" and exc.start >= len(head) - 4:
                return "csv"
    raise UploadError("Tệp không đọc được dưới dạng văn bản UTF-8.")


def check_xlsx_safe(data: bytes) -> None:
    """Refuse XLSX zip bombs before openpyxl inflates them."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        total = sum(i.file_size for i in zf.infolist())
        packed = sum(i.compress_size for i in zf.infolist()) or 1
    if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
        raise UploadError("Tệp Excel có nội dung giải nén quá lớn (nghi là tệp độc hại); không xử lý.")


def read_upload(file_storage, *, allowed: tuple[str, ...], max_bytes: int | None = None) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """Read a Werkzeug FileStorage, check size and type; returns (kind, bytes)."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise UploadError("Chưa chọn tệp để tải lên.")
    limit = max_bytes or (MAX_IMAGE_BYTES if set(allowed) <= {"png", "jpeg"} else MAX_SPREADSHEET_BYTES)
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"Tệp quá lớn (tối đa {limit // (1024 * 1024)} MB).")
    if not data.strip():
        raise UploadError("Tệp rỗng.")
    kind = sniff_kind(data)
    if kind not in allowed:
        names = {"csv": "CSV", "xlsx": "Excel .xlsx", "png": "ảnh PNG", "jpeg": "ảnh JPEG"}
        raise UploadError("Loại tệp không được chấp nhận; chỉ nhận: " + ", ".join(names[a] for a in allowed) + ".")
    if kind == "xlsx":
        check_xlsx_safe(data)
    return kind, data


def store_bytes(data: bytes, kind: str, original_name: str, subdir: str) -> StoredUpload:
    """Keep an upload for audit under UPLOAD_DIR with a random name; the user's filename is only metadata."""
    root = Path(current_app.config["UPLOAD_DIR"]) / subdir
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{uuid.uuid4().hex}.{kind}"
    path.write_bytes(data)
    safe_name = "".join(ch for ch in (original_name or "")[:200] if ch.isprintable() and ch not in "/\\")
    return StoredUpload(kind=kind, path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                        original_name=safe_name)
