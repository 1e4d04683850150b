"""What a card-gateway event must look like before gateway.process_event reads it.

A Stripe event is authenticated by its signature, but a signed event is not necessarily well formed: a test
sent from the dashboard, an API version we did not expect, or a bug on either side can deliver an event whose
`data.object` lacks a field or holds a list where an object belongs. process_event trusts the shape (it calls
`.get` on nested objects, `int()` on `created`, and records `amount_total` as money), so the shape is checked
here first: a malformed event is refused with 400 and a Vietnamese message naming the field, and nothing of it
is stored (not even in payment_webhook_events). Field names and types follow Stripe's API reference for the
Event, Checkout Session and Charge objects; events of types we do not handle are checked only at the top level.
"""

from __future__ import annotations

import json
from typing import Any, TypeGuard

# The latest `created` we accept (year 2100): beyond it datetime.fromtimestamp overflows on some platforms,
# and no real event is from the next century.
MAX_CREATED = 4_102_444_800


class MalformedEvent(ValueError):
    """A correctly signed event whose content is not a usable gateway event; the message is Vietnamese."""


def _refuse(detail: str) -> MalformedEvent:
    return MalformedEvent(f"Sự kiện Stripe không hợp lệ: {detail}")


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)  # JSON true is not an amount


def _text(obj: dict, key: str, where: str, *, required: bool) -> None:
    value = obj.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value or len(value) > 255:
        raise _refuse(f"trường “{where}{key}” phải là một chuỗi ký tự (1–255 ký tự).")


def _amount(obj: dict, key: str, where: str, *, required: bool) -> None:
    value = obj.get(key)
    if value is None and not required:
        return
    if not _is_int(value) or value < 0:
        raise _refuse(f"trường “{where}{key}” phải là một số nguyên không âm (số đồng).")


def _checkout_session(obj: dict) -> None:
    where = "data.object."
    _text(obj, "id", where, required=True)
    for key in ("client_reference_id", "currency", "payment_status", "payment_intent", "status"):
        _text(obj, key, where, required=False)
    _amount(obj, "amount_total", where, required=False)
    metadata = obj.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise _refuse(f"trường “{where}metadata” phải là một đối tượng.")
        _text(metadata, "pledge_reference", f"{where}metadata.", required=False)
        _text(metadata, "card_payment_id", f"{where}metadata.", required=False)


def _charge(obj: dict) -> None:
    where = "data.object."
    _text(obj, "payment_intent", where, required=True)
    _amount(obj, "amount_refunded", where, required=True)


OBJECT_CHECKS = {
    "checkout.session.completed": _checkout_session,
    "checkout.session.async_payment_succeeded": _checkout_session,
    "checkout.session.async_payment_failed": _checkout_session,
    "checkout.session.expired": _checkout_session,
    "charge.refunded": _charge,
}


def check_event(event: Any) -> dict:
    """The event itself when its shape is one process_event can apply; MalformedEvent otherwise."""
    if not isinstance(event, dict):
        raise _refuse("nội dung phải là một đối tượng JSON.")
    _text(event, "id", "", required=True)
    _text(event, "type", "", required=True)
    created = event.get("created")
    if created is not None and (not _is_int(created) or not 0 <= created <= MAX_CREATED):
        raise _refuse("trường “created” phải là một mốc thời gian Unix (số giây).")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise _refuse("trường “data.object” phải là một đối tượng.")
    check = OBJECT_CHECKS.get(event["type"])
    if check is not None:
        check(data["object"])
    return event


def parse_event(payload: bytes) -> dict:
    """The signed payload (already verified) as an event dict, or MalformedEvent."""
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _refuse("nội dung không phải JSON.") from exc
    return check_event(event)
