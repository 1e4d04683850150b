"""Spreadsheet import: template, preview with errors by row, all or nothing."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.needs import importer
from app.needs.models import HouseholdNeed, NeedImportBatch, NeedStatus
from tests.conftest import csrf_from, login

HEADER = (
    "Họ tên chủ hộ,Số CCCD,Số điện thoại,Địa chỉ cụ thể,Thôn/tổ dân phố,Số nhân khẩu,Diện hộ,Gia đình có công,"
    "Dân tộc thiểu số,Người cao tuổi sống một mình,Có người khuyết tật,Đơn thân nuôi con,Nội dung hỗ trợ,"
    "Dự toán (đồng),Nguồn Nhà nước (đồng),Hộ tự có (đồng),Nhà tài trợ khác (đồng),Tên nhà tài trợ khác,"
    "Đề nghị Quỹ hỗ trợ (đồng),Hiện trạng, hoàn cảnh"
)
GOOD = [
    'Mấu Thị Hoa,056190731911,0935731911,"Số 4, tổ 1",Thôn Tà Lương,3,nghèo,,x,x,,,xây mới,"80.000.000","10.000.000","10.000.000",,,"60.000.000",Nhà tạm',
    'Cao Văn Sơn,056080731912,,,thon ta luong,5,cận nghèo,x,x,,,,sửa chữa,"40.000.000",,"10.000.000",,,"30.000.000",',
]
BAD = [
    GOOD[0],
    'Bo Bo Thị Lỗi,12345,0935731913,,Thôn Không Có,2,giàu,,,,,,xây mới,"80.000.000",,,,,"90.000.000",',
    'Katơr Văn Trùng,056190731911,,,,2,nghèo,,có,,,,sửa chữa,abc,,,,,"30.000.000",',
]


def _csv(rows: list[str]) -> bytes:
    return (
        "\ufeff"
        + HEADER.replace("Hiện trạng, hoàn cảnh", '"Hiện trạng, hoàn cảnh"')
        + "\n"
        + "\n".join(rows)
        + "\n"
    ).encode("utf-8")


def _upload(client, world, data: bytes, name: str = "ds.csv"):  # type: ignore[no-untyped-def]
    page = client.get("/can-bo/nhu-cau/nhap").get_data(as_text=True)
    return client.post(
        "/can-bo/nhu-cau/nhap",
        data={
            "csrf_token": csrf_from(page),
            "commune_id": world.khanh_son.id,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_preview_lists_errors_by_row_and_imports_nothing(client, session, world):
    login(client, world.ks_staff.email)
    resp = _upload(client, world, _csv(BAD))
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "2 dòng lỗi" in page
    assert "Dòng 3: Số CCCD phải gồm đúng 12 chữ số." in page
    assert "Dòng 3: Thôn/tổ dân phố: “Thôn Không Có” chưa có trong danh sách thôn của xã." in page
    assert "Dòng 3: Diện hộ: “giàu” không hợp lệ" in page
    assert "Dòng 3: Đề nghị Quỹ hỗ trợ: không được vượt quá dự toán" in page
    assert "Dòng 4: Dự toán: “abc” không phải số tiền hợp lệ" in page
    assert "Dòng 4: Số CCCD: trùng với dòng 2 trong tệp." in page
    assert "Dòng 2:" not in page  # the good row has no error
    assert "056190731911" not in page  # citizen IDs are masked in the preview
    assert "Nhập 3 hộ" not in page  # no confirm button while errors remain
    # The same preview in English: each row's problems in English, the values as typed (issue 16).
    english = client.get(resp.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Household category: “giàu” is not valid" in english
    assert "Citizen ID: same as row 2 of the file." in english
    assert (
        "Hamlet/residential group: “Thôn Không Có” is not on the commune&#39;s list of hamlets yet."
        in english
    )
    assert "Requested from the Fund: must not exceed the estimated cost less secured sources" in english
    assert "không hợp lệ" not in english and "trùng với dòng" not in english
    client.get(resp.headers["Location"] + "?lang=vi")
    # Forcing the confirmation anyway saves nothing.
    resp = client.post(resp.headers["Location"], data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "chưa nhập dòng nào" in resp.get_data(as_text=True)
    assert session.execute(select(func.count()).select_from(HouseholdNeed)).scalar_one() == 0


def test_good_file_imports_every_row_once(client, session, world):
    login(client, world.ks_staff.email)
    resp = _upload(client, world, _csv(GOOD))
    preview_url = resp.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "không có lỗi" in page and "Nhập 2 hộ" in page
    resp = client.post(preview_url, data={"csrf_token": csrf_from(page)})
    assert resp.status_code == 302
    needs = session.execute(select(HouseholdNeed).order_by(HouseholdNeed.id)).scalars().all()
    assert [(n.head_name, n.requested_vnd, n.secured_vnd, n.status) for n in needs] == [
        ("Mấu Thị Hoa", 60_000_000, 20_000_000, NeedStatus.PROPOSED),
        ("Cao Văn Sơn", 30_000_000, 10_000_000, NeedStatus.PROPOSED),
    ]
    assert needs[1].hamlet_id == world.hamlet.id and needs[1].merit_family and needs[0].elderly_alone
    assert needs[0].import_batch_id is not None
    # The same file again: the batch is done, and a new upload of it finds the duplicates.
    resp = client.post(preview_url, data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "đã được nhập" in resp.get_data(as_text=True)
    page = client.get(_upload(client, world, _csv(GOOD)).headers["Location"]).get_data(as_text=True)
    assert "Dòng 2: Số CCCD: hộ này đã có trong danh sách" in page
    assert session.execute(select(func.count()).select_from(HouseholdNeed)).scalar_one() == 2


def test_xlsx_template_round_trip_and_bad_files(client, session, world):
    login(client, world.ks_staff.email)
    template = client.get("/can-bo/nhu-cau/nhap/mau.xlsx")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.data))
    assert [c.value for c in wb.active[1]] == [h for _, h, _ in importer.COLUMNS]
    resp = _upload(client, world, template.data, "mau.xlsx")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    # The example row refers to a hamlet that exists here and is otherwise valid.
    assert "không có lỗi" in page, page[page.find("Dòng") :][:400]
    resp = _upload(client, world, b"%PDF-1.4 not a sheet", "ds.pdf")
    assert "Tệp: Tệp PDF không phải bảng tính" in resp.get_data(as_text=True)
    resp = _upload(client, world, "Tên,Tuổi\nA,3\n".encode(), "x.csv")
    assert "Thiếu cột: Họ tên chủ hộ" in resp.get_data(as_text=True)
    assert session.execute(select(func.count()).select_from(NeedImportBatch)).scalar_one() == 1


def test_another_communes_batch_is_not_found(client, session, world):
    login(client, world.ks_staff.email)
    location = _upload(client, world, _csv(GOOD)).headers["Location"]
    other = client.application.test_client()
    login(other, world.cl_staff.email)
    assert other.get(location).status_code == 404
