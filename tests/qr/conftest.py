"""The payments fixtures the QR tests share (official accounts of Khánh Hòa and Khánh Sơn)."""

from tests.payments.conftest import kh_setup  # noqa: F401 (a fixture, found by pytest under this name)
