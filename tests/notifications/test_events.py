"""Each event reaches the donor on the channels the donor chose, and only there; an opt-out stops it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.contributions.models import Channel as ContributionChannel
from app.core.i18n import today_vn
from app.core.mail import OUTBOX
from app.notifications import services
from app.notifications.models import Channel, Event, Notification, OptOut, Status
from app.pledges import services as pledge_services
from app.pledges.models import Pledge
from tests.conftest import post_form
from tests.pledges.helpers import SYSTEM, business_form, household_form, make_pledge


def _pledge(session, reference_like: str = "") -> Pledge:  # type: ignore[no-untyped-def]
    return session.execute(select(Pledge).order_by(Pledge.id.desc())).scalars().first()


def test_a_household_with_only_a_phone_gets_an_sms_in_vietnamese(client, session, world, fake_esms):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    resp = post_form(client, "/ung-ho", household_form(world, email=""))
    assert resp.status_code == 302
    pledge = _pledge(session)
    [sms] = fake_esms.accepted
    assert sms["Phone"] == "0912345678"
    assert f"đã ghi nhận đăng ký ủng hộ {pledge.reference}, 3.000.000 ₫" in sms["Content"]
    assert "Ngừng nhận tin: http://127.0.0.1:5000/tc/" in sms["Content"]
    assert not OUTBOX  # no address, no e-mail
    [n] = session.execute(select(Notification)).scalars().all()
    assert (n.channel, n.status, n.segments) == (Channel.SMS, Status.SENT, 2)


def test_a_donor_with_an_e_mail_gets_the_e_mail_with_a_one_click_unsubscribe(
    client, session, world, fake_esms
):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    post_form(client, "/ung-ho", business_form(world))
    pledge = _pledge(session)
    [mail] = OUTBOX
    assert mail["Subject"] == f"Xác nhận đăng ký ủng hộ số {pledge.reference}"
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:5000/tc/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in mail.get_body().get_content()
    assert not fake_esms.received  # the default is e-mail when there is an address: no SMS as well

    # The mail client's one-click POST (RFC 8058) carries no CSRF token: the signed link is enough.
    resp = client.post(link.removeprefix("http://127.0.0.1:5000"), data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200 and "sẽ không nhận thêm thông báo" in resp.get_data(as_text=True)
    [out] = session.execute(select(OptOut)).scalars().all()
    assert (out.channel, out.address, out.source) == (Channel.EMAIL, "lan.nguyen@vinamilk.example.vn", "link")
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "notification.opt_out")
    ).scalar_one()
    assert entry.new_values["channel"] == "email" and entry.new_values["at"]

    # The next pledge from the same address: nothing is mailed.
    OUTBOX.clear()
    post_form(client, "/ung-ho", business_form(world, amount="20.000.000"))
    assert not OUTBOX


def test_a_forged_or_altered_link_opts_nobody_out(client, session, world, fake_esms):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    post_form(client, "/ung-ho", business_form(world))
    code = OUTBOX[0]["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    head, sig = code.split("-", 1)
    other = str(int(head, 36) + 1)
    for bad in (f"{other}-{sig}", f"{head}-{sig[:-1]}x", "zz"):
        assert client.post(f"/tc/{bad}").status_code == 404
    assert not session.execute(select(OptOut)).first()


def test_a_donor_who_chose_both_channels_gets_both_and_the_sms_opt_out_stops_only_sms(  # type: ignore[no-untyped-def]
    client, session, world, fake_esms
):
    pledge = make_pledge(session, world, email="ho.tam@example.vn")
    donor = pledge.donor
    donor.phone = "0912345678"
    services.set_channels(session, SYSTEM, donor, email=True, sms_on=True)
    session.commit()
    OUTBOX.clear()
    app = client.application
    app.extensions["celery"].tasks["pledges.send_confirmation"].apply(args=[pledge.id])
    assert len(OUTBOX) == 1 and len(fake_esms.accepted) == 1

    sms_row = session.execute(select(Notification).where(Notification.channel == Channel.SMS)).scalar_one()
    with app.test_request_context():
        code = services.opt_out_code(sms_row)
    page = client.get(f"/tc/{code}").get_data(as_text=True)
    assert "Ngừng gửi thông báo qua Tin nhắn SMS tới 091…678?" in page
    client.post(f"/tc/{code}")

    [paid] = pledge_services.record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=1_000_000,
        channel=ContributionChannel.BANK_TRANSFER,
        received_at=None,
        source="test",
    )
    session.commit()
    OUTBOX.clear()
    app.extensions["celery"].tasks["bankfeed.payment_received"].apply(args=[paid.id])
    assert "Đã nhận 1.000.000 ₫" in OUTBOX[0]["Subject"]
    assert len(OUTBOX) == 1 and len(fake_esms.accepted) == 1  # the e-mail still goes, the SMS no more


def test_the_beat_reminds_each_instalment_once_three_days_ahead(app, session, world, fake_esms):  # type: ignore[no-untyped-def]
    today = today_vn()
    pledge = make_pledge(
        session,
        world,
        email="",
        instalments=[(today + timedelta(days=2), 2_000_000), (today + timedelta(days=20), 4_000_000)],
    )
    pledge.donor.phone = "0912345678"
    session.commit()
    task = app.extensions["celery"].tasks["pledges.send_instalment_reminders"]
    assert task.apply().get() == 1
    assert task.apply().get() == 0  # the next day's run: already reminded
    [sms] = fake_esms.accepted
    due = (today + timedelta(days=2)).strftime("%d/%m/%Y")
    assert f"đợt 1 đăng ký {pledge.reference}, 2.000.000 ₫, đến hạn {due}" in sms["Content"]


def test_a_failed_sms_is_retried_with_backoff_and_shown_to_staff_until_it_goes(  # type: ignore[no-untyped-def]
    client, session, world, fake_esms
):
    from app.accounts.models import Role
    from tests.conftest import login
    from tests.factories import make_user

    fake_esms.answers.append((200, {"CodeResult": "103", "ErrorMessage": "Tài khoản không đủ tiền"}))
    post_form(client, "/ung-ho", household_form(world, email=""))
    n = session.execute(select(Notification)).scalar_one()
    assert (n.status, n.attempts) == (Status.PENDING, 1) and "103" in n.last_error
    assert n.next_attempt_at > n.created_at

    admin = make_user(session, Role.CENTRAL_ADMIN)
    login(client, admin.email)
    page = client.get("/can-bo/thong-bao-loi").get_data(as_text=True)
    assert "Tài khoản không đủ tiền" in page and "091…678" in page and "0912345678" not in page

    sweep = client.application.extensions["celery"].tasks["notifications.retry_due"]
    assert sweep.apply().get() == 0  # its backoff has not run out: nothing is sent again yet
    n.next_attempt_at = n.created_at  # a minute later
    session.commit()
    assert sweep.apply().get() == 1
    session.refresh(n)
    assert (n.status, n.attempts, n.last_error) == (Status.SENT, 2, None)
    assert len(fake_esms.accepted) == 1
    assert "Không có thông báo nào lỗi." in client.get("/can-bo/thong-bao-loi").get_data(as_text=True)


def test_a_provider_that_keeps_refusing_gives_up_after_five_tries(app, session, world, fake_esms):  # type: ignore[no-untyped-def]
    pledge = make_pledge(session, world, email="")
    pledge.donor.phone = "0912345678"
    session.commit()
    app.config["ESMS_API_KEY"] = "sai"
    with app.app_context():
        from app.notifications.services import Context, notify

        notify(
            session,
            pledge.donor,
            Event.PLEDGE_RECORDED,
            Context("pledge", pledge.id, {"reference": "X", "amount": "1 ₫"}),
        )
        session.commit()
    n = session.execute(select(Notification)).scalar_one()
    sweep = app.extensions["celery"].tasks["notifications.retry_due"]
    for _ in range(4):
        n.next_attempt_at = n.created_at
        session.commit()
        sweep.apply()
        session.refresh(n)
    assert (n.status, n.attempts) == (Status.FAILED, 5) and "101" in n.last_error


def test_staff_cannot_choose_for_a_donor_and_only_central_admins_see_failures(client, session, world):  # type: ignore[no-untyped-def]
    from tests.conftest import login

    login(client, world["khanh_son_staff"].email)
    assert client.get("/can-bo/thong-bao-loi").status_code in (403, 404)
    assert client.get("/tai-khoan/thong-bao").status_code in (302, 403, 404)


def test_each_sms_fits_in_three_parts_even_with_long_values(app):  # type: ignore[no-untyped-def]
    long = {
        "reference": "UH-2026-0001234567",
        "amount": "1.000.000.000 ₫",
        "seq": 12,
        "due": "31/12/2026",
        "what": "giấy chứng nhận",
        "serial": "GCN-2026-56-000123",
        "link": "https://chungtay.mattran.org.vn/xac-minh/ABCD-EFGH-IJKL",
        "commune": "Xã Khánh Sơn, tỉnh Khánh Hòa",
        "on": "31/12/2026",
    }
    with app.test_request_context():
        for event in Event:
            text = services.sms_text(event, long, "https://chungtay.mattran.org.vn/tc/3k9-AbCdEfGhIj")
            assert services.sms.segments(text).count <= 3, (event, text)
        app.config["SMS_UNICODE"] = False
        plain = services.sms_text(Event.MONEY_RECEIVED, long, "https://x.vn/tc/1-a")
        assert "da nhan 1.000.000.000 d" in plain and not services.sms.segments(plain).unicode


def test_production_refuses_the_console_sms_backend():  # type: ignore[no-untyped-def]
    from app.core.config_checks import production_config_problems

    problems = production_config_problems({"SMS_BACKEND": "console"}, dev_secret_key="x")
    assert any("SMS_BACKEND=console" in p for p in problems)
    problems = production_config_problems({"SMS_BACKEND": "esms"}, dev_secret_key="x")
    assert any("ESMS_API_KEY" in p for p in problems)
    assert not any("SMS" in p for p in production_config_problems({}, dev_secret_key="x"))


def test_the_channels_chosen_on_the_pledge_form_are_the_ones_used(client, session, world, fake_esms):  # type: ignore[no-untyped-def]
    OUTBOX.clear()
    post_form(client, "/ung-ho", household_form(world, email="ho.tam@example.vn", notify_by="both"))
    assert len(OUTBOX) == 1 and len(fake_esms.accepted) == 1
    OUTBOX.clear()
    post_form(client, "/ung-ho", household_form(world, email="ho.tam2@example.vn", notify_by="sms"))
    assert not OUTBOX and len(fake_esms.accepted) == 2
    post_form(client, "/ung-ho", household_form(world, email="ho.tam3@example.vn", notify_by="none"))
    assert not OUTBOX and len(fake_esms.accepted) == 2
    entries = session.execute(
        select(AuditEntry).where(AuditEntry.action == "notification.channels")
    ).scalars()
    assert [e.new_values for e in entries] == [
        {"email": True, "sms": True},
        {"email": False, "sms": True},
        {"email": False, "sms": False},
    ]


def test_the_donor_chooses_channels_in_the_account(client, session, world, fake_esms):  # type: ignore[no-untyped-def]
    from app.accounts.models import Role
    from tests.conftest import login
    from tests.factories import make_user

    pledge = make_pledge(session, world, email="ho.tam@example.vn")
    pledge.donor.email, pledge.donor.phone = "ho.tam@example.vn", "0912345678"
    user = make_user(session, Role.DONOR, email="ho.tam@example.vn", donor=pledge.donor)
    session.commit()
    login(client, user.email)
    page = client.get("/tai-khoan/thong-bao").get_data(as_text=True)
    assert "0912345678" in page and "ho.tam@example.vn" in page
    resp = post_form(client, "/tai-khoan/thong-bao", {"sms": "y"})
    assert resp.status_code == 302
    assert services.chosen_channels(session, pledge.donor) == {Channel.SMS}
