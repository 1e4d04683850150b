"""The demo looks real (issue 20 item 9): names as people have them, a target for every commune, and the overview
saying why its figures differ."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.campaigns.models import CampaignGoal
from app.contributions.models import Contribution
from app.units.models import AdminUnit


def test_demo_names_have_no_numbers_and_each_person_appears_once(session, demo):
    names = list(session.execute(select(Contribution.public_name)).scalars())
    assert names
    assert [n for n in names if re.search(r"\d", n)] == []
    people = [n for n in names if n != "Nhà hảo tâm"]
    door_to_door = list(
        session.execute(
            select(Contribution.public_name).where(Contribution.channel == "household_collection")
        ).scalars()
    )
    assert len(door_to_door) >= 30
    assert len(set(door_to_door)) == len(door_to_door)
    assert len(people) > 40


def test_every_commune_of_the_province_has_a_target_below_the_province_goal(session, demo):
    communes = set(
        session.execute(select(AdminUnit.id).where(AdminUnit.parent_id == demo.scope_unit_id)).scalars()
    )
    goals = {
        g.unit_id: g.goal_vnd
        for g in session.execute(select(CampaignGoal).where(CampaignGoal.campaign_id == demo.id)).scalars()
    }
    assert communes and communes <= set(goals)
    assert all(goals[c] > 0 for c in communes)
    assert sum(goals[c] for c in communes) <= demo.goal_vnd


def test_demo_overview_explains_pledged_and_received(client, demo):
    html = client.get(f"/cong-khai?chien_dich={demo.id}").get_data(as_text=True)
    assert "Đã đăng ký là số tiền nhà hảo tâm hứa ủng hộ qua mẫu đăng ký" in html
    assert "chưa giao chỉ tiêu" not in html
