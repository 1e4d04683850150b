"""Issue 18's must-show journey, money out, through the real pages: a commune officer proposes a household, the
province approves it, matching allocates it (prepared by the province officer, approved by the approver), the
commune prepares a payout order and the approver (another person) approves it, the bank's debit naming the order
arrives by the SePay feed and marks it paid, the stage photos go up, and the public house card shows the stage and
the photo, stripped of its metadata (no EXIF: no GPS position, no camera)."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest

from tests.e2e.conftest import COMMUNE_STAFF, LIVE, PROVINCE_STAFF, Journey, login, query_live

pytestmark = pytest.mark.browser
APPROVER = "pheduyet@khanhhoa.chungtay.vn"
PAYING_ACCOUNT = "0061001234567"  # the demo's Vietcombank account of the Khánh Hòa fund
SEPAY_KEY = "sepay-e2e-money-out"


def _photo_with_exif() -> bytes:
    """A JPEG as a phone takes it: the camera's make and model and a GPS position in its EXIF."""
    from PIL import Image

    img = Image.new("RGB", (320, 240), (150, 110, 70))
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "Galaxy A15"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (12.0, 15.0, 30.0)  # 12°15'30" N: a house in Khánh Sơn
    gps[3] = "E"
    gps[4] = (108.0, 55.0, 10.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get(0x010F) == "Samsung"  # the upload does carry EXIF
    return data


@contextmanager
def _as(journey: Journey, browser, email: str, role: str) -> Iterator[Journey]:  # type: ignore[no-untyped-def]
    """Another person on their own browser (another session), same viewport; their pages are checked too."""
    context = browser.new_context(viewport=journey.page.viewport_size)  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    other = Journey(
        page=context.new_page(), base=journey.base, name=f"{journey.name}-{role}", viewport=journey.viewport
    )
    try:
        login(other, email)
        yield other
        other.assert_accessible()
    finally:
        context.close()


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


def test_money_out_from_proposal_to_public_house_card(
    journey: Journey, browser, live_server: str, viewport: str
):
    from playwright.sync_api import expect

    page = journey.page
    head = f"Hộ thử chi trả {viewport}"

    # 1. The commune officer of Khánh Sơn proposes the household (the need entry form).
    login(journey, COMMUNE_STAFF)
    journey.goto("/can-bo/nhu-cau/them")
    page.get_by_label("Họ tên chủ hộ", exact=True).fill(head)  # type: ignore[attr-defined]
    page.get_by_label("Số nhân khẩu", exact=True).fill("4")  # type: ignore[attr-defined]
    page.get_by_label("Diện hộ", exact=True).select_option("poor")  # type: ignore[attr-defined]
    page.get_by_label("Nội dung hỗ trợ", exact=True).select_option("repair")  # type: ignore[attr-defined]
    for flag in (
        "Hộ đồng bào dân tộc thiểu số",
        "Người cao tuổi sống một mình",
        "Có thành viên là người khuyết tật",
    ):
        page.get_by_label(flag, exact=True).check()  # type: ignore[attr-defined]
    page.get_by_label("Dự toán kinh phí (đồng)", exact=True).fill("45.000.000")  # type: ignore[attr-defined]
    page.get_by_label("Đề nghị Quỹ hỗ trợ (đồng)", exact=True).fill("30.000.000")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Lưu và đề xuất", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/can-bo/nhu-cau/\d+$"))  # type: ignore[attr-defined]
    journey.check("need-proposed")
    need_id = int(page.url.rsplit("/", 1)[1])  # type: ignore[attr-defined]
    need_path = f"/can-bo/nhu-cau/{need_id}"

    # 2. The province approves it (another person than the one who entered it).
    with _as(journey, browser, PROVINCE_STAFF, "province") as province:
        province.goto(need_path)
        province.page.get_by_role("button", name="Duyệt", exact=True).click()  # type: ignore[attr-defined]
        province.check("need-approved")
        assert (
            query_live("SELECT status FROM household_needs WHERE id = :i", i=need_id)[0]["status"]
            == "approved"
        )

        # 3. Matching: the province officer runs a proposal for the province and submits it ...
        province.goto("/can-bo/phan-bo/")
        province.page.get_by_role("button", name="Lập đề xuất", exact=True).click()  # type: ignore[attr-defined]
        province.check("proposal-draft")
        proposal_url = province.page.url  # type: ignore[attr-defined]
        included = query_live(
            "SELECT l.included FROM matching_proposal_lines l JOIN matching_proposals p ON p.id = l.proposal_id "
            "WHERE l.need_id = :n ORDER BY p.id DESC LIMIT 1",
            n=need_id,
        )
        assert included and included[0]["included"], "the new household was not allocated by the matching"
        province.page.get_by_role("button", name="Trình phê duyệt", exact=True).click()  # type: ignore[attr-defined]
        province.check("proposal-submitted")

    # ... and the approver approves it: the money is written to the fund books for the household.
    with _as(journey, browser, APPROVER, "approver") as approver:
        approver.page.goto(proposal_url)  # type: ignore[attr-defined]
        approver.check("proposal-to-approve")
        approver.page.once("dialog", lambda d: d.accept())  # type: ignore[attr-defined]
        approver.page.get_by_role("button", name="Phê duyệt và ghi sổ quỹ", exact=True).click()  # type: ignore[attr-defined]
        approver.page.wait_for_url("**/phan-bo/**")  # type: ignore[attr-defined]
        approver.check("proposal-approved")
    assert query_live("SELECT status FROM household_needs WHERE id = :i", i=need_id)[0]["status"] == "funded"

    # 4. The commune officer records the household's bank account and prepares the payout order (the maker).
    journey.goto(f"/can-bo/chi-tra/ho/{need_id}")
    page.get_by_text("Nhập / sửa thông tin nhận tiền", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_label("Chuyển khoản", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_label("Ngân hàng", exact=True).fill("Agribank")  # type: ignore[attr-defined]
    page.get_by_label("Số tài khoản", exact=True).fill("3901 205 654321")  # type: ignore[attr-defined]
    page.get_by_label("Chủ tài khoản", exact=True).fill("Mấu Văn Thử")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Lưu thông tin nhận tiền", exact=True).click()  # type: ignore[attr-defined]
    journey.check("payment-details")
    expect(page.get_by_text("Đã lưu thông tin nhận tiền.")).to_be_visible()  # type: ignore[attr-defined]
    assert "654321" not in page.content() and "…4321" in page.content()  # type: ignore[attr-defined]
    page.get_by_label("Số tiền (đồng)", exact=True).fill("30.000.000")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Lập lệnh chi", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/can-bo/chi-tra/lenh/\d+$"))  # type: ignore[attr-defined]
    journey.check("order-prepared")
    order_path = "/" + page.url.split("/", 3)[3]  # type: ignore[attr-defined]
    order = query_live(
        "SELECT id, amount_vnd FROM payout_orders WHERE need_id = :n ORDER BY id DESC LIMIT 1", n=need_id
    )[0]
    order["reference"] = f"CT-PO-{order['id']:06d}"  # the code the transfer description carries
    assert order["amount_vnd"] == 30_000_000
    expect(page.get_by_text(order["reference"]).first).to_be_visible()  # type: ignore[attr-defined]
    # the maker sees no approve button on her own order
    assert page.get_by_role("button", name="Duyệt lệnh chi", exact=True).count() == 0  # type: ignore[attr-defined]

    # 5. The approver (the checker, a different person) approves the order.
    with _as(journey, browser, APPROVER, "checker") as checker:
        checker.goto(order_path)
        checker.page.get_by_role("button", name="Duyệt lệnh chi", exact=True).click()  # type: ignore[attr-defined]
        checker.check("order-approved")
        expect(checker.page.get_by_text("Đã duyệt lệnh chi").first).to_be_visible()  # type: ignore[attr-defined]

    # 6. The debit arrives: the bank's feed provider (SePay) posts the outgoing transfer naming the order.
    LIVE["app"].config["BANKFEED_SEPAY_API_KEY"] = SEPAY_KEY
    body = {  # SePay's documented webhook payload, an outgoing transfer from the fund's account
        "id": 93100000 + order["id"],
        "gateway": "Vietcombank",
        "transactionDate": "2026-12-07 15:10:00",
        "accountNumber": PAYING_ACCOUNT,
        "code": None,
        "content": f"MTTQ KHANH HOA CHI TRA {order['reference']} HO TRO SUA NHA",
        "transferType": "out",
        "transferAmount": order["amount_vnd"],
        "accumulated": 19_077_000,
        "subAccount": None,
        "referenceCode": f"FT26341{order['id']:07d}",
        "description": f"BankAPINotify MTTQ KHANH HOA CHI TRA {order['reference']}",
    }
    request = urllib.request.Request(
        f"{live_server}/api/bankfeed/sepay",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Apikey {SEPAY_KEY}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the test's own local server
        assert answer.status in (200, 201)
    journey.goto(order_path)
    assert query_live("SELECT status FROM payout_orders WHERE id = :i", i=order["id"])[0]["status"] == "paid"
    expect(page.get_by_text("Đã chi", exact=True).first).to_be_visible()  # type: ignore[attr-defined]

    # 7. The stage photos go up: construction starts, a photo of the site marked publishable.
    journey.goto(need_path)
    day = page.get_by_label("Ngày", exact=True)  # type: ignore[attr-defined]
    if not day.input_value():
        day.fill(date.today().isoformat())
    page.get_by_role("button", name="Ghi nhận: Đang xây dựng", exact=True).click()  # type: ignore[attr-defined]
    journey.check("stage-started")
    page.get_by_label("Ảnh (PNG hoặc JPEG, tối đa 8 MB)", exact=True).set_input_files(  # type: ignore[attr-defined]
        files=[{"name": "khoi-cong.jpg", "mimeType": "image/jpeg", "buffer": _photo_with_exif()}]
    )
    page.get_by_label("Chú thích (không ghi tên hộ)", exact=True).fill("Khởi công sửa nhà")  # type: ignore[attr-defined]
    page.get_by_role("checkbox", name=re.compile("Được công khai")).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Tải ảnh lên", exact=True).click()  # type: ignore[attr-defined]
    journey.check("photo-uploaded")

    # 8. The public house card (anyone, no login) shows the stage and the photo, with no EXIF left.
    public = browser.new_context(viewport=page.viewport_size)  # type: ignore[attr-defined]
    try:
        visitor = Journey(
            page=public.new_page(), base=live_server, name=f"{journey.name}-public", viewport=viewport
        )
        visitor.goto(f"/cong-khai/nha/{need_id}")
        card = visitor.page.content()  # type: ignore[attr-defined]
        started = date.fromisoformat(
            str(
                query_live("SELECT started_on FROM household_needs WHERE id = :i", i=need_id)[0]["started_on"]
            )
        )
        facts = visitor.page.locator("dl.facts")  # type: ignore[attr-defined]
        expect(facts).to_contain_text("Đang xây dựng")
        expect(facts).to_contain_text(f"Khởi công{started:%d/%m/%Y}")
        expect(facts).to_contain_text(f"Đã giải ngân{_vnd(30_000_000)}")  # the paid order's tranche
        expect(visitor.page.locator(".photo-grid li").first).to_have_text(  # type: ignore[attr-defined]
            "Đang xây dựng · Khởi công sửa nhà"
        )
        assert head not in card  # the household's name is never public
        img = visitor.page.locator("img[src*='/cong-khai/nha/anh/']").first  # type: ignore[attr-defined]
        expect(img).to_be_visible()
        answer = visitor.page.request.get(live_server + img.get_attribute("src"))  # type: ignore[attr-defined]
        assert answer.status == 200
        from PIL import Image

        shown = Image.open(io.BytesIO(answer.body()))
        exif = shown.getexif()
        assert len(exif) == 0 and not exif.get_ifd(0x8825), dict(exif)
        assert b"Samsung" not in answer.body() and b"Exif" not in answer.body()
        visitor.assert_accessible()
    finally:
        public.close()
    journey.assert_accessible()
