"""Donor-account tests use the same world as the pledge tests (Khánh Hòa's campaign, accounts, staff)."""

from tests.pledges.conftest import world  # noqa: F401 - a pytest fixture, shared rather than copied
