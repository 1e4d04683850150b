"""Hostile statements and webhooks answer with a Vietnamese message and save nothing, never a 500 (issue 21.7):
a statement of 20 000 columns on the column-mapping page, a correctly signed Stripe event whose content is
malformed, and two staff clicking "Nhập" on the same statement at the same moment."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.payments.models import BankStatement, StatementLine, StatementStatus, WebhookEvent
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user
from tests.payments.conftest import WEBHOOK_SECRET, event, make_pledge, session_obj, sign
from tests.payments.test_statements import D1, day_lines, upload, vcb_csv
from tests.security.conftest import row_counts


@pytest.fixture
def province_staff(session, kh_setup):  # type: ignore[no-untyped-def]
    return make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])


def test_a_statement_of_20000_columns_gets_a_message_not_a_500(client, session, kh_setup, province_staff):
    login(client, province_staff.email, PASSWORD)
    wide = ";".join(f"c{i}" for i in range(20_000)) + "\n" + ";".join("1" for _ in range(20_000)) + "\n"
    resp = upload(client, kh_setup["prov_acc"].id, wide.encode(), name="rong.csv")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "20.000 cột" in body and "tối đa 200 cột" in body
    # Nothing of the file was kept as a statement to map.
    assert session.execute(select(func.count()).select_from(BankStatement)).scalar_one() == 0


def _signed_post(client, payload: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)},
    )


def _completed(pledge, **changes) -> dict:  # type: ignore[no-untyped-def]
    obj = session_obj("cs_test_malformed", pledge, 1_000_000)
    for key, value in changes.items():
        if value is ...:
            obj.pop(key)
        else:
            obj[key] = value
    return event("checkout.session.completed", obj)


MALFORMED = {
    "not JSON": lambda p: "đây không phải JSON",
    "a JSON list": lambda p: "[]",
    "a JSON string": lambda p: json.dumps("checkout.session.completed"),
    "event without id": lambda p: json.dumps({k: v for k, v in _completed(p).items() if k != "id"}),
    "numeric event id": lambda p: json.dumps({**_completed(p), "id": 12345}),
    "event without type": lambda p: json.dumps({k: v for k, v in _completed(p).items() if k != "type"}),
    "data is text": lambda p: json.dumps({**_completed(p), "data": "x"}),
    "data without object": lambda p: json.dumps({**_completed(p), "data": {}}),
    "object is a list": lambda p: json.dumps({**_completed(p), "data": {"object": [1, 2]}}),
    "created is text": lambda p: json.dumps({**_completed(p), "created": "hôm qua"}),
    "created out of range": lambda p: json.dumps({**_completed(p), "created": 10**30}),
    "session without id": lambda p: json.dumps(_completed(p, id=...)),
    "session id is an object": lambda p: json.dumps(_completed(p, id={"$ne": ""})),
    "metadata is text": lambda p: json.dumps(_completed(p, metadata="pledge")),
    "amount is text": lambda p: json.dumps(_completed(p, amount_total="1000000")),
    "amount is true": lambda p: json.dumps(_completed(p, amount_total=True)),
    "payment intent is a list": lambda p: json.dumps(_completed(p, payment_intent=["pi_1"])),
    "refund without payment intent": lambda p: json.dumps(
        event("charge.refunded", {"id": "ch_1", "object": "charge", "amount_refunded": 5})
    ),
    "refund amount is text": lambda p: json.dumps(
        event("charge.refunded", {"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": "5"})
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_signed_but_malformed_stripe_event_gets_400_with_a_message(
    stripe_app, client, session, kh_setup, case
):
    pledge = make_pledge(session, kh_setup["campaign"], 1_000_000)
    before = row_counts()
    resp = _signed_post(client, MALFORMED[case](pledge))
    assert resp.status_code == 400, (case, resp.get_data(as_text=True)[:300])
    message = resp.get_json()["error"]
    assert "Sự kiện Stripe không hợp lệ" in message, message
    assert row_counts() == before
    assert session.execute(select(func.count()).select_from(WebhookEvent)).scalar_one() == 0


@pytest.mark.postgres
def test_two_concurrent_import_clicks_import_once_and_the_other_gets_a_message(app, session, kh_setup):
    """Two staff of the province press "Nhập sao kê" on the same draft at the same moment: the statement is
    imported once, and the second click gets a Vietnamese message, not a UniqueViolation page."""
    from tests.conftest import race

    staff = [make_user(session, Role.PROVINCE_STAFF, kh_setup["province"]) for _ in range(2)]
    clients = [app.test_client() for _ in staff]
    for c, user in zip(clients, staff, strict=True):
        login(c, user.email, PASSWORD)
    days = [(D1.replace(day=d), day_lines(D1.replace(day=d))) for d in range(1, 29)]
    upload(clients[0], kh_setup["prov_acc"].id, vcb_csv(days, 100_000_000))
    stmt = session.execute(select(BankStatement)).scalar_one()
    url = f"/can-bo/sao-ke/{stmt.id}"
    tokens = [csrf_from(c.get(url).get_data(as_text=True)) for c in clients]
    session.commit()  # end the test's read transaction: the threads work on the committed state
    responses: dict[int, object] = {}
    lock = threading.Lock()

    def click(i: int) -> None:
        resp = clients[i].post(url, data={"csrf_token": tokens[i], "action": "import"})
        with lock:
            responses[i] = resp

    ok, refused, errors = race(app, 2, click)
    assert errors == [], errors
    assert sorted(r.status_code for r in responses.values()) == [302, 302]
    pages = [clients[i].get(responses[i].headers["Location"]).get_data(as_text=True) for i in range(2)]
    assert sum("Đã nhập 140 dòng mới" in p for p in pages) == 1
    assert sum("đã được nhập" in p and "Đã nhập 140 dòng mới" not in p for p in pages) == 1
    session.expire_all()
    assert session.get(BankStatement, stmt.id).status == StatementStatus.IMPORTED
    assert session.execute(select(func.count()).select_from(StatementLine)).scalar_one() == 28 * 5
