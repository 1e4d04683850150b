"""Who is acting: services take an Actor explicitly, never request or current_user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    ip: str | None = None
    label: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user_id=None, ip=None, label=label)

    @classmethod
    def from_request(cls) -> Actor:
        from flask import request
        from flask_login import current_user

        uid = current_user.id if getattr(current_user, "is_authenticated", False) else None
        label = current_user.email if uid else "public"
        return cls(user_id=uid, ip=request.remote_addr, label=label)
