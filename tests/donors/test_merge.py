"""One record per donor (issue 19.2): duplicate candidates, the side-by-side merge, carried through pledges,
receipts, certificates, statements and the public list, and undone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.contributions.models import Channel, Contribution
from app.donors import merge as merging
from app.donors.models import Donor, DonorKind, DonorMerge
from app.donors.services import DonorError
from app.ledger.verify import run_checks
from app.pledges import services, statements
from tests import factories as f
from tests.conftest import login, post_form
from tests.pledges.helpers import SYSTEM, make_pledge


def _household(session, world, name: str, *, phone: str | None = None, email: str | None = None):  # type: ignore[no-untyped-def]
    pledge = make_pledge(
        session, world, name=name, email=email or "", amount=3_000_000, earmark=world["cam_lam"]
    )
    donor = pledge.donor
    donor.commune_id = world["cam_lam"].id
    donor.province_id = world["province"].id
    donor.phone = phone
    donor.email = email
    session.commit()
    return pledge, donor


def _pay(session, pledge, amount: int, key: str) -> Contribution:  # type: ignore[no-untyped-def]
    [c] = services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=amount,
        channel=Channel.CASH,
        received_at=datetime.now(UTC),
        source="test",
        idempotency_key=key,
    )
    session.commit()
    return c


def test_candidates_by_folded_name_and_commune_phone_email_and_tax_code(session, world):  # type: ignore[no-untyped-def]
    _, a = _household(session, world, "Hộ ông Lê Văn Tám")
    _, b = _household(session, world, "Hộ ông Le Van Tam")  # typed without diacritics
    _, c = _household(session, world, "Hộ bà Trần Thị Bảy", phone="0912345678")
    _, d = _household(session, world, "Bà Trần Thị Bảy", phone="0912345678")
    _, e = _household(session, world, "Hộ ông Đinh Văn Mười", email="muoi@example.vn")
    _, g = _household(session, world, "Ông Đinh Mười", email="Muoi@Example.vn")
    x = make_pledge(
        session, world, name="Công ty A", tax_code="0100233488", kind=DonorKind.BUSINESS, email="a@a.vn"
    ).donor
    y = make_pledge(
        session, world, name="Cty A", tax_code="0100233488", kind=DonorKind.BUSINESS, email="b@a.vn"
    ).donor
    lonely = _household(session, world, "Hộ ông Lê Văn Tám Con")[1]
    admin = f.make_user(session, Role.CENTRAL_ADMIN)
    pairs = {(p.first, p.second): p.reasons for p in merging.duplicate_pairs(session, admin)}
    assert pairs[(a.id, b.id)] == {"name_commune"}
    assert pairs[(c.id, d.id)] == {"phone"}
    assert pairs[(e.id, g.id)] == {"email"}
    assert pairs[(x.id, y.id)] == {"tax_code"}
    assert not any(lonely.id in k for k in pairs)
    assert [p.second for p in merging.candidates_for(session, a)] == [b.id]
    # Staff of another commune see none of Cam Lâm's households.
    khanh_son_staff = world["khanh_son_staff"]
    assert (a.id, b.id) not in {
        (p.first, p.second) for p in merging.duplicate_pairs(session, khanh_son_staff)
    }


def test_merge_is_carried_through_and_undone(session, world, app):  # type: ignore[no-untyped-def]
    pledge_a, a = _household(session, world, "Hộ ông Lê Văn Tám")
    pledge_b, b = _household(session, world, "Hộ ông Le Van Tam")
    paid_a = _pay(session, pledge_a, 3_000_000, "a")
    paid_b = _pay(session, pledge_b, 3_000_000, "b")  # fulfilled: its thank-you letter is due
    letter = certificates.acknowledge_contribution(session, SYSTEM, paid_b.id)
    session.commit()
    assert letter is not None and letter.donor_id == b.id
    user = f.make_user(session, Role.DONOR, email="tam@example.vn", donor=b)
    staff = world["province_staff"]
    actor = SYSTEM.__class__(user_id=staff.id, label=staff.email)

    try:
        merging.merge(session, actor, a, b, reason="")
    except DonorError as exc:
        assert "Lý do" in str(exc)
    row = merging.merge(session, actor, a, b, choose={"name": "survivor"}, reason="Cùng một hộ, nhập hai lần")
    session.commit()
    session.expire_all()

    # Pledges, receipts, certificates, the donor's account and statement, the public list: all on the survivor.
    assert session.get(type(pledge_b), pledge_b.id).donor_id == a.id
    assert session.get(Contribution, paid_b.id).donor_id == a.id
    assert session.get(Contribution, paid_b.id).public_name == "Hộ ông Lê Văn Tám"
    assert session.get(Certificate, letter.id).donor_id == a.id
    assert session.get(type(user), user.id).donor_id == a.id
    year = paid_a.received_on.year
    assert {c.id for c in statements.yearly_contributions(session, a.id, year)} == {paid_a.id, paid_b.id}
    assert session.get(Donor, b.id).merged_into_id == a.id
    public = app.test_client().get("/cong-khai/sao-ke").get_data(as_text=True)
    assert "Hộ ông Le Van Tam" not in public and public.count("Hộ ông Lê Văn Tám") >= 2
    assert run_checks(session).ok
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "donor.merge")).scalar_one()
    # A merged record is no longer a candidate, nor the business a tax code names.
    assert merging.duplicate_pairs(session, staff) == []

    merging.undo(session, actor, session.get(DonorMerge, row.id), reason="Hai hộ khác nhau, cùng tên")
    session.commit()
    session.expire_all()
    assert session.get(type(pledge_b), pledge_b.id).donor_id == b.id
    c = session.get(Contribution, paid_b.id)
    assert c.donor_id == b.id and c.public_name == "Hộ ông Le Van Tam"
    assert session.get(Certificate, letter.id).donor_id == b.id
    assert session.get(type(user), user.id).donor_id == b.id
    assert session.get(Donor, b.id).merged_into_id is None
    assert run_checks(session).ok
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "donor.merge_undo")).scalar_one()


def test_the_survivor_takes_the_fields_chosen(session, world):  # type: ignore[no-untyped-def]
    _, a = _household(session, world, "Hộ ông Lê Văn Tám", phone="0912345678")
    _, b = _household(session, world, "Hộ ông Lê Văn Tám", email="tam@example.vn")
    b.address = "Thôn Tân Xương 1"
    session.commit()
    merging.merge(session, SYSTEM, a, b, choose={"address": "merged"}, reason="Cùng một hộ")
    session.commit()
    assert a.address == "Thôn Tân Xương 1"
    assert a.phone == "0912345678"
    assert a.email == "tam@example.vn"  # empty on the survivor: taken from the merged record


def test_staff_merge_screen_side_by_side_and_undo(client, session, world):  # type: ignore[no-untyped-def]
    pledge_a, a = _household(session, world, "Hộ ông Lê Văn Tám")
    pledge_b, b = _household(session, world, "Hộ ông Le Van Tam")
    paid_b = _pay(session, pledge_b, 1_000_000, "b")
    login(client, world["province_staff"].email)
    listing = client.get("/can-bo/nha-tai-tro/trung-lap").get_data(as_text=True)
    assert "cùng tên (không dấu) và xã" in listing
    page = f"/can-bo/nha-tai-tro/gop/{a.id}/{b.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Hộ ông Lê Văn Tám" in html and "Hộ ông Le Van Tam" in html
    resp = post_form(
        client,
        page,
        {"survivor": str(b.id), "pick-name": str(a.id), "reason": "Cùng một hộ, nhập hai lần"},
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Donor, a.id).merged_into_id == b.id
    assert session.get(Donor, b.id).name == "Hộ ông Lê Văn Tám"  # the field chosen from the other record
    assert session.get(Contribution, paid_b.id).public_name == "Hộ ông Lê Văn Tám"
    merges = client.get("/can-bo/nha-tai-tro/lan-gop").get_data(as_text=True)
    row = session.execute(select(DonorMerge)).scalar_one()
    assert f"/can-bo/nha-tai-tro/lan-gop/{row.id}/hoan-tac" in merges
    resp = post_form(
        client,
        f"/can-bo/nha-tai-tro/lan-gop/{row.id}/hoan-tac",
        {"reason": "Gộp nhầm"},
        page="/can-bo/nha-tai-tro/lan-gop",
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Donor, a.id).merged_into_id is None
    assert session.get(Donor, b.id).name == "Hộ ông Le Van Tam"
    assert session.get(Contribution, paid_b.id).public_name == "Hộ ông Le Van Tam"


def test_staff_of_another_commune_cannot_open_the_merge(client, session, world):  # type: ignore[no-untyped-def]
    _, a = _household(session, world, "Hộ ông Lê Văn Tám")
    _, b = _household(session, world, "Hộ ông Le Van Tam")
    login(client, world["khanh_son_staff"].email)
    assert client.get(f"/can-bo/nha-tai-tro/gop/{a.id}/{b.id}").status_code == 404
