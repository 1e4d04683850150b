"""The signing key: from CERTIFICATE_SIGNING_KEY (PEM or base64 seed), else derived from SECRET_KEY."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.certificates import services, signing
from tests.factories import SYSTEM

SEED = bytes(range(32))
PEM = (
    Ed25519PrivateKey.from_private_bytes(SEED)
    .private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    .decode()
)


def _code_and_public_key(world, session):  # type: ignore[no-untyped-def]
    c = world.receive(1_000_000)
    cert = services.acknowledge_contribution(session, SYSTEM, c.id)
    session.commit()
    return cert, signing.public_key()


@pytest.mark.app_config(CERTIFICATE_SIGNING_KEY=PEM)
def test_pem_key_from_config_signs(world, session):
    cert, public = _code_and_public_key(world, session)
    expected = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
    assert public.public_bytes_raw() == expected.public_bytes_raw()
    _id, signature = signing.parse_code(cert.code)
    expected.verify(
        signature, signing.canonical_data(cert)
    )  # raises if the code was not signed with this key


@pytest.mark.app_config(CERTIFICATE_SIGNING_KEY=base64.b64encode(SEED).decode())
def test_base64_seed_from_config_signs(world, session):
    _cert, public = _code_and_public_key(world, session)
    assert (
        public.public_bytes_raw()
        == Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes_raw()
    )


def test_development_key_is_derived_from_the_secret_key_and_stable(world, session, app):
    cert, public = _code_and_public_key(world, session)
    assert signing.make_code(cert) == cert.code  # deterministic: the same data gives the same code
    assert (
        public.public_bytes_raw()
        != Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes_raw()
    )


def test_a_code_signed_by_another_key_is_refused(world, session, app):
    cert, _ = _code_and_public_key(world, session)
    other = Ed25519PrivateKey.from_private_bytes(SEED).sign(signing.canonical_data(cert))
    raw = base64.urlsafe_b64decode(cert.code + "=" * (-len(cert.code) % 4))
    forged = base64.urlsafe_b64encode(raw[:-64] + other).decode().rstrip("=")
    assert not services.verify_code(session, forged).valid


@pytest.mark.app_config(CERTIFICATE_SIGNING_KEY="not a key")
def test_an_unreadable_key_is_a_clear_error(app):
    with pytest.raises(signing.SigningKeyError, match="CERTIFICATE_SIGNING_KEY"):
        signing.private_key()
