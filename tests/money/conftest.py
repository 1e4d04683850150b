"""Fixtures borrowed from the needs and payments suites (a Khánh Hòa world with needs; the province's bank account)."""

from tests.needs.conftest import world  # noqa: F401
from tests.payments.conftest import kh_setup  # noqa: F401
