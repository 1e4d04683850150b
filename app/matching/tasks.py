"""Background runs of the matching engine (a national or very large scope)."""

from __future__ import annotations

from celery import shared_task

from app.accounts.models import User
from app.campaigns.models import Campaign
from app.core.actor import Actor
from app.extensions import db
from app.matching import services


@shared_task(name="matching.run_proposal")
def run_proposal(campaign_id: int, scope_unit_id: int | None, user_id: int) -> int:
    """Compute and store a draft proposal; returns its id."""
    user = db.session.get(User, user_id)
    campaign = db.session.get(Campaign, campaign_id)
    if user is None or campaign is None:
        return 0
    proposal = services.run_proposal(
        db.session, Actor(user_id=user.id, label=user.email), user, campaign, scope_unit_id
    )
    return proposal.id
