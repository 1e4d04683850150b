"""Privacy tests use the certificate tests' world (a Khánh Hòa campaign, staff of each role, a business donor and a
household donor, each with a donor account)."""

from tests.certificates.conftest import world  # noqa: F401 - a pytest fixture, shared rather than copied
