"""Pledge pages: the public pledge form and confirmation, the donor's own pages, and staff lists and receipts."""

from app.pledges.views import donor, public, staff  # noqa: F401 - each module adds its routes to bp
from app.pledges.views.common import bp

__all__ = ["bp"]
