"""Monthly gifts (issue 19 item 5): a standing transfer with a fixed reference; each month's transfer pays that
month's instalment; a reminder each month; pause stops the reminders (and lapsing), resume asks again from the next
month, stop cancels."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Role
from app.contributions.models import Channel
from app.contributions.receive import MoneyIn, receive
from app.core import mail
from app.core.i18n import today_vn
from app.donors.models import DonorKind
from app.pledges import services as pledges
from app.pledges import tasks
from app.pledges.models import Pledge, PledgeStatus
from app.recurring.models import GiftState, MonthlyGift
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, SYSTEM, make_donor, make_user


def _reminders(on) -> list[str]:  # type: ignore[no-untyped-def]
    mail.OUTBOX.clear()
    tasks.send_instalment_reminders.apply(kwargs={"days": 7, "today": on.isoformat()}).get()
    return [m["Subject"] for m in mail.OUTBOX]


def _press(client, gift_id: int, action: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/tai-khoan/ung-ho-hang-thang").get_data(as_text=True))
    return client.post(f"/tai-khoan/ung-ho-hang-thang/{gift_id}/{action}", data={"csrf_token": token})


def test_monthly_gift_pays_each_month_and_pause_stops_the_reminders(client, session, kh_setup):
    donor = make_donor(session, "Nguyễn Thị Mai", kind=DonorKind.INDIVIDUAL)
    donor.email = "mai@example.vn"
    session.commit()
    user = make_user(session, Role.DONOR, donor=donor)
    login(client, user.email, PASSWORD)
    resp = post_form(client, "/tai-khoan/ung-ho-hang-thang", {"monthly": "200.000", "day": 5})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    gift = session.execute(select(MonthlyGift)).scalar_one()
    pledge = session.get(Pledge, gift.pledge_id)
    dues = [i.due_on for i in pledge.instalments]
    assert len(dues) == 12 and all(d.day == 5 for d in dues) and dues[0] > today_vn()
    assert [i.amount_vnd for i in pledge.instalments] == [200_000] * 12

    # A reminder before the first month; the month's standing transfer (the fixed reference) pays it.
    assert _reminders(dues[0] - timedelta(days=3)) == [
        f"Nhắc lịch nộp đợt 1 – đăng ký ủng hộ {pledge.reference}"
    ]
    receive(
        session,
        SYSTEM,
        [
            MoneyIn(
                amount_vnd=200_000,
                channel=Channel.BANK_TRANSFER,
                pledge_id=pledge.id,
                pledge_reference=pledge.reference,
            )
        ],
    )
    session.commit()
    states = pledges.instalment_states(session, pledge, today=dues[0])
    assert [s.outstanding_vnd for s in states[:2]] == [0, 200_000]
    assert (
        pledges.amount_due(session, pledge, today=dues[0]).amount_vnd == 200_000
    )  # next month: one month's gift

    # Paused: no reminder for the second month, and no lapse however long it stays paused.
    assert _press(client, gift.id, "tam-dung").status_code == 302
    session.expire_all()
    assert session.get(MonthlyGift, gift.id).state == GiftState.PAUSED
    assert 'class="gift-state">Tạm dừng<' in client.get("/tai-khoan/ung-ho-hang-thang").get_data(as_text=True)
    assert _reminders(dues[1] - timedelta(days=3)) == []
    assert pledges.lapse_candidates(session, after_days=0, today=dues[-1] + timedelta(days=90)) == []

    # Resumed: the months still unpaid are asked from the next 5th on; the reminders come back.
    assert _press(client, gift.id, "tiep-tuc").status_code == 302
    session.expire_all()
    pledge = session.get(Pledge, gift.pledge_id)
    new_dues = [i.due_on for i in pledge.instalments]
    assert (
        new_dues[0] == dues[0] and new_dues[1] > today_vn() and new_dues[1].day == 5 and len(new_dues) == 12
    )
    assert _reminders(new_dues[1] - timedelta(days=3)) == [
        f"Nhắc lịch nộp đợt 2 – đăng ký ủng hộ {pledge.reference}"
    ]

    # Stopped: the pledge is cancelled (what was received stays), no more reminders.
    assert _press(client, gift.id, "dung").status_code == 302
    session.expire_all()
    pledge = session.get(Pledge, gift.pledge_id)
    assert pledge.status == PledgeStatus.CANCELLED and pledges.amount_paid(session, pledge.id) == 200_000
    assert _reminders(new_dues[2] - timedelta(days=3)) == []
    assert 'class="gift-state">Đã dừng<' in client.get("/tai-khoan/ung-ho-hang-thang").get_data(as_text=True)


def test_a_donor_cannot_pause_someone_elses_gift_and_a_bad_day_is_named(client, session, kh_setup):
    owner = make_donor(session, "Trần Văn Phúc", kind=DonorKind.INDIVIDUAL)
    owner_user = make_user(session, Role.DONOR, donor=owner)
    login(client, owner_user.email, PASSWORD)
    resp = post_form(client, "/tai-khoan/ung-ho-hang-thang", {"monthly": "100.000", "day": 31})
    assert resp.status_code == 422 and "Ngày chuyển hằng tháng: từ 1 đến 28." in resp.get_data(as_text=True)
    assert (
        post_form(client, "/tai-khoan/ung-ho-hang-thang", {"monthly": "100.000", "day": 1}).status_code == 302
    )
    gift = session.execute(select(MonthlyGift)).scalar_one()
    client.post("/dang-xuat", data={})
    client.delete_cookie("session")

    stranger = make_user(
        session, Role.DONOR, donor=make_donor(session, "Người khác", kind=DonorKind.INDIVIDUAL)
    )
    login(client, stranger.email, PASSWORD)
    assert _press(client, gift.id, "tam-dung").status_code == 404
    session.expire_all()
    assert session.get(MonthlyGift, gift.id).state == GiftState.ACTIVE
