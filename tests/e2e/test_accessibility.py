"""Every public page and the main staff pages, on a 360 px phone and a 1366 px desktop, checked by axe-core with the
WCAG 2.2 A and AA rules (and our keyboard and sideways-scroll checks): no violation, or one named in ACCEPTED with
its reason (tests/e2e/conftest.py)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PROVINCE_STAFF, Journey, login, query_live

pytestmark = pytest.mark.browser

PUBLIC = [
    "/",
    "/ung-ho",
    "/cong-khai",
    "/cong-khai/sao-ke",
    "/cong-khai/sao-ke?q=nguyen&sap_xep=ten",
    "/cong-khai/su-dung",
    "/cong-khai/nha",
    "/cong-khai/tai-khoan",
    "/cong-khai/du-lieu",
    "/cong-khai/api",
    "/cong-khai/goc-cong-bo",
    "/cong-khai/tieu-chi-uu-tien",
    "/xac-minh",
    "/dang-nhap",
    "/quen-mat-khau",
]

STAFF = [
    "/can-bo",
    "/can-bo/dang-ky-ung-ho",
    "/can-bo/bien-nhan/moi",
    "/can-bo/thu-ho/",
    "/can-bo/thu-ho/lo",
    "/can-bo/sao-ke",
    "/can-bo/sao-ke/cho-xu-ly",
    "/can-bo/nhu-cau",
    "/can-bo/nhu-cau/them",
    "/can-bo/tieu-chi-uu-tien",
    "/can-bo/phan-bo/",
    "/can-bo/giay-chung-nhan",
    "/can-bo/bao-cao/",
    "/can-bo/so-quy/",
    "/can-bo/nhat-ky/",
    "/can-bo/dia-ban/",
    "/can-bo/cuoc-van-dong/",
    "/tai-khoan/bao-mat",
]


def _pages_with_ids() -> list[str]:
    """Detail pages of the demo's own records: a pledge, a published contribution, a house, a certificate."""
    pages = []
    pledge = query_live("SELECT reference FROM pledges ORDER BY id LIMIT 1")
    if pledge:
        pages.append(f"/ung-ho/{pledge[0]['reference']}")
    contribution = query_live(
        "SELECT receipt_no FROM contributions WHERE status = 'recorded' ORDER BY id LIMIT 1"
    )
    if contribution:
        pages.append(f"/cong-khai/sao-ke/{contribution[0]['receipt_no']}")
    house = query_live(
        "SELECT id FROM household_needs WHERE status IN ('funded','started','completed','handed_over') LIMIT 1"
    )
    if house:
        pages.append(f"/cong-khai/nha/{house[0]['id']}")
    cert = query_live("SELECT code FROM certificates ORDER BY id LIMIT 1")
    if cert:
        pages.append(f"/xac-minh/{cert[0]['code']}")
    return pages


def test_public_pages_pass_axe(journey: Journey):
    for path in PUBLIC + _pages_with_ids():
        journey.goto(path)
    journey.assert_accessible()


def test_staff_pages_pass_axe(journey: Journey):
    login(journey, PROVINCE_STAFF)
    for path in STAFF:
        journey.goto(path)
    need = query_live("SELECT id FROM household_needs ORDER BY id LIMIT 1")
    if need:
        journey.goto(f"/can-bo/nhu-cau/{need[0]['id']}")
    receipt = query_live("SELECT id FROM contributions WHERE status = 'recorded' ORDER BY id LIMIT 1")
    if receipt:  # the printed receipt, with its QR code
        journey.goto(f"/can-bo/bien-nhan/{receipt[0]['id']}")
    journey.assert_accessible()
