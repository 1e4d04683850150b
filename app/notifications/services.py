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
import functools
import hashlib
import hmac
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.dml import Insert

from app.audit.services import record
from app.core import outbox, transaction
from app.core.actor import Actor
from app.core.db import utcnow
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
    """SMS can really be sent: eSMS with its keys and brand name, or the console and memory backends of
    development and tests. Otherwise no form offers it and nobody is written an SMS."""
    cfg = current_app.config
    backend = cfg.get("SMS_BACKEND", "console")
    if backend == "esms":
        return all(cfg.get(k) for k in ("ESMS_API_KEY", "ESMS_SECRET_KEY", "ESMS_BRANDNAME"))
    return backend in ("console", "memory")


def default_channels(email: str | None, phone: str | None) -> set[Channel]:
    """No choice made: e-mail when there is an address, else SMS when there is a phone number."""
    if email:
        return {Channel.EMAIL}
    return {Channel.SMS} if phone else set()


def chosen_channels(session: Session, donor: Donor, *, email: str | None = None) -> set[Channel]:
    return _channels(session.get(ChannelChoice, donor.id), donor, email, sms_enabled())


def _channels(choice: ChannelChoice | None, donor: Donor, email: str | None, sms_on: bool) -> set[Channel]:
    if choice is None:
        chosen = default_channels(email or donor.email, donor.phone)
    else:
        chosen = {c for c, on in ((Channel.EMAIL, choice.email), (Channel.SMS, choice.sms)) if on}
    return chosen if sms_on else chosen - {Channel.SMS}


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
DELIVER_BATCH = 50  # messages per delivery task: one claim, one read, one commit per message sent


def notify(session: Session, donor: Donor | None, event: Event, context: Context) -> list[int]:
    """Write one message per channel the donor chose (minus opted-out addresses) and queue its delivery after
    the caller's commit. The same event about the same record to the same address is written once. Returns the
    ids of the messages written (none: nothing to say, or already said)."""
    return notify_many(session, [(donor, event, context)])


def notify_many(session: Session, items: Sequence[tuple[Donor | None, Event, Context]]) -> list[int]:
    """`notify()` for many (a batch of certificates, every funder of a house): the same rules, in a fixed number
    of statements whatever the count (the donors' choices, the opt-outs, one INSERT, the SMS texts, the delivery
    tasks, one per DELIVER_BATCH messages).

    The INSERT skips a message already written (ON CONFLICT on its dedupe key): two processes telling the same
    thing at once (a task delivered twice, a sweep racing the first run) write it once, and neither fails."""
    items = [(d, e, c) for d, e, c in items if d is not None]
    if not items:
        return []
    donor_ids = {d.id for d, _, _ in items}  # type: ignore[union-attr]
    choices = {
        c.donor_id: c
        for c in session.execute(select(ChannelChoice).where(ChannelChoice.donor_id.in_(donor_ids))).scalars()
    }
    sms_on = sms_enabled()
    wanted: dict[str, dict[str, Any]] = {}  # by dedupe key: the same message twice in one call is one message
    values: dict[str, Mapping[str, object]] = {}
    now = utcnow()
    for donor, event, context in items:
        assert donor is not None
        addresses = {
            Channel.EMAIL: context.email or donor.email,
            Channel.SMS: context.phone or donor.phone,
        }
        for channel in sorted(_channels(choices.get(donor.id), donor, context.email, sms_on)):
            address = addresses[channel]
            if not address:
                continue
            address = _key(channel, address)
            key = f"{event.value}:{context.subject_type}:{context.subject_id}:{channel.value}:{address}"[:200]
            wanted.setdefault(
                key,
                {
                    "donor_id": donor.id,
                    "event": event,
                    "channel": channel,
                    "address": address,
                    "subject_type": context.subject_type,
                    "subject_id": context.subject_id,
                    "body": "",
                    "dedupe_key": key,
                    "status": Status.PENDING,
                    "attempts": 0,
                    "segments": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "language": context.language or donor.language or "vi",
                },
            )
            values.setdefault(key, context.values)
    if not wanted:
        return []
    silenced = set(
        session.execute(
            select(OptOut.channel, OptOut.address).where(
                OptOut.address.in_({row["address"] for row in wanted.values()})
            )
        )
    )
    rows = [row for row in wanted.values() if (row["channel"], row["address"]) not in silenced]
    if not rows:
        return []
    stmt = _insert_statement(session.get_bind().dialect.name)
    # {dedupe_key: id} of the rows inserted; a key already taken returns nothing
    result = session.execute(stmt, rows) if len(rows) > 1 else session.execute(stmt, rows[0])
    written: dict[str, int] = {key: nid for key, nid in result}
    texts = []
    for row in rows:
        nid = written.get(row["dedupe_key"])
        if row["channel"] != Channel.SMS or nid is None:
            continue
        with in_language(row["language"]):  # the SMS is written in the recipient's language
            body = sms_text(row["event"], values[row["dedupe_key"]], _opt_out_link_for(nid))
        texts.append({"id": nid, "body": body, "segments": sms.segments(body).count})
    if texts:
        session.execute(update(Notification), texts)
    ids = [written[row["dedupe_key"]] for row in rows if row["dedupe_key"] in written]
    outbox.enqueue_many(
        session,
        DELIVER_TASK,
        [
            ((chunk,), {}, f"{DELIVER_TASK}:{chunk[0]}:0")
            for chunk in (ids[i : i + DELIVER_BATCH] for i in range(0, len(ids), DELIVER_BATCH))
        ],
    )
    return ids


@functools.cache
def _insert_statement(dialect: str) -> Insert:
    """The messages' INSERT (Core, built once per dialect): a dedupe key already written inserts nothing."""
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = Notification.__table__
    return (
        upsert(table)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.dedupe_key, table.c.id)
    )


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
    return _code(n.id)


def _code(notification_id: int) -> str:
    return f"{_base36(notification_id)}-{_signature(notification_id)}"


def opt_out_link(n: Notification) -> str:
    return _opt_out_link_for(n.id)


def _opt_out_link_for(notification_id: int) -> str:
    return public_url("notifications.opt_out", code=_code(notification_id))


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
def _claim(session: Session, notification_ids: Sequence[int]) -> list[Notification]:
    """Take the rows for one attempt (a lease, committed before anything is sent): a task delivered twice, or a
    retry sweep racing the first attempt, finds them taken and sends nothing. One UPDATE and one read."""
    now = utcnow()
    taken = list(
        session.execute(
            update(Notification)
            .where(
                Notification.id.in_(notification_ids),
                Notification.status == Status.PENDING,
                Notification.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE, attempts=Notification.attempts + 1)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    transaction.checkpoint(session)
    if not taken:
        return []
    rows = {
        n.id: n
        for n in session.execute(
            select(Notification).where(Notification.id.in_(taken)).execution_options(populate_existing=True)
        ).scalars()
    }
    return [rows[i] for i in notification_ids if i in rows]


def deliver(session: Session, notification_id: int) -> Status | None:
    """One attempt at one message (`deliver_many` of one)."""
    return deliver_many(session, [notification_id]).get(notification_id)


def deliver_many(session: Session, notification_ids: Sequence[int]) -> dict[int, Status]:
    """One attempt at each message. Sent: SENT. A refusal that cannot change (eSMS 99/108/177, nothing left to
    say) or the last attempt: FAILED, shown in the staff list. Otherwise PENDING again after BACKOFF[attempt].

    The messages are claimed together (one commit), then each outcome is committed as soon as it is known, so a
    worker lost mid-batch sends again at most the one message it was sending (as for a single message). On
    PostgreSQL those commits wait for no disk flush (synchronous_commit off, as certificates mark their mail):
    only a crash of PostgreSQL itself within a fraction of a second could lose an outcome, and the message
    would then be sent again after its lease, as it would after a worker lost between sending and committing."""
    if isinstance(
        session, scoped_session
    ):  # the task's db.session: its own session, whose settings we change
        session = session()
    claimed = _claim(session, notification_ids)
    if not claimed:
        return {}
    silenced = set(
        session.execute(
            select(OptOut.channel, OptOut.address).where(OptOut.address.in_({n.address for n in claimed}))
        )
    )
    asynchronous = session.get_bind().dialect.name == "postgresql"
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    outcomes: dict[int, Status] = {}
    try:
        for n in claimed:
            if asynchronous:
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            outcomes[n.id] = _attempt(session, n, (n.channel, n.address) in silenced)
            if len(claimed) > 1:
                transaction.checkpoint(session)
    finally:
        session.expire_on_commit = expire_on_commit
    return outcomes


def _attempt(session: Session, n: Notification, silenced: bool) -> Status:
    if silenced:
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
