"""Issue 21.10, the test it asks for: a donor with contributions and a certificate asks for deletion and staff
carry it out. The name is gone from the public statement (and its search), the API and the certificate's
verification page (which shows the pseudonym); every public total is the same before and after; the ledger
verifier passes."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from app.accounts.models import Role
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.contributions.models import Contribution
from app.core.db import utcnow
from app.core.i18n import VN_TZ
from app.donors.models import Donor
from app.ledger.verify import run_checks
from app.privacy.models import ErasureRequest, ErasureStatus
from app.transparency import opendata
from tests.conftest import login, post_form
from tests.factories import PASSWORD, SYSTEM, make_user

NAME = "Công ty Cổ phần Yến Sào Khánh Hòa"
TAX = "4200237211"


def _public_figures(client) -> dict:  # type: ignore[no-untyped-def]
    totals = client.get("/api/v1/totals").get_json()
    rows = client.get("/api/v1/contributions").get_json()["data"]
    return {
        "totals": totals["totals"],
        "progress": totals["progress"],
        "units": totals["units"],
        "statement_sum": sum(r["so_tien_vnd"] for r in rows),
        "statement_count": len(rows),
        "overview_page": client.get("/cong-khai").status_code,
    }


def test_a_donor_asks_for_deletion_and_staff_carry_it_out(app, session, client, world):  # type: ignore[no-untyped-def]
    world.donor.verified_at = utcnow()  # a business's data rights are exercised by its verified users
    world.donor.phone, world.donor.address = "0258 3822 472", "248 Thống Nhất, Nha Trang"
    session.commit()
    gifts = [world.receive(30_000_000), world.receive(20_000_000, receiving=world.khanh_son)]
    world.receive(5_000_000, donor=world.other_donor)
    cert = certificates.acknowledge_contribution(session, SYSTEM, gifts[0].id)
    session.commit()
    assert cert is not None and cert.recipient_name == NAME
    printed_code = cert.code  # what the paper certificate's QR code says

    assert NAME in client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert NAME in client.get("/cong-khai/sao-ke?q=yen+sao").get_data(as_text=True)
    before = _public_figures(client)
    assert before["statement_sum"] == 55_000_000
    # The day is published (its hash chain): the erasure below must not break it (root format 2).
    opendata.publish_daily_root(session, datetime.now(VN_TZ).date())
    session.commit()

    # The donor asks, from their account.
    login(client, world.donor_user.email, PASSWORD)
    page = client.get("/tai-khoan/du-lieu-ca-nhan").get_data(as_text=True)
    assert NAME in page and TAX in page
    resp = post_form(
        client,
        "/tai-khoan/du-lieu-ca-nhan/yeu-cau-xoa",
        {"reason": "Không muốn lưu tên"},
        page="/tai-khoan/du-lieu-ca-nhan",
    )
    assert resp.status_code == 302
    req = session.query(ErasureRequest).one()
    assert req.status == ErasureStatus.PENDING
    assert (req.due_at - req.requested_at).total_seconds() == 72 * 3600

    # Staff carry it out from the queue (a central admin: this donor gave no area of its own).
    admin = make_user(session, Role.CENTRAL_ADMIN)
    staff = app.test_client()
    login(staff, admin.email, PASSWORD)
    queue = staff.get("/can-bo/du-lieu-ca-nhan/yeu-cau-xoa").get_data(as_text=True)
    assert NAME in queue
    resp = post_form(
        staff,
        f"/can-bo/du-lieu-ca-nhan/yeu-cau-xoa/{req.id}/thuc-hien",
        page="/can-bo/du-lieu-ca-nhan/yeu-cau-xoa",
    )
    assert resp.status_code == 302
    session.expire_all()
    req = session.get(ErasureRequest, req.id)
    assert req.status == ErasureStatus.DONE and req.pseudonym.startswith("Nhà hảo tâm đã xóa dữ liệu #")
    donor = session.get(Donor, world.donor.id)
    assert donor.name == req.pseudonym
    assert (donor.tax_code, donor.email, donor.phone, donor.address, donor.contact_person) == (
        None,
        None,
        None,
        "",
        "",
    )

    public = app.test_client()
    statement = public.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert NAME not in statement and req.pseudonym in statement
    assert "Hộ ông Đặng Văn Ánh" in statement  # the other donor is untouched
    searched = public.get("/cong-khai/sao-ke?q=yen+sao").get_data(as_text=True)
    assert NAME not in searched and "30.000.000" not in searched
    api = public.get("/api/v1/contributions").get_data(as_text=True)
    assert NAME not in api and "Yến Sào" not in api
    assert {r["ten_cong_khai"] for r in json.loads(api)["data"]} == {req.pseudonym, "Hộ ông Đặng Văn Ánh"}

    # The certificate: the printed code still verifies, and the page shows the pseudonym.
    verified = public.get(f"/xac-minh/{printed_code}")
    assert verified.status_code == 200
    text = verified.get_data(as_text=True)
    assert req.pseudonym in text and NAME not in text
    cert = session.get(Certificate, cert.id)
    assert cert.recipient_name == req.pseudonym and cert.amount_vnd == 30_000_000
    assert public.get(f"/xac-minh/{cert.code}").status_code == 200  # the re-signed code too
    forged = printed_code[:-2] + ("AA" if not printed_code.endswith("AA") else "BB")
    assert public.get(f"/xac-minh/{forged}").status_code == 404

    # The donor's own certificates list (staff's list too) shows the pseudonym.
    staff_list = staff.get("/can-bo/giay-chung-nhan").get_data(as_text=True)
    assert NAME not in staff_list

    # Amounts: every public figure is what it was, and the books still agree.
    assert _public_figures(public) == before
    assert [session.get(Contribution, c.id).amount_vnd for c in gifts] == [30_000_000, 20_000_000]
    report = run_checks(session)
    assert report.ok, [p.message for p in report.problems]
    # The published day still verifies, though the name it was published with is gone.
    assert opendata.check_roots(session) == []

    # The account is closed: the old e-mail and password no longer open it.
    again = app.test_client()
    resp = post_form(again, "/dang-nhap", {"email": world.donor_user.email, "password": PASSWORD})
    assert resp.status_code != 302


def test_a_donor_cannot_export_or_erase_someone_else(app, session, client, world):  # type: ignore[no-untyped-def]
    world.donor.verified_at = utcnow()
    session.commit()
    world.receive(30_000_000)
    world.receive(4_000_000, donor=world.other_donor)

    login(client, world.other_donor_user.email, PASSWORD)
    resp = post_form(client, "/tai-khoan/du-lieu-ca-nhan/tai-ve", page="/tai-khoan/du-lieu-ca-nhan")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        names = set(zf.namelist())
        data = json.loads(zf.read("du-lieu.json"))
        csv_text = zf.read("contributions.csv").decode("utf-8-sig")
    assert {
        "du-lieu.json",
        "donor.csv",
        "pledges.csv",
        "contributions.csv",
        "certificates.csv",
        "consents.csv",
    } <= names
    assert data["donor"][0]["name"] == "Hộ ông Đặng Văn Ánh"
    assert [c["amount_vnd"] for c in data["contributions"]] == [4_000_000]
    assert "4000000" in csv_text and "30000000" not in csv_text and NAME not in zf_text(resp.data)

    # Nothing in the requests names a donor: each acts on the signed-in donor's own record only, and a
    # staff route is not a donor's.
    resp = post_form(
        client, "/tai-khoan/du-lieu-ca-nhan/yeu-cau-xoa", {"reason": ""}, page="/tai-khoan/du-lieu-ca-nhan"
    )
    req = session.query(ErasureRequest).one()
    assert req.donor_id == world.other_donor.id
    assert client.post(f"/can-bo/du-lieu-ca-nhan/yeu-cau-xoa/{req.id}/thuc-hien", data={}).status_code in (
        403,
        400,
    )
    session.expire_all()
    assert session.get(Donor, world.donor.id).name == NAME
    assert session.get(Donor, world.other_donor.id).name == "Hộ ông Đặng Văn Ánh"


def zf_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())
