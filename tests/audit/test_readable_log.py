"""The audit log reads as a person expects: sentences instead of event codes, field labels, amounts, dates,
statuses and names as the rest of the application writes them; never escaped JSON."""

from __future__ import annotations

import ast
import html as html_lib
import re
from pathlib import Path

from app.accounts.models import Role
from app.audit.readable import ACTIONS
from app.audit.services import record
from app.campaigns.models import CampaignStatus
from app.campaigns.services import set_status
from app.core.actor import Actor
from app.ledger.models import TransactionKind
from tests.conftest import login
from tests.factories import KHANH_SON, make_campaign, make_user, province, unit

ROOT = Path(__file__).resolve().parents[2]


def _text(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded, spaces collapsed)."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_a_changed_amount_and_name_read_as_written_on_the_audit_page(client, session):
    kh = province(session)
    ks = unit(session, KHANH_SON)
    staff = make_user(session, Role.PROVINCE_STAFF, kh, email="tinh@test.vn")
    actor = Actor(user_id=staff.id, label=staff.email)
    # As pledge.edit and donor.create record them (app.pledges.services): raw values, dates as ISO text.
    record(
        session,
        actor,
        "pledge.edit",
        "pledge",
        12,
        old={"amount_vnd": 30_000_000, "schedule": "now", "due_on": "2026-10-20"},
        new={"amount_vnd": 50_000_000, "schedule": "instalments", "due_on": None},
        unit_id=kh.id,
    )
    record(
        session,
        actor,
        "donor.create",
        "donor",
        7,
        new={"kind": "household", "name": "Nguyễn Thị Lan", "tax_code": None},
        unit_id=kh.id,
    )
    record(
        session,
        actor,
        "pledge.status",
        "pledge",
        12,
        old={"status": "pledged"},
        new={"status": "partly_paid", "paid_vnd": 20_000_000},
        unit_id=kh.id,
    )
    record(
        session,
        actor,
        "need.fund",
        "household_need",
        3,
        new={"commune_id": ks.id, "publishable": True},
        unit_id=kh.id,
    )
    session.commit()
    login(client, "tinh@test.vn")
    page = client.get("/can-bo/nhat-ky/").get_data(as_text=True)
    text = _text(page)
    for expected in (
        "Đã sửa đăng ký ủng hộ #12",
        "Số tiền: 30.000.000 ₫",
        "Số tiền: 50.000.000 ₫",
        "Hạn nộp: 20/10/2026",
        "Hình thức nộp: Nộp một lần",
        "Hình thức nộp: Nộp nhiều đợt",
        "Đã thêm nhà tài trợ #7",
        "Tên: Nguyễn Thị Lan",
        "Loại: Hộ gia đình",
        "Trạng thái: Đã đăng ký",
        "Trạng thái: Đã nộp một phần",
        "Đã nộp: 20.000.000 ₫",
        f"Xã/phường: {ks.full_name}",
        "Công khai ảnh: Có",
    ):
        assert expected in text, expected
    for raw in ("amount_vnd", "pledge.edit", "\\u1ec5", "Nguy\\u", "{", "50000000", "partly_paid"):
        assert raw not in text, raw


def test_staff_home_recent_activity_speaks_vietnamese(client, session):
    kh = province(session)
    staff = make_user(session, Role.PROVINCE_STAFF, kh, email="tinh@test.vn")
    campaign = make_campaign(session, kh)
    actor = Actor(user_id=staff.id, label=staff.email)
    set_status(session, actor, campaign, CampaignStatus.CLOSED)  # a real service recording its own entry
    record(
        session,
        actor,
        "need.photo_add",
        "household_need",
        3,
        new={"photo_id": 9, "stage": "building"},
        unit_id=kh.id,
    )
    session.commit()
    login(client, "tinh@test.vn")
    text = _text(client.get("/can-bo").get_data(as_text=True))
    assert "Đã thêm ảnh cho hộ #3" in text
    assert f"Đã đổi trạng thái cuộc vận động #{campaign.id}" in text
    assert "need.photo_add" not in text and "campaign.status" not in text and "household_need" not in text
    english = _text(client.get("/can-bo?lang=en").get_data(as_text=True))
    assert "Added a photo for household #3" in english


# Helpers that record an audit entry for their caller, with the action given as a keyword: name -> their module.
PASSES_ACTION_ON = {"close_with_reason": "closing.py"}


def _recorded_actions() -> set[str]:
    """Every action the code passes to record()/entry_values(), read from the source (f-strings expanded)."""
    found: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        if path.parent.name == "audit":
            continue  # record() itself passes its `action` on
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in PASSES_ACTION_ON:  # the action is a keyword of the caller's call
                action = next(k.value for k in node.keywords if k.arg == "action")
            elif name in ("record", "entry_values") and len(node.args) >= 3:
                if path.name in PASSES_ACTION_ON.values():
                    continue  # the helper's own record() passes its `action` on
                action = node.args[2] if name == "record" else node.args[1]
            else:
                continue
            options = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
            for option in options:
                if isinstance(option, ast.Constant) and isinstance(option.value, str):
                    found.add(option.value)
                elif isinstance(option, ast.JoinedStr) and ast.unparse(option) == "f'ledger.{kind.value}'":
                    found |= {f"ledger.{k.value}" for k in TransactionKind}
                else:
                    found.add(f"<unreadable at {path.name}:{node.lineno}: {ast.unparse(option)}>")
    return found


def test_every_action_the_code_records_has_a_sentence():
    actions = _recorded_actions()
    assert len(actions) > 50  # the scan found the calls
    assert sorted(a for a in actions if a not in ACTIONS) == []
