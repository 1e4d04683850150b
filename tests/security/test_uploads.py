"""Uploads with real malicious files built here: a zip bomb, a disguised executable, oversized files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.core.uploads import (
    UploadError,
    decode_csv,
    iter_xlsx_rows,
    read_upload,
    safe_filename,
    sniff_kind,
    store_bytes,
)

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + bytes(range(256)) * 40


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_a_real_spreadsheet_and_image_are_accepted():
    kind, data = read_upload(
        upload(xlsx_bytes([["Họ tên", "Số tiền"], ["Nguyễn Văn A", 50000]]), "x.xlsx"),
        allowed=("csv", "xlsx"),
    )
    assert kind == "xlsx"
    assert list(iter_xlsx_rows(data)) == [("Họ tên", "Số tiền"), ("Nguyễn Văn A", 50000)]
    assert read_upload(upload(png_bytes(), "anh.jpg"), allowed=("png", "jpeg"))[0] == "png"  # name ignored
    text = "Họ tên,Số tiền\nNguyễn Văn A,50.000\n".encode()
    assert read_upload(upload(text, "a.xlsx"), allowed=("csv", "xlsx"))[0] == "csv"


def test_a_zip_bomb_dressed_as_xlsx_is_refused_before_inflating():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))  # 60 MB of zeros
    bomb = buf.getvalue()
    assert len(bomb) < 200_000
    with pytest.raises(UploadError, match="giải nén quá lớn"):
        read_upload(upload(bomb, "bang-tinh.xlsx"), allowed=("csv", "xlsx"))


def test_an_xlsx_declaring_a_million_rows_or_too_many_columns_is_refused():
    wb_data = xlsx_bytes([["a", "b"], [1, 2]])
    src = zipfile.ZipFile(io.BytesIO(wb_data))
    for ref in (b"A1:B1048576", b"A1:ZZZ2"):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for info in src.infolist():
                content = src.read(info)
                if info.filename == "xl/worksheets/sheet1.xml":
                    content = content.replace(b'ref="A1:B2"', b'ref="' + ref + b'"')
                    assert ref in content
                zf.writestr(info.filename, content)
        with pytest.raises(UploadError, match="Bảng tính quá lớn"):
            read_upload(upload(out.getvalue(), "x.xlsx"), allowed=("xlsx",))


def test_rows_beyond_the_limit_are_refused_even_when_the_dimension_lies():
    data = xlsx_bytes([[i] for i in range(30)])
    with pytest.raises(UploadError, match="hơn 20 dòng"):
        list(iter_xlsx_rows(data, max_rows=20))
    with pytest.raises(UploadError, match="Dòng 1: có 5 cột"):
        list(iter_xlsx_rows(xlsx_bytes([[1, 2, 3, 4, 5]]), max_columns=4))


def test_damaged_xlsx_files_get_a_message_not_a_500():
    good = xlsx_bytes([["a", "b"], [1, 2]])
    corrupted = bytearray(good)
    start = good.index(b"xl/worksheets/sheet1.xml") + 60  # inside the deflated sheet data
    corrupted[start : start + 40] = b"\xff" * 40
    for damaged in (good[: len(good) // 2], bytes(corrupted), b"PK\x03\x04" + b"\x00" * 100):
        with pytest.raises(UploadError):
            kind, data = read_upload(upload(damaged, "x.xlsx"), allowed=("xlsx",))
            list(iter_xlsx_rows(data))


def test_a_png_named_executable_is_refused():
    with pytest.raises(UploadError, match="nhị phân|không được chấp nhận"):
        read_upload(upload(ELF, "anh-nha.png"), allowed=("png", "jpeg"))
    # An executable behind a PNG signature is caught by decoding the image header.
    with pytest.raises(UploadError, match="không phải ảnh PNG/JPEG thật"):
        read_upload(upload(b"\x89PNG\r\n\x1a\n" + ELF, "anh-nha.png"), allowed=("png", "jpeg"))
    # A JPEG signature on a PNG body: the decoder disagrees with the sniffed type.
    with pytest.raises(UploadError):
        read_upload(upload(b"\xff\xd8\xff" + png_bytes(), "anh.jpg"), allowed=("png", "jpeg"))


def test_a_decompression_bomb_image_is_refused():
    # 20000 × 20000 pixels of one colour: a tiny file that would need 1.2 GB of memory to decode.
    buf = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buf, "PNG")
    assert len(buf.getvalue()) < 1_000_000
    with pytest.raises(UploadError, match="kích thước bất thường|không phải ảnh"):
        read_upload(upload(buf.getvalue(), "anh.png"), allowed=("png",))


def test_a_50_mb_file_is_refused_without_reading_it_all():
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, n=-1):  # type: ignore[no-untyped-def]
            chunk = super().read(n)
            Counting.read_bytes += len(chunk)
            return chunk

    stream = Counting(b"a,b\n" * (50 * 1024 * 1024 // 4))
    with pytest.raises(UploadError, match="Tệp quá lớn"):
        read_upload(FileStorage(stream=stream, filename="lon.csv"), allowed=("csv",))
    assert Counting.read_bytes <= 20 * 1024 * 1024 + 1


def test_a_50_mb_request_gets_the_413_page(client):
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/dang-nhap").get_data(as_text=True))
    resp = client.post(
        "/dang-nhap",
        data={"csrf_token": token, "file": (io.BytesIO(b"\x00" * (50 * 1024 * 1024)), "lon.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413 and "quá lớn" in resp.get_data(as_text=True)


def test_csv_with_an_absurdly_long_line_or_binary_is_refused():
    with pytest.raises(UploadError, match="Dòng 2 của tệp CSV dài bất thường"):
        decode_csv(b"ho_ten,so_tien\n" + b"A" * 100_000 + b",1\n")
    with pytest.raises(UploadError, match="nhị phân"):
        sniff_kind(b"ho_ten\x00,so_tien\n")
    assert decode_csv("Nguye\u0302\u0303n,1\n".encode()) == "Nguyễn,1\n"  # NFD input comes out NFC
    assert decode_csv("Hà Nam,1\n".encode("cp1258")) == "Hà Nam,1\n"  # Windows-1258 still accepted


@pytest.mark.parametrize(
    "name,expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("bang\x00tinh\r\n.xlsx", "bangtinh.xlsx"),
        ("hoa\u202edon.exe.xlsx", "hoadon.exe.xlsx"),  # right-to-left override removed
        ("/", "tep-tai-len"),
        ("..", "tep-tai-len"),
        ("Danh sa\u0301ch.csv", "Danh sách.csv"),
        ("x" * 500 + ".csv", "x" * 200),
    ],
)
def test_filenames_are_never_trusted(name, expected):
    assert safe_filename(name) == expected


def test_stored_files_get_random_names_under_the_upload_dir(app):
    stored = store_bytes(b"a,b\n", "csv", "../../../../tmp/pwned.csv", "security-test")
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    assert stored.path.resolve().is_relative_to(root)
    assert "pwned" not in stored.path.name and stored.original_name == "pwned.csv"
    assert Path(app.static_folder).resolve() not in stored.path.resolve().parents
    for subdir in ("../outside", "/etc", "a/../../b"):
        with pytest.raises(ValueError):
            store_bytes(b"a", "csv", "x.csv", subdir)
    with pytest.raises(ValueError):
        store_bytes(b"a", "exe", "x.exe", "security-test")
