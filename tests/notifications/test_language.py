"""Each message speaks its recipient's language (issue 16, item 3): the language of the page the pledge was made
on is stored with the pledge and its donor, and the e-mail or SMS built later, in a task, is written in it."""

from __future__ import annotations

from sqlalchemy import select

from app.certificates import services as certificates
from app.core.mail import OUTBOX
from app.donors.models import DonorKind
from app.pledges.models import Pledge
from tests.conftest import post_form
from tests.factories import SYSTEM, make_donor, receive
from tests.pledges.helpers import business_form, household_form


def _last_pledge(session) -> Pledge:  # type: ignore[no-untyped-def]
    return session.execute(select(Pledge).order_by(Pledge.id.desc())).scalars().first()


def test_a_pledge_made_on_the_english_site_gets_an_english_confirmation(client, session, world, fake_esms):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    client.get("/?lang=en")
    resp = post_form(client, "/ung-ho", business_form(world))
    assert resp.status_code == 302
    pledge = _last_pledge(session)
    assert (pledge.language, pledge.donor.language) == ("en", "en")
    [mail] = OUTBOX
    assert mail["Subject"] == f"Confirmation of pledge no. {pledge.reference}"
    body = mail.get_body().get_content()
    assert "Dear Nguyễn Thị Lan," in body  # the name is data: as typed
    assert f"Pledge number (transfer code): {pledge.reference}" in body
    assert "Amount pledged: 50.000.000 ₫" in body
    assert f"Transfer note (write exactly): {pledge.reference}" in body
    assert "Don't want e-mails like this any more? Click here" in body
    for vietnamese in ("Kính gửi", "Số tiền đăng ký", "Trân trọng", "Không muốn nhận thư"):
        assert vietnamese not in body


def test_a_pledge_made_on_the_vietnamese_site_stays_vietnamese(client, session, world, fake_esms):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    client.get("/?lang=en")
    client.get("/?lang=vi")  # switched back before pledging
    post_form(client, "/ung-ho", business_form(world))
    pledge = _last_pledge(session)
    assert pledge.language == "vi"
    [mail] = OUTBOX
    assert mail["Subject"] == f"Xác nhận đăng ký ủng hộ số {pledge.reference}"
    body = mail.get_body().get_content()
    assert "Kính gửi Nguyễn Thị Lan," in body and "Số tiền đăng ký: 50.000.000 ₫" in body
    assert "Không muốn nhận thư như thế này nữa?" in body
    assert "Dear" not in body and "Amount pledged" not in body


def test_the_english_sms_of_a_pledge_made_in_english(client, session, world, fake_esms):  # type: ignore[no-untyped-def]
    client.get("/?lang=en")
    post_form(client, "/ung-ho", household_form(world, email=""))
    pledge = _last_pledge(session)
    [sms] = fake_esms.accepted
    assert sms["Content"].startswith(f"Chung Tay: your pledge {pledge.reference}, 3.000.000 ₫, is recorded.")
    assert "Stop messages: http://127.0.0.1:5000/tc/" in sms["Content"]
    assert "đăng ký" not in sms["Content"]


def test_a_donor_whose_language_is_english_is_told_in_english(app, session, world, fake_esms):  # type: ignore[no-untyped-def]
    """A message not tied to a pledge's page (a thank-you letter) follows the donor's stored language."""
    OUTBOX.clear()
    english = make_donor(session, "Ms Jane Doe", kind=DonorKind.INDIVIDUAL)
    english.email, english.language = "jane@example.org", "en"
    vietnamese = make_donor(session, "Hộ ông Cao Văn Lợi", kind=DonorKind.HOUSEHOLD)
    vietnamese.phone = "0935000222"
    session.flush()
    for donor in (english, vietnamese):
        contribution = receive(
            session, world["campaign"], 2_000_000, receiving=world["province"], donor=donor
        )
        cert = certificates.acknowledge_contribution(session, SYSTEM, contribution.id)
        assert cert is not None and certificates.mail_certificate(session, cert)
    session.commit()

    [mail] = OUTBOX
    assert mail["To"] == "jane@example.org"
    assert mail["Subject"].startswith("Thank-you letter – ")
    body = mail.get_body().get_content()
    assert body.startswith("Dear Ms Jane Doe,")
    assert "recognising your gift of 2.000.000 ₫" in body
    assert "The PDF is attached." in body and "Bản PDF" not in body
    [sms] = fake_esms.accepted  # the other donor's SMS stays Vietnamese
    assert "đã gửi Quý vị" in sms["Content"]
