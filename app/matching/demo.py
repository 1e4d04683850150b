"""Demo: one draft matching proposal for Khánh Hòa, prepared by the province officer, waiting to be edited,
submitted and approved by the province approver (a different person)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.core.actor import Actor
from app.matching import services


def load(session: Session, ctx: dict) -> None:
    campaign = ctx["campaign"]
    province = ctx["province"]
    preparer = ctx["users"]["tinh@khanhhoa.chungtay.vn"]
    actor = Actor(user_id=preparer.id, label=preparer.email)
    services.run_proposal(session, actor, preparer, campaign, province.id)
    session.flush()
