"""Building pledges for tests through the real form and the real services."""

from __future__ import annotations

from datetime import date, timedelta

from app.core.actor import Actor
from app.donors.models import DonorKind
from app.pledges import services
from app.pledges.models import PaymentMethod, PledgeSchedule

SYSTEM = Actor.system("test")


def business_form(world: dict, **over: str) -> dict:
    data = {
        "donor_kind": "business",
        "name": "Công ty Cổ phần Sữa Việt Nam",
        "tax_code": "0300588569",
        "address": "10 Tân Trào, phường Tân Mỹ, TP. Hồ Chí Minh",
        "contact_person": "Nguyễn Thị Lan",
        "email": "lan.nguyen@vinamilk.example.vn",
        "phone": "0905 123 456",
        "kind": "money",
        "amount": "50.000.000",
        "purpose": "housing",
        "earmark": "commune",
        "earmark_province_id": str(world["province"].id),
        "earmark_commune_id": str(world["khanh_son"].id),
        "schedule": "now",
        "payment_method": "bank_transfer",
        "display": "full_name",
        "note": "",
    }
    data.update(over)
    return data


def household_form(world: dict, **over: str) -> dict:
    data = {
        "donor_kind": "household",
        "name": "Hộ ông Lê Văn Tám",
        "province_id": str(world["province"].id),
        "commune_id": str(world["cam_lam"].id),
        "phone": "0912345678",
        "email": "",
        "kind": "money",
        "amount": "3.000.000",
        "purpose": "unrestricted",
        "earmark": "anywhere",
        "schedule": "now",
        "payment_method": "bank_transfer",
        "display": "full_name",
    }
    data.update(over)
    return data


def make_pledge(
    session,
    world: dict,
    *,
    amount: int = 6_000_000,
    email: str = "ho.tam@example.vn",  # type: ignore[no-untyped-def]
    instalments: list[tuple[date, int]] | None = None,
    earmark=None,
    name: str = "Hộ ông Lê Văn Tám",
    kind: DonorKind = DonorKind.HOUSEHOLD,
    tax_code: str | None = None,
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER,
    days_ago: int = 0,
):
    """days_ago: the pledge was made that many days ago (its dates move back with it), so a test can
    look at instalments already past due without waiting."""
    donor = services.find_or_create_donor(
        session, SYSTEM, services.DonorInput(kind=kind, name=name, email=email, tax_code=tax_code)
    )
    data = services.PledgeInput(
        amount_vnd=amount,
        earmark_unit_id=(earmark or world["khanh_son"]).id,
        contact_email=email,
        payment_method=method,
        schedule=PledgeSchedule.INSTALMENTS if instalments else PledgeSchedule.NOW,
        instalments=[services.InstalmentInput(d, a) for d, a in (instalments or [])],
    )
    if days_ago:
        data.instalments = [
            services.InstalmentInput(i.due_on + timedelta(days=days_ago), i.amount_vnd)
            for i in data.instalments
        ]
    pledge = services.create_pledge(session, SYSTEM, world["campaign"], donor, data)
    for inst in pledge.instalments:
        inst.due_on -= timedelta(days=days_ago)
    if pledge.due_on:
        pledge.due_on -= timedelta(days=days_ago)
    session.commit()
    return pledge
