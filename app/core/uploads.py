"""Uploaded files: type sniffed from content, size and decompression limits, stored outside static."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import uuid
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from app.core.messages import N_

MAX_SPREADSHEET_BYTES = 20 * 1024 * 1024
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_PDF_BYTES = 15 * 1024 * 1024  # a scanned phiếu chi or biên bản of a few pages
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # all members together
MAX_XLSX_RATIO = 100  # uncompressed/compressed: beyond this it is a zip bomb, not a spreadsheet
MAX_XLSX_MEMBERS = 2000  # a real workbook has a few dozen parts
MAX_XLSX_ROWS = 200_000  # per sheet, as declared by the sheet's <dimension> and as read
MAX_COLUMNS = 200  # of any spreadsheet (CSV or XLSX) an import reads: a real one has a few dozen at most
MAX_XLSX_COLUMNS = MAX_COLUMNS
MAX_CSV_LINE_CHARS = 64 * 1024  # one line of a real CSV is a few hundred characters
MAX_CSV_ROWS = 500_000
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: any phone photo, not a decompression bomb
MAX_FILENAME_CHARS = 200


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
        except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as exc:
            raise UploadError(N_("Tệp bị hỏng: không đọc được nội dung nén.")) from exc
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise UploadError(N_("Tệp nén này không phải bảng tính Excel (.xlsx)."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError(
            N_("Tệp Excel đời cũ (.xls) chưa được hỗ trợ: vui lòng lưu lại dưới dạng .xlsx hoặc .csv.")
        )
    if data.startswith(b"%PDF"):
        raise UploadError(N_("Tệp PDF không phải bảng tính: vui lòng tải lên tệp .xlsx hoặc .csv."))
    head = data[:65536]
    if b"\x00" in head:
        raise UploadError(N_("Tệp không phải bảng tính hay văn bản (có dữ liệu nhị phân)."))
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            head.decode(encoding)
            return "csv"
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the 64 KiB boundary is fine.
            if encoding == "utf-8-sig" and exc.start >= len(head) - 4:
                return "csv"
    raise UploadError(N_("Tệp không đọc được dưới dạng văn bản UTF-8."))


def check_xlsx_safe(data: bytes) -> None:
    """Refuse XLSX zip bombs before openpyxl inflates them.

    The sizes checked are the ones declared in the zip directory; Python's zipfile never inflates a
    member beyond its declared size (and checks its CRC), so a lying header cannot get past this.
    """
    bomb = "Tệp Excel có nội dung giải nén quá lớn (nghi là tệp độc hại); không xử lý."
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UploadError(N_("Tệp Excel bị hỏng: không đọc được nội dung nén.")) from exc
    if len(infos) > MAX_XLSX_MEMBERS:
        raise UploadError(
            N_("Tệp Excel có quá nhiều thành phần bên trong (nghi là tệp độc hại); không xử lý.")
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
        raise UploadError(bomb)
    for info in infos:  # one huge member hidden among small ones
        if info.file_size > 1024 * 1024 and info.file_size / max(info.compress_size, 1) > MAX_XLSX_RATIO:
            raise UploadError(bomb)
        if info.flag_bits & 0x1:
            raise UploadError(N_("Tệp Excel được đặt mật khẩu: vui lòng bỏ mật khẩu rồi tải lên lại."))
    _check_xlsx_dimensions(data)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension[^>]*\sref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


# A document type declaration is where XXE and entity expansion ("billion laughs") live; Excel never writes one.
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_xlsx_dimensions(data: bytes) -> None:
    """Refuse sheets that declare more rows or columns than an import could sensibly hold, and any XML part
    that opens with a DTD. (A DTD hidden further in is still refused: openpyxl parses through defusedxml,
    and iter_xlsx_rows turns its refusal into an UploadError.)"""
    heads = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as fh:
                        head = fh.read(4096)
                    if _DTD.search(head):
                        raise UploadError(
                            N_(
                                "Tệp Excel có khai báo DOCTYPE/ENTITY (dấu hiệu tệp độc hại, ví dụ tấn công XXE); "
                                "không xử lý. Hãy mở tệp bằng Excel, lưu lại dưới dạng .xlsx rồi tải lên."
                            )
                        )
                    if info.filename.startswith("xl/worksheets/"):
                        heads.append(head)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        if isinstance(exc, UploadError):
            raise
        # includes zipfile's own "Overlapped entries (possible zip bomb)" detection
        raise UploadError(N_("Tệp Excel bị hỏng hoặc có cấu trúc nén bất thường; không xử lý.")) from exc
    for head in heads:
        m = _DIMENSION.search(head)
        if not m or not m.group(3):
            continue
        rows, cols = int(m.group(4)), _column_number(m.group(3))
        if rows > MAX_XLSX_ROWS or cols > MAX_XLSX_COLUMNS:
            raise UploadError(
                N_(
                    "Bảng tính quá lớn: %(rows)s dòng × %(columns)s cột (tối đa %(max_rows)s dòng, %(max_columns)s "
                    "cột). Vui lòng tách thành nhiều tệp.",
                    rows=_dots(rows),
                    columns=cols,
                    max_rows=_dots(MAX_XLSX_ROWS),
                    max_columns=MAX_XLSX_COLUMNS,
                )
            )


DAMAGED_XLSX = N_("Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx.")


def _dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def too_many_columns(line: int, columns: int, max_columns: int = MAX_COLUMNS) -> str:
    """The one message for a row wider than any real import (CSV or XLSX, every importer)."""
    return N_(
        "Dòng %(row)s: có %(columns)s cột, nhiều hơn mức tối đa %(max_columns)s cột. Tệp có đúng là bảng tính cần "
        "nhập không?",
        row=line,
        columns=_dots(columns),
        max_columns=max_columns,
    )


def iter_xlsx_rows(
    data: bytes, *, max_rows: int = MAX_XLSX_ROWS, max_columns: int = MAX_XLSX_COLUMNS
) -> Iterator[tuple[Any, ...]]:
    """Rows (tuples of cell values) of the first sheet, read-only, refusing sheets beyond the limits
    even when the file's declared dimension lies.

    openpyxl reads a read-only sheet lazily, so a damaged or hostile part (broken XML, a DTD that defusedxml
    refuses) can fail in the middle of the rows: every such failure becomes an UploadError too."""
    from openpyxl import load_workbook

    check_xlsx_safe(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise UploadError(DAMAGED_XLSX) from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        n = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - XML, defusedxml and value errors of a damaged sheet
                raise UploadError(
                    N_("%(problem)s (lỗi ở sau dòng %(n)s)", problem=DAMAGED_XLSX, n=n)
                ) from exc
            n += 1
            if n > max_rows:
                raise UploadError(
                    N_("Bảng tính có hơn %(n)s dòng; vui lòng tách thành nhiều tệp.", n=_dots(max_rows))
                )
            if len(row) > max_columns:
                raise UploadError(too_many_columns(n, len(row), max_columns))
            yield row
    finally:
        wb.close()


def iter_csv_rows(
    lines: str | Iterable[str], *, delimiter: str = ",", max_columns: int = MAX_COLUMNS
) -> Iterator[list[Any]]:
    """csv.reader over `lines` (text or an iterable of lines), refusing rows wider than max_columns and turning
    the csv module's errors (a field over its size limit, a stray quote in strict mode) into UploadError."""
    reader = csv.reader(io.StringIO(lines) if isinstance(lines, str) else lines, delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UploadError(
                N_(
                    "Tệp CSV không đọc được ở dòng %(n)s: một ô quá dài hoặc sai dấu ngoặc kép.",
                    n=reader.line_num,
                )
            ) from exc
        if len(row) > max_columns:
            raise UploadError(too_many_columns(reader.line_num, len(row), max_columns))
        yield row


def decode_csv(data: bytes, *, max_line_chars: int = MAX_CSV_LINE_CHARS, max_rows: int = MAX_CSV_ROWS) -> str:
    """CSV bytes as text (UTF-8 with or without BOM, else Windows-1258), refusing absurdly long lines
    or too many rows before any parser sees them."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError as exc:
            raise UploadError(N_("Tệp CSV không đọc được: hãy lưu dưới dạng “CSV UTF-8”.")) from exc
    if "\x00" in text:
        raise UploadError(N_("Tệp CSV có ký tự không hợp lệ (dữ liệu nhị phân)."))
    rows = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if len(line) > max_line_chars:
            raise UploadError(
                N_(
                    "Dòng %(row)s của tệp CSV dài bất thường (%(length)s ký tự; tối đa %(max_length)s). Tệp có đúng "
                    "là bảng tính CSV không?",
                    row=n,
                    length=_dots(len(line)),
                    max_length=_dots(max_line_chars),
                )
            )
        rows = n
    if rows > max_rows:
        raise UploadError(
            N_(
                "Tệp CSV có %(rows)s dòng, nhiều hơn mức tối đa %(max_rows)s; vui lòng tách tệp.",
                rows=_dots(rows),
                max_rows=_dots(max_rows),
            )
        )
    return unicodedata.normalize("NFC", text)


def check_image_safe(data: bytes, kind: str) -> tuple[int, int]:
    """Decode the image's header with Pillow: it must really be a PNG/JPEG of sane dimensions."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt, (width, height) = img.format, img.size
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise UploadError(N_("Tệp ảnh bị hỏng hoặc không phải ảnh PNG/JPEG thật.")) from exc
    if (fmt or "").lower() != kind:
        raise UploadError(N_("Tệp ảnh bị hỏng hoặc không phải ảnh PNG/JPEG thật."))
    if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
        raise UploadError(
            N_(
                "Ảnh có kích thước bất thường (%(width)s×%(height)s điểm ảnh); tối đa %(max)s triệu điểm ảnh.",
                width=width,
                height=height,
                max=MAX_IMAGE_PIXELS // 1_000_000,
            )
        )
    return width, height


def safe_filename(name: str | None) -> str:
    """The user's filename reduced to something safe to show and log: no directories, no control or
    bidirectional characters, NFC, at most MAX_FILENAME_CHARS. Never used to build a path."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if ch.isprintable() and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
    )
    name = name.strip(" .")
    return name[:MAX_FILENAME_CHARS] or "tep-tai-len"


def read_upload(
    file_storage: Any, *, allowed: tuple[str, ...], max_bytes: int | None = None
) -> tuple[str, bytes]:
    """Read a Werkzeug FileStorage, check size and type; returns (kind, bytes)."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise UploadError(N_("Chưa chọn tệp để tải lên."))
    limit = max_bytes or (MAX_IMAGE_BYTES if set(allowed) <= {"png", "jpeg"} else MAX_SPREADSHEET_BYTES)
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(N_("Tệp quá lớn (tối đa %(mb)s MB).", mb=limit // (1024 * 1024)))
    if not data.strip():
        raise UploadError(N_("Tệp rỗng."))
    kind = sniff_kind(data)
    if kind not in allowed:
        names = {"csv": "CSV", "xlsx": "Excel .xlsx", "png": "ảnh PNG", "jpeg": "ảnh JPEG"}
        raise UploadError(
            N_(
                "Loại tệp không được chấp nhận; chỉ nhận: %(kinds)s.",
                kinds=", ".join(names[a] for a in allowed),
            )
        )
    if kind == "xlsx":
        check_xlsx_safe(data)
    elif kind in ("png", "jpeg"):
        check_image_safe(data, kind)
    return kind, data


def store_bytes(data: bytes, kind: str, original_name: str, subdir: str) -> StoredUpload:
    """Keep an upload for audit under UPLOAD_DIR with a random name; the user's filename is only metadata."""
    # subdir and kind come from our code, never from the user; refuse anything that could leave UPLOAD_DIR.
    if kind not in ("csv", "xlsx", "png", "jpeg", "pdf") or not all(
        re.fullmatch(r"[a-z0-9_-]+", p) for p in subdir.split("/")
    ):
        raise ValueError(f"store_bytes: unexpected kind {kind!r} or subdir {subdir!r}")
    root = Path(current_app.config["UPLOAD_DIR"]) / subdir
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{uuid.uuid4().hex}.{kind}"
    path.write_bytes(data)
    return StoredUpload(
        kind=kind,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        original_name=safe_filename(original_name),
    )


# Metadata Pillow reads into Image.info that can locate or identify a photo's author: EXIF (GPS, camera make and
# model, serial numbers, time), XMP, the ICC profile (its description can name a device), comments and PNG text.
_METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop")


def image_has_metadata(data: bytes) -> bool:
    """Whether a stored PNG/JPEG carries any metadata (EXIF, XMP, ICC, comments, text chunks): reads the header only."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        if any(k in img.info for k in _METADATA_KEYS):
            return True
        if len(img.getexif()):
            return True
        return bool(getattr(img, "text", None))


def strip_image_metadata(data: bytes, kind: str) -> bytes:
    """Re-encode a PNG/JPEG with every metadata block dropped: the EXIF orientation is applied to the pixels
    first (so the photo stays upright), then only the pixels are copied into a new image (no EXIF with its GPS
    position and camera tags, no XMP, ICC profile, comments or PNG text) and saved in the same format."""
    from PIL import Image, ImageOps

    if kind not in ("png", "jpeg"):
        raise ValueError(f"strip_image_metadata: not an image kind {kind!r}")
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        upright = ImageOps.exif_transpose(img) or img
        if kind == "jpeg":
            wanted = "L" if upright.mode in ("L", "1") else "RGB"
        else:
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            wanted = "RGBA" if has_alpha else ("L" if upright.mode in ("L", "1") else "RGB")
        pixels = upright.convert(wanted) if upright.mode != wanted else upright
        clean = Image.frombytes(wanted, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "jpeg":
        clean.save(out, format="JPEG", quality=88, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def read_proof_upload(file_storage: Any) -> tuple[str, bytes]:
    """A proof document: a PNG/JPEG (checked, then re-encoded without metadata) or a PDF (kept byte for byte:
    it is never public). The type is told by the content, never by the filename."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise UploadError(N_("Chưa chọn tệp để tải lên."))
    data = file_storage.stream.read(MAX_PDF_BYTES + 1)
    if data.startswith(b"%PDF-"):
        if len(data) > MAX_PDF_BYTES:
            raise UploadError(N_("Tệp PDF quá lớn (tối đa %(mb)s MB).", mb=MAX_PDF_BYTES // (1024 * 1024)))
        if b"%%EOF" not in data[-2048:]:
            raise UploadError(N_("Tệp PDF bị hỏng hoặc chưa tải lên hết."))
        return "pdf", data
    if len(data) > MAX_IMAGE_BYTES:
        raise UploadError(N_("Tệp quá lớn (tối đa %(mb)s MB).", mb=MAX_IMAGE_BYTES // (1024 * 1024)))
    if not data.strip():
        raise UploadError(N_("Tệp rỗng."))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    else:
        raise UploadError(N_("Loại tệp không được chấp nhận; chỉ nhận: ảnh PNG, ảnh JPEG, PDF."))
    check_image_safe(data, kind)
    return kind, strip_image_metadata(data, kind)
