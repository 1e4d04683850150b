"""The house handed over reaches the donors whose money built it; a thank-you letter reaches its donor."""

from __future__ import annotations

from sqlalchemy import select

from app.certificates import services as certificates
from app.core.i18n import today_vn
from app.core.mail import OUTBOX
from app.donors.models import DonorKind
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.ledger.services import PoolDraw
from app.needs import construction, funding
from app.needs.models import NeedStatus
from app.notifications.models import Channel, Notification
from app.units.models import AdminUnit
from tests.factories import SYSTEM, make_donor, receive
from tests.needs.conftest import World, actor_of, add_need, approve
from tests.needs.conftest import world as needs_world  # noqa: F401 - the needs world

world = needs_world


def _fund_from(session, w: World, need, donors_amounts) -> None:  # type: ignore[no-untyped-def]
    """Donors give to the commune's housing pool; the pool pays the house (as matching would)."""
    commune = session.get(AdminUnit, need.commune_id)
    for donor, amount in donors_amounts:
        receive(
            session,
            w.campaign,
            amount,
            receiving=w.khanh_hoa,
            earmark=commune,
            purpose=Purpose.HOUSING,
            donor=donor,
        )
    total = need.remaining_vnd
    draws = [PoolDraw(commune.id, Purpose.HOUSING, total)]
    txn = ledger.allocate(
        session,
        SYSTEM,
        fund_id=w.campaign.fund_id,
        target_unit_id=commune.id,
        target_purpose=Purpose.HOUSING,
        draws=draws,
        occurred_on=today_vn(),
    )
    funding.record_need_funding(session, SYSTEM, need, total, draws, None, txn.id)
    session.commit()


def test_the_donors_of_a_house_hear_when_it_is_handed_over_each_on_their_channel(
    app, session, world, fake_esms
):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    by_sms = make_donor(session, "Hộ bà Mấu Thị Hoa", kind=DonorKind.HOUSEHOLD)
    by_sms.phone = "0935000111"
    by_mail = make_donor(session, "Công ty TNHH Gạch Khánh Hòa")
    by_mail.email = "gach@example.vn"
    elsewhere = make_donor(session, "Công ty TNHH Ở Nơi Khác")
    elsewhere.email = "noikhac@example.vn"
    session.commit()
    need = approve(session, world, add_need(session, world))
    _fund_from(session, world, need, [(by_sms, 30_000_000), (by_mail, 30_000_000)])
    receive(
        session, world.campaign, 5_000_000, receiving=world.cam_lam, purpose=Purpose.HOUSING, donor=elsewhere
    )
    session.commit()

    staff = actor_of(world.ks_staff)
    today = today_vn()
    on = today.strftime("%d/%m/%Y")
    construction.advance_stage(session, staff, need.id, NeedStatus.STARTED, today)
    construction.advance_stage(session, staff, need.id, NeedStatus.COMPLETED, today)
    session.commit()
    assert not fake_esms.received and not OUTBOX  # nothing before the hand-over
    construction.advance_stage(session, staff, need.id, NeedStatus.HANDED_OVER, today)
    session.commit()

    [sms] = fake_esms.accepted
    assert sms["Phone"] == "0935000111"
    assert f"ngôi nhà Quý vị góp sức ở Xã Khánh Sơn đã bàn giao ngày {on}" in sms["Content"]
    [mail] = OUTBOX
    assert mail["To"] == "gach@example.vn" and f"đã được bàn giao ngày {on}" in mail.get_body().get_content()
    assert f"/cong-khai/nha/{need.id}" in mail.get_body().get_content()
    channels = sorted(n.channel for n in session.execute(select(Notification)).scalars())
    assert channels == [Channel.EMAIL, Channel.SMS]  # the donor elsewhere hears nothing


def test_a_certificate_reaches_a_donor_with_only_a_phone_by_sms_with_its_verification_link(  # type: ignore[no-untyped-def]
    app, session, world, fake_esms
):
    donor = make_donor(session, "Hộ ông Cao Văn Lợi", kind=DonorKind.HOUSEHOLD)
    donor.phone = "0935000222"
    contribution = receive(session, world.campaign, 2_000_000, receiving=world.khanh_son, donor=donor)
    cert = certificates.acknowledge_contribution(session, SYSTEM, contribution.id)
    assert cert is not None
    assert certificates.mail_certificate(session, cert)
    session.commit()
    [sms] = fake_esms.accepted
    assert f"số {cert.serial} đã gửi Quý vị" in sms["Content"]
    assert certificates.verification_url(cert) in sms["Content"]
    assert not certificates.mail_certificate(session, cert)  # once
