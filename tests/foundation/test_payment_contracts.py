"""The shared contracts of the payment channels: VietQR payloads, pledge references, pledge payments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.banking import vietqr
from app.contributions.models import Channel
from app.ledger import services as ledger
from app.ledger.models import Purpose
from app.pledges.models import Pledge, PledgeStatus
from app.pledges.references import find_reference, is_valid_reference, new_reference
from app.pledges.services import amount_paid, record_pledge_payment
from tests.factories import KHANH_SON, SYSTEM, make_campaign, make_donor, province, unit

PUBLISHED_SAMPLE = (
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
    "62170813ung ho lu lut6304C15C"
)


def test_vietqr_encoder_reproduces_the_published_sample_byte_for_byte():
    assert vietqr.build_payload("970415", "0011001932418", 120000, "ung ho lu lut") == PUBLISHED_SAMPLE
    assert vietqr.parse(PUBLISHED_SAMPLE)["54"] == "120000"


def test_vietqr_rejects_bad_crc_and_notes_banks_would_mangle():
    with pytest.raises(vietqr.VietQRError):
        vietqr.parse(PUBLISHED_SAMPLE[:-1] + "D")
    with pytest.raises(vietqr.VietQRError):
        vietqr.build_payload("970415", "0011001932418", 100000, "Ủng hộ người nghèo")
    with pytest.raises(vietqr.VietQRError):
        vietqr.build_payload("970415", "0011001932418", 100000, "A" * 20)


def test_references_survive_banking_apps_and_catch_typos():
    ref = new_reference()
    assert len(ref) <= 19 and ref.isascii() and ref.isalnum() and is_valid_reference(ref)
    spaced = f"CT TU NGUYEN VAN A {ref[:5].lower()}-{ref[5:]} UNG HO"
    assert find_reference(spaced) == ref
    typo = ref[:-2] + ("3" if ref[-2] != "3" else "4") + ref[-1]
    assert not is_valid_reference(typo)


def test_pledge_payment_splits_excess_into_an_unrestricted_gift_and_is_idempotent(session):
    kh = province(session)
    campaign = make_campaign(session, kh)
    donor = make_donor(session)
    pledge = Pledge(
        reference=new_reference(),
        campaign_id=campaign.id,
        donor_id=donor.id,
        amount_vnd=50_000_000,
        receiving_unit_id=kh.id,
        earmark_unit_id=unit(session, KHANH_SON).id,
        purpose=Purpose.HOUSING,
    )
    session.add(pledge)
    session.commit()
    at = datetime(2026, 10, 20, 3, tzinfo=UTC)
    first = record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=30_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=at,
        source="test",
        idempotency_key="line-1",
    )
    assert pledge.status == PledgeStatus.PARTLY_PAID and len(first) == 1
    again = record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=30_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=at,
        source="test",
        idempotency_key="line-1",
    )
    assert [c.id for c in again] == [c.id for c in first]
    second = record_pledge_payment(
        session,
        SYSTEM,
        pledge,
        amount_vnd=25_000_000,
        channel=Channel.BANK_TRANSFER,
        received_at=at,
        source="test",
        idempotency_key="line-2",
    )
    session.commit()
    assert pledge.status == PledgeStatus.FULFILLED
    assert amount_paid(session, pledge.id) == 50_000_000
    assert sorted((c.amount_vnd, c.purpose) for c in second) == [
        (5_000_000, Purpose.UNRESTRICTED),
        (20_000_000, Purpose.HOUSING),
    ]
    assert ledger.totals(session, campaign.fund_id).received_vnd == 55_000_000
