"""Fixtures for payments: a local fake of Stripe's HTTP API (the real stripe library talks to it), Stripe-style
webhook signing, pledges and official accounts."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.banking.models import OfficialBankAccount
from app.ledger.models import Purpose
from app.ledger.services import main_fund
from app.pledges.models import Pledge
from app.pledges.references import new_reference
from tests.factories import KHANH_SON, make_campaign, make_donor, province, unit

WEBHOOK_SECRET = "whsec_test_chungtay"  # noqa: S105 - test-only
API_KEY = "sk_test_chungtay"  # noqa: S105 - test-only


class FakeStripe:
    """Speaks the part of Stripe's API we use: POST /v1/checkout/sessions (honouring Idempotency-Key) and
    GET /v1/checkout/sessions/<id>, with bearer-key authentication and form-encoded parameters."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict] = {}
        self.by_key: dict[str, tuple[dict, dict]] = {}  # idempotency key -> (params, response)
        self.create_calls = 0
        self.fail_next = 0
        self._ids = itertools.count(1)

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        req = Request(environ)
        resp = self.handle(req)
        return resp(environ, start_response)

    @staticmethod
    def _json(body: dict, status: int = 200) -> Response:
        return Response(
            json.dumps(body), status=status, mimetype="application/json", headers={"Request-Id": "req_fake"}
        )

    def handle(self, req: Request) -> Response:
        if req.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self._json({"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}, 401)
        if req.method == "POST" and req.path == "/v1/checkout/sessions":
            self.create_calls += 1
            if self.fail_next:
                self.fail_next -= 1
                return self._json({"error": {"type": "api_error", "message": "boom"}}, 500)
            params = dict(req.form.items(multi=False))
            key = req.headers.get("Idempotency-Key")
            if key and key in self.by_key:
                old_params, old = self.by_key[key]
                if old_params != params:
                    return self._json(
                        {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can only be used with "
                                "the same parameters",
                            }
                        },
                        400,
                    )
                return self._json(old)
            if params.get("line_items[0][price_data][currency]") != "vnd":
                return self._json({"error": {"type": "invalid_request_error", "message": "currency"}}, 400)
            sid = f"cs_test_{next(self._ids):06d}"
            amount = int(params["line_items[0][price_data][unit_amount]"]) * int(
                params["line_items[0][quantity]"]
            )
            body = {
                "id": sid,
                "object": "checkout.session",
                "mode": params["mode"],
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": amount,
                "currency": "vnd",
                "url": f"https://checkout.stripe.com/c/pay/{sid}",
                "payment_intent": None,
                "client_reference_id": params.get("client_reference_id"),
                "success_url": params["success_url"],
                "cancel_url": params["cancel_url"],
                "metadata": {
                    k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")
                },
            }
            self.sessions[sid] = body
            if key:
                self.by_key[key] = (params, body)
            return self._json(body)
        if req.method == "GET" and req.path.startswith("/v1/checkout/sessions/"):
            sid = req.path.rsplit("/", 1)[-1]
            if sid not in self.sessions:
                return self._json(
                    {"error": {"type": "invalid_request_error", "message": "No such session"}}, 404
                )
            return self._json(self.sessions[sid])
        return self._json(
            {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}, 404
        )


@pytest.fixture
def fake_stripe():  # type: ignore[no-untyped-def]
    fake = FakeStripe()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def stripe_app(app, fake_stripe):  # type: ignore[no-untyped-def]
    app.config.update(
        PAYMENT_GATEWAY="stripe",
        STRIPE_SECRET_KEY=API_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake_stripe.base,
    )
    return app


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header exactly as Stripe computes it."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


_evt = itertools.count(1)


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_evt):08d}",
        "object": "event",
        "api_version": "2025-01-01",
        "created": int(time.time()),
        "type": event_type,
        "livemode": False,
        "data": {"object": obj},
    }


def session_obj(
    session_id: str, pledge: Pledge, amount: int, *, paid: bool = True, pi: str = "pi_test_1"
) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_total": amount,
        "currency": "vnd",
        "payment_status": "paid" if paid else "unpaid",
        "status": "complete",
        "payment_intent": pi,
        "client_reference_id": pledge.reference,
        "metadata": {"pledge_reference": pledge.reference},
    }


def charge_obj(pi: str, amount: int, refunded: int) -> dict:
    return {
        "id": f"ch_{pi}",
        "object": "charge",
        "payment_intent": pi,
        "amount": amount,
        "amount_refunded": refunded,
        "currency": "vnd",
        "refunded": refunded >= amount,
    }


def post_event(client, evt: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):  # type: ignore[no-untyped-def]
    payload = json.dumps(evt)
    return client.post(
        "/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, secret, timestamp)},
    )


@pytest.fixture
def kh_setup(session):  # type: ignore[no-untyped-def]
    """Khánh Hòa with its province account (Vietcombank) and Khánh Sơn's own account (BIDV)."""
    kh = province(session)
    ks = unit(session, KHANH_SON)
    fund = main_fund(session)
    campaign = make_campaign(session, kh)
    prov_acc = OfficialBankAccount(
        unit_id=kh.id,
        fund_id=fund.id,
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0061001234567",
        account_name="UBMTTQ TINH KHANH HOA",
    )
    ks_acc = OfficialBankAccount(
        unit_id=ks.id,
        fund_id=fund.id,
        bank_bin="970418",
        bank_name="BIDV",
        account_number="58010000123456",
        account_name="UBMTTQ XA KHANH SON",
    )
    session.add_all([prov_acc, ks_acc])
    session.commit()
    return {"province": kh, "khanh_son": ks, "campaign": campaign, "prov_acc": prov_acc, "ks_acc": ks_acc}


@pytest.fixture
def province_staff(session, kh_setup):  # type: ignore[no-untyped-def]
    from app.accounts.models import Role
    from tests.factories import make_user

    return make_user(session, Role.PROVINCE_STAFF, kh_setup["province"])


def make_pledge(
    session,
    campaign,
    amount: int,
    *,
    donor_name: str = "Công ty TNHH Thử Nghiệm",  # type: ignore[no-untyped-def]
    receiving=None,
    earmark=None,
    purpose: Purpose = Purpose.HOUSING,
) -> Pledge:
    donor = make_donor(session, donor_name)
    pledge = Pledge(
        reference=new_reference(),
        campaign_id=campaign.id,
        donor_id=donor.id,
        amount_vnd=amount,
        receiving_unit_id=receiving.id if receiving else None,
        earmark_unit_id=earmark.id if earmark else None,
        purpose=purpose,
    )
    session.add(pledge)
    session.commit()
    return pledge


def contributions_of(session, pledge):  # type: ignore[no-untyped-def]
    from app.contributions.models import Contribution

    return list(
        session.execute(
            select(Contribution)
            .where(Contribution.pledge_reference == pledge.reference)
            .order_by(Contribution.id)
        ).scalars()
    )
