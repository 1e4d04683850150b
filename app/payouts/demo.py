"""Demo payouts: a Khánh Sơn house paid by bank transfer (prepared by the commune, approved by the province's
approver, awaiting the bank's debit) and one paid in cash awaiting approval."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.banking.models import OfficialBankAccount
from app.core.actor import Actor
from app.needs.funding import DISBURSABLE_STATUSES
from app.needs.models import HouseholdNeed, TrancheKind
from app.payouts import services
from app.payouts.models import PayMethod, ProofKind

DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def load(session: Session, ctx: dict) -> None:
    users = ctx["users"]
    commune_user = users.get("khanhson@khanhhoa.chungtay.vn")
    approver = users.get("pheduyet@khanhhoa.chungtay.vn")
    if commune_user is None or approver is None or commune_user.unit_id is None:
        return
    needs = list(
        session.execute(
            select(HouseholdNeed)
            .where(
                HouseholdNeed.commune_id == commune_user.unit_id,
                HouseholdNeed.status.in_(DISBURSABLE_STATUSES),
                HouseholdNeed.funded_vnd > HouseholdNeed.disbursed_vnd,
            )
            .order_by(HouseholdNeed.id)
            .limit(2)
        ).scalars()
    )
    maker = Actor(user_id=commune_user.id, label=commune_user.email)
    checker = Actor(user_id=approver.id, label=approver.email)
    for i, need in enumerate(needs):
        amount = min(need.funded_vnd - need.disbursed_vnd, 20_000_000)
        if i == 0:
            details = services.DetailsInput(
                PayMethod.BANK,
                bank_name="Agribank",
                account_number="3901205000" + f"{need.id:03d}"[-3:],
                holder_name=need.head_name,
            )
        else:
            details = services.DetailsInput(
                PayMethod.CASH,
                recipient_name=need.head_name,
                witness_name="Cao Văn Trưởng (trưởng thôn, thử nghiệm)",
            )
        services.set_payment_details(session, maker, commune_user, need.id, details)
        order = services.prepare_order(session, maker, commune_user, need.id, amount, TrancheKind.PROGRESS)
        if i == 0:
            services.approve_order(session, checker, approver, order.id)
            services.upload_proof(
                session,
                maker,
                commune_user,
                need.id,
                FileStorage(io.BytesIO(DEMO_PDF), filename="de-nghi-chi.pdf"),
                ProofKind.OTHER,
                order_id=order.id,
                document_ref="Giấy đề nghị chi (thử nghiệm)",
            )
            account = session.execute(
                select(OfficialBankAccount)
                .where(OfficialBankAccount.unit_id == ctx["province"].id, OfficialBankAccount.is_active)
                .order_by(OfficialBankAccount.id)
                .limit(1)
            ).scalar_one_or_none()
            if account is not None:
                services.export_batch(session, checker, approver, [order.id], account.id)
    session.flush()
