"""E-mails about pledges: confirmation, staff notice of offline pledges, reminders, overdue digest, account
links. Plain text, the same facts the pages show, in the recipient's language (`in_language`: the pledge's or the
donor's stored language; staff notices are Vietnamese)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.banking.services import official_accounts_for
from app.core.i18n import in_language, request_language
from app.core.mail import Mail, send_mail
from app.core.web import public_url
from app.pledges import services
from app.pledges.models import Pledge

TOKEN_MAX_AGE = 7 * 24 * 3600


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mails (app.core.web.public_url), usable from a Celery worker with no request."""
    return public_url(endpoint, **values)


def render_mail(template: str, **context: object) -> str:
    # A request context on the public address: url_for(..., _external=True) in a mail template links there.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        return render_template(f"pledges/mail/{template}", **context)


def payment_facts(session: Session, pledge: Pledge) -> dict:
    paid = services.amount_paid(session, pledge.id)
    return {
        "pledge": pledge,
        "paid": paid,
        "outstanding": max(0, pledge.amount_vnd - paid),
        "accounts": official_accounts_for(session, pledge.earmark_unit_id or pledge.receiving_unit_id),
        "instalments": services.instalment_states(session, pledge, paid=paid),
        "due": services.amount_due(session, pledge, paid=paid),
    }


def donor_link(pledge: Pledge) -> str:
    """The pledge page with a signed key: whoever got the e-mail sees it as the donor does (issue 19.1)."""
    return external_url("pledges.confirmation", reference=pledge.reference, k=view_token(pledge))


def confirmation_mail(session: Session, pledge: Pledge, to: str) -> Mail:
    """The pledge's confirmation (app.notifications sends it, event "pledge_recorded")."""
    body = render_mail(
        "confirmation.txt",
        link=donor_link(pledge),
        **payment_facts(session, pledge),
    )
    return Mail(
        to=[to], subject=_("Xác nhận đăng ký ủng hộ số %(reference)s", reference=pledge.reference), body=body
    )


def send_confirmation(session: Session, pledge: Pledge) -> bool:
    """To the contact typed with the pledge (never to a business on file that the pledge names)."""
    if not pledge.contact_email:
        return False
    with in_language(pledge.language):
        mail = confirmation_mail(session, pledge, pledge.contact_email)
    send_mail(mail)
    return True


def notify_staff_offline(session: Session, pledge: Pledge) -> int:
    """Tell the staff of the receiving/earmarked unit about a pledge paid in cash or in kind."""
    staff = services.staff_to_notify(session, [pledge.receiving_unit_id, pledge.earmark_unit_id])
    if not staff:
        return 0
    with in_language("vi"):  # staff read Vietnamese (no language is stored for them)
        body = render_mail(
            "staff_new_pledge.txt",
            pledge=pledge,
            link=external_url("pledges.staff_detail", pledge_id=pledge.id),
        )
        subject = _("Đăng ký ủng hộ mới cần tiếp nhận trực tiếp: %(reference)s", reference=pledge.reference)
    send_mail(
        Mail(
            to=sorted({u.email for u in staff}),
            subject=subject,
            body=body,
        )
    )
    return len(staff)


def reminder_mail(session: Session, pledge: Pledge, state: services.InstalmentState, to: str) -> Mail:
    """An instalment due soon (app.notifications sends it, event "instalment_due")."""
    body = render_mail(
        "reminder.txt",
        state=state,
        link=donor_link(pledge),
        **payment_facts(session, pledge),
    )
    subject = _(
        "Nhắc lịch nộp đợt %(seq)s – đăng ký ủng hộ %(reference)s",
        seq=state.instalment.seq,
        reference=pledge.reference,
    )
    return Mail(to=[to], subject=subject, body=body)


def send_lapsed(session: Session, pledge: Pledge, *, after_days: int) -> bool:
    """Tell the donor their pledge lapsed automatically (what was received stays counted; they may still pay)."""
    to = pledge.contact_email or pledge.donor.email
    if not to:
        return False
    with in_language(pledge.language):
        body = render_mail(
            "lapsed.txt",
            after_days=after_days,
            last_due=services.last_due_on(pledge),
            link=donor_link(pledge),
            **payment_facts(session, pledge),
        )
        subject = _("Đăng ký ủng hộ %(reference)s đã quá hạn", reference=pledge.reference)
    send_mail(Mail(to=[to], subject=subject, body=body))
    return True


def send_digest(session: Session, user, pledges: list[Pledge], today) -> None:  # type: ignore[no-untyped-def]
    rows = [(p, services.overdue_amount(session, p, today=today)) for p in pledges]
    with in_language("vi"):  # staff read Vietnamese (no language is stored for them)
        body = render_mail(
            "overdue_digest.txt",
            user=user,
            rows=rows,
            today=today,
            link=external_url("pledges.staff_list", overdue=1),
        )
        subject = _("Đăng ký ủng hộ quá hạn: %(n)s đăng ký", n=len(rows))
    send_mail(Mail(to=[user.email], subject=subject, body=body))


# Signed links: claiming a pledge (account creation) and inviting a colleague.
def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(salt: str, payload: dict) -> str:
    return _serializer(salt).dumps(payload)


def read_token(salt: str, token: str, max_age: int = TOKEN_MAX_AGE) -> dict | None:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return data if isinstance(data, dict) else None


def send_claim_link(pledge: Pledge) -> None:
    token = make_token("pledge-claim", {"pledge": pledge.id, "email": pledge.contact_email})
    with in_language(pledge.language):
        body = render_mail(
            "claim.txt", pledge=pledge, link=external_url("pledges.claim_account", token=token)
        )
        subject = _("Tạo tài khoản theo dõi đóng góp – Chung Tay")
    send_mail(Mail(to=[pledge.contact_email], subject=subject, body=body))


def invite_colleague(session, actor, donor, inviter, email: str) -> None:  # type: ignore[no-untyped-def]
    """A business or organisation donor invites a colleague to its account: audited now, the invitation mailed
    once the request commits (app.core.transaction.on_commit), never for a request that rolls back."""
    from app.audit.services import record
    from app.core.transaction import on_commit

    record(session, actor, "donor.invite", "donor", donor.id, new={"email": email})
    lang = request_language()  # the inviter's page: the colleague's language is not known
    on_commit(lambda: send_invitation(donor, inviter, email, lang), session)


def send_invitation(donor, inviter, email: str, lang: str = "vi") -> None:  # type: ignore[no-untyped-def]
    token = make_token("donor-invite", {"donor": donor.id, "email": email, "by": inviter.id})
    with in_language(lang):
        body = render_mail(
            "invite.txt",
            donor=donor,
            inviter=inviter,
            link=external_url("pledges.accept_invitation", token=token),
        )
        subject = _("Lời mời tham gia tài khoản %(name)s – Chung Tay", name=donor.name)
    send_mail(Mail(to=[email], subject=subject, body=body))


# Who speaks for a business (issue 19.1).
VIEW_MAX_AGE = 400 * 24 * 3600  # a pledge's e-mails are read for a campaign year and more


def view_token(pledge: Pledge) -> str:
    return make_token("pledge-view", {"p": pledge.id})


def viewer_pledge_id(token: str) -> int | None:
    data = read_token("pledge-view", token, max_age=VIEW_MAX_AGE)
    value = data.get("p") if data else None
    return value if isinstance(value, int) else None


def ask_business(session: Session, pledge: Pledge) -> int:
    """Ask a business on file to confirm a pledge made in its name: a one-click link to its verified users only
    (never to the address typed with the pledge). A business not yet verified hears nothing: staff decide."""
    from app.donors.services import verified_contacts

    if pledge.claimed_donor_id is None:
        return 0
    business = pledge.claimed_donor
    assert business is not None  # noqa: S101 - claimed_donor_id is a foreign key
    to = verified_contacts(session, business)
    if not to:
        return 0
    token = make_token("pledge-attach", {"pledge": pledge.id, "donor": business.id})
    with in_language(business.language):
        body = render_mail(
            "ask_business.txt",
            pledge=pledge,
            business=business,
            link=external_url("pledges.business_confirm", token=token),
        )
        subject = _(
            "Xác nhận đăng ký ủng hộ %(reference)s nhân danh %(name)s",
            reference=pledge.reference,
            name=business.name,
        )
    send_mail(Mail(to=to, subject=subject, body=body))
    return len(to)
