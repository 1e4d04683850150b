"""Fixtures for papers: the certificates' world (a Khánh Hòa campaign, an approver who signs, a business
donor with a tax code and its user, a household donor)."""

from __future__ import annotations

import pytest

from tests.certificates.conftest import World


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    w = World(session)
    w.donor.address = "Số 248 đường Thống Nhất, phường Nha Trang, tỉnh Khánh Hòa"
    w.donor.contact_person = "Trần Thị Bích"
    session.commit()
    return w
