"""`notify()`: the one way a donor is told something (issue 19.6), on the channels the donor chose, never to an
address that opted out; `deliver()`: one attempt at one message, retried with backoff.

Each event is hooked at the one place it happens (docs/NOTIFICATIONS.md): `notify()` runs inside that unit of work
and writes a `Notification` row per channel, with a `notifications.deliver` task in the outbox (app.core.outbox):
both are committed with the change, nothing leaves before the commit, nothing is lost when Redis or the provider
is down. The e-mail of an event is the one its package already wrote (app.notifications.mail builds it at
delivery, adding the opt-out line and the List-Unsubscribe headers); the SMS is a short text written here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.audit.services import record
from app.core import outbox, transaction
from app.core.actor import Actor
from app.core.db import rowcount, utcnow
from app.core.i18n import in_language
from app.core.messages import N_
from app.core.web import public_url
from app.donors.models import Donor
from app.notifications import sms
from app.notifications.models import Channel, ChannelChoice, Event, Notification, OptOut, Status

DELIVER_TASK = "notifications.deliver"
MAX_ATTEMPTS = 5
# Wait before attempt 2, 3, 4, 5 (the provider or the mail server was down, a balance ran out, keys were wrong).
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
LEASE = timedelta(
    minutes=10
)  # an attempt claims the row this long: a worker lost mid-send is retried after it


# ---------------------------------------------------------------------------------------------------- the texts
# One SMS per event: short (a Vietnamese text with diacritics is UCS-2, 70 characters a part, 67 when split;
# tests/notifications check each fits three parts with a long reference and the opt-out link), the facts only.
# Written in the recipient's language (Notification.language, app.core.i18n.in_language).
SMS_TEXT: dict[Event, str] = {
    Event.PLEDGE_RECORDED: N_("Chung Tay: đã ghi nhận đăng ký ủng hộ %(reference)s, %(amount)s. Xin cảm ơn!"),
    Event.MONEY_RECEIVED: N_("Chung Tay: đã nhận %(amount)s cho đăng ký %(reference)s. Xin cảm ơn!"),
    Event.INSTALMENT_DUE: N_("Chung Tay: đợt %(seq)s đăng ký %(reference)s, %(amount)s, đến hạn %(due)s."),
    Event.CERTIFICATE_ISSUED: N_("Chung Tay: %(what)s số %(serial)s đã gửi Quý vị. Xem: %(link)s"),
    Event.HOUSE_HANDED_OVER: N_(
        "Chung Tay: ngôi nhà Quý vị góp sức ở %(commune)s đã bàn giao ngày %(on)s. Xin cảm ơn!"
    ),
}
# Values that are labels (a msgid), translated into the text's language, in lower case: the certificate's kind.
LABEL_VALUES = ("what",)
OPT_OUT_SMS = N_("Ngừng nhận tin: %(link)s")
OPT_OUT_MAIL = N_("Không muốn nhận thư như thế này nữa? Bấm vào đây (một lần bấm là đủ): %(link)s")


@dataclass
class Context:
    """What a message is about (subject_type/subject_id: the record the e-mail is built from at delivery), the
    values of its SMS text, the addresses when they are not the donor's own (a pledge's contact e-mail), and the
    language when it is not the donor's (a pledge's own: the page it was made on)."""

    subject_type: str
    subject_id: int
    values: Mapping[str, object] = field(default_factory=dict)
    email: str | None = None
    phone: str | None = None
    language: str | None = None


# ------------------------------------------------------------------------------------------------- the choice
def sms_enabled() -> bool:
    return current_app.config.get("SMS_BACKEND", "console") != "disabled"


def default_channels(email: str | None, phone: str | None) -> set[Channel]:
    """No choice made: e-mail when there is an address, else SMS when there is a phone number."""
    if email:
        return {Channel.EMAIL}
    return {Channel.SMS} if phone else set()


def chosen_channels(session: Session, donor: Donor, *, email: str | None = None) -> set[Channel]:
    choice = session.get(ChannelChoice, donor.id)
    if choice is None:
        chosen = default_channels(email or donor.email, donor.phone)
    else:
        chosen = {c for c, on in ((Channel.EMAIL, choice.email), (Channel.SMS, choice.sms)) if on}
    return chosen if sms_enabled() else chosen - {Channel.SMS}


def opted_out(session: Session, channel: Channel, address: str) -> bool:
    return (
        session.execute(
            select(OptOut.id).where(OptOut.channel == channel, OptOut.address == _key(channel, address))
        ).first()
        is not None
    )


def _key(channel: Channel, address: str) -> str:
    return address.strip().lower() if channel == Channel.EMAIL else address.strip()


# ------------------------------------------------------------------------------------------------------ notify
def notify(session: Session, donor: Donor | None, event: Event, context: Context) -> list[Notification]:
    """Write one message per channel the donor chose (minus opted-out addresses) and queue its delivery after
    the caller's commit. The same event about the same record to the same address is written once."""
    if donor is None:
        return []
    addresses = {
        Channel.EMAIL: context.email or donor.email,
        Channel.SMS: context.phone or donor.phone,
    }
    made: list[Notification] = []
    for channel in sorted(chosen_channels(session, donor, email=context.email)):
        address = addresses[channel]
        if not address or opted_out(session, channel, address):
            continue
        key = f"{event.value}:{context.subject_type}:{context.subject_id}:{channel.value}:{_key(channel, address)}"
        if session.execute(select(Notification.id).where(Notification.dedupe_key == key[:200])).first():
            continue
        n = Notification(
            donor_id=donor.id,
            event=event,
            channel=channel,
            address=_key(channel, address),
            subject_type=context.subject_type,
            subject_id=context.subject_id,
            dedupe_key=key[:200],
            status=Status.PENDING,
            next_attempt_at=utcnow(),
            language=context.language or donor.language or "vi",
        )
        session.add(n)
        session.flush()
        if channel == Channel.SMS:
            with in_language(n.language):
                n.body = sms_text(event, context.values, opt_out_link(n))
            n.segments = sms.segments(n.body).count
        made.append(n)
    for n in made:
        outbox.enqueue(session, DELIVER_TASK, n.id, dedupe_key=f"{DELIVER_TASK}:{n.id}:0")
    session.flush()
    return made


def sms_text(event: Event, values: Mapping[str, object], opt_out: str) -> str:
    """The event's SMS in the current language (notify() calls it inside `in_language(recipient's language)`)."""
    params = {k: gettext(str(v)).lower() if k in LABEL_VALUES else v for k, v in values.items()}
    text = " ".join([gettext(SMS_TEXT[event], **params), gettext(OPT_OUT_SMS, link=opt_out)])
    return sms.prepare(text)


# ----------------------------------------------------------------------------------------------------- opt-out
def _signature(notification_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"notification-opt-out:{notification_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)[:10].decode()


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def opt_out_code(n: Notification) -> str:
    """A short signed code (the message's id in base 36 and 10 characters of an HMAC): short enough for an SMS,
    and only its own message's address can be silenced with it."""
    return f"{_base36(n.id)}-{_signature(n.id)}"


def opt_out_link(n: Notification) -> str:
    return public_url("notifications.opt_out", code=opt_out_code(n))


def notification_for_code(session: Session, code: str) -> Notification | None:
    head, _, sig = code.partition("-")
    try:
        notification_id = int(head, 36)
    except ValueError:
        return None
    if not sig or not hmac.compare_digest(sig, _signature(notification_id)):
        return None
    return session.get(Notification, notification_id)


def opt_out(
    session: Session, actor: Actor, channel: Channel, address: str, *, donor_id: int | None, source: str
) -> bool:
    """Record that this address hears nothing more on this channel (audited, with the time and the channel).
    Pending messages to it are not sent. False when it had already opted out."""
    key = _key(channel, address)
    if opted_out(session, channel, key):
        return False
    row = OptOut(channel=channel, address=key, donor_id=donor_id, source=source, created_at=utcnow())
    session.add(row)
    session.execute(
        update(Notification)
        .where(
            Notification.channel == channel,
            Notification.address == key,
            Notification.status == Status.PENDING,
        )
        .values(status=Status.SKIPPED, last_error="Người nhận đã từ chối nhận tin.")
    )
    session.flush()
    record(
        session,
        actor,
        "notification.opt_out",
        "notification_optout",
        row.id,
        new={
            "channel": channel.value,
            "source": source,
            "donor_id": donor_id,
            "at": row.created_at.isoformat(),
        },
    )
    return True


def set_channels(session: Session, actor: Actor, donor: Donor, *, email: bool, sms_on: bool) -> ChannelChoice:
    """The donor's own choice (pledge form, account page). Choosing a channel again lifts an earlier opt-out of
    the donor's own address on it: the donor, signed in, asked for it. Staff have no such page."""
    choice = session.get(ChannelChoice, donor.id)
    old = None if choice is None else {"email": choice.email, "sms": choice.sms}
    if choice is None:
        choice = ChannelChoice(donor_id=donor.id)
        session.add(choice)
    choice.email, choice.sms, choice.updated_at = email, sms_on, utcnow()
    for channel, on, address in ((Channel.EMAIL, email, donor.email), (Channel.SMS, sms_on, donor.phone)):
        if on and address:
            session.execute(
                delete(OptOut).where(OptOut.channel == channel, OptOut.address == _key(channel, address))
            )
    session.flush()
    record(
        session,
        actor,
        "notification.channels",
        "donor",
        donor.id,
        old=old,
        new={"email": email, "sms": sms_on},
    )
    return choice


# ----------------------------------------------------------------------------------------------------- deliver
def _claim(session: Session, notification_id: int) -> Notification | None:
    """Take the row for one attempt (a lease, committed before anything is sent): a task delivered twice, or a
    retry sweep racing the first attempt, finds it taken and sends nothing."""
    now = utcnow()
    taken = rowcount(
        session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.status == Status.PENDING,
                Notification.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE, attempts=Notification.attempts + 1)
        )
    )
    transaction.checkpoint(session)
    return session.get(Notification, notification_id) if taken else None


def deliver(session: Session, notification_id: int) -> Status | None:
    """One attempt. Sent: SENT. A refusal that cannot change (eSMS 99/108/177, nothing left to say) or the last
    attempt: FAILED, shown in the staff list. Otherwise PENDING again after BACKOFF[attempt]."""
    n = _claim(session, notification_id)
    if n is None:
        return None
    if opted_out(session, n.channel, n.address):
        n.status, n.last_error = Status.SKIPPED, "Người nhận đã từ chối nhận tin."
        return n.status
    try:
        if n.channel == Channel.SMS:
            n.provider_id = sms.send(n.address, n.body, request_id=f"chungtay-{n.id}")
        else:
            from app.notifications.mail import send_email

            if not send_email(session, n, opt_out_link(n)):
                n.status, n.last_error = Status.SKIPPED, "Không còn gì để gửi."
                return n.status
    except Exception as exc:  # noqa: BLE001 - every failure is kept on the row and shown to staff
        # Retried: the provider or the mail server down or refusing for now. Final: a refusal eSMS says cannot
        # change, or a message that cannot even be built (an address with a line break: ValueError).
        retry = isinstance(exc, smtplib.SMTPException | OSError) or (
            isinstance(exc, sms.SmsError) and not exc.permanent
        )
        permanent = not retry
        n.last_error = str(exc)[:1000] or type(exc).__name__
        if permanent or n.attempts >= MAX_ATTEMPTS:
            n.status = Status.FAILED
        else:
            n.next_attempt_at = utcnow() + BACKOFF[min(n.attempts, len(BACKOFF)) - 1]
        return n.status
    n.status, n.sent_at, n.last_error = Status.SENT, utcnow(), None
    return n.status


def queue_due_retries(session: Session, limit: int = 500) -> int:
    """The retry sweep (beat, every minute): messages whose backoff has run out get a new delivery task."""
    rows = session.execute(
        select(Notification.id, Notification.attempts)
        .where(
            Notification.status == Status.PENDING,
            Notification.attempts > 0,
            Notification.next_attempt_at <= utcnow(),
        )
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    ).all()
    outbox.enqueue_many(
        session, DELIVER_TASK, [((nid,), {}, f"{DELIVER_TASK}:{nid}:{attempts}") for nid, attempts in rows]
    )
    return len(rows)


def problems(session: Session, limit: int = 200) -> list[Notification]:
    """For staff: messages that failed, or are waiting after an error, newest first."""
    return list(
        session.execute(
            select(Notification)
            .where(
                (Notification.status == Status.FAILED)
                | ((Notification.status == Status.PENDING) & Notification.last_error.is_not(None))
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def mask(address: str) -> str:
    """What a staff list shows of an address: enough to recognise it, not to copy it."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:2]}…@{domain}"
    return f"{address[:3]}…{address[-3:]}" if len(address) > 6 else "…"
