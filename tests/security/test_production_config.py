"""Production refuses to start on a weak configuration (issue 21, item 8): create_app with CHUNGTAY_ENV=production,
every setting good but one, raises with a message naming that variable and the command that makes a good value."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import create_app
from app.core.config_checks import GENERATE_FERNET_KEY, GENERATE_SECRET_KEY, GENERATE_SIGNING_KEY, secret_bits

# Good values, made once with the commands the messages give.
GOOD = {
    "SECRET_KEY": "T2P67Y1dq6wi7HrifAlIrX9Hv1WsIUIk1WXiIxrEVONNaLo6NlvkTGFSr_aYVaCC",
    "DATABASE_URL": "postgresql+psycopg://chungtay:mat-khau@db.chungtay.internal:5432/chungtay",
    "REDIS_URL": "redis://redis.chungtay.internal:6379/0",
    "DATA_ENCRYPTION_KEY": "8S_36ccxosgJS9mScudjw67Am39Os6UMClUM3_RsNwE=",
    "CERTIFICATE_SIGNING_KEY": "3VaXoSCNT4hFWslAdzK8DbNwc9V+BIXjV+8mAXESYYA=",
    "PUBLIC_BASE_URL": "https://chungtay.mttq.vn",
    "PAYMENT_GATEWAY": "disabled",
}
NAMED = [*GOOD, "CELERY_BROKER_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "CHUNGTAY_ENV"]


@pytest.fixture
def production_env(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """The environment of a production host with every setting good; a test spoils one."""
    for name in NAMED:
        monkeypatch.delenv(name, raising=False)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CHUNGTAY_ENV", "production")
    monkeypatch.setenv("CHUNGTAY_INSTANCE_DIR", str(tmp_path))

    def start(**spoilt: str | None):  # type: ignore[no-untyped-def]
        for name, value in spoilt.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        return create_app()

    return start


def _refused(start, **spoilt: str | None) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError) as caught:
        start(**spoilt)
    message = str(caught.value)
    assert message.count("\n- ") == 1, f"only the spoilt setting is refused:\n{message}"
    return message


def test_all_good_settings_start(production_env):
    app = production_env()
    assert app.config["PAYMENT_GATEWAY"] == "disabled" and app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    "weak",
    [
        "k" * 40,  # the example
        "p" * 64,
        "abc123" * 10,  # a repeated piece
        "dev-only-secret-key-not-for-production",  # the development default
        "0123456789abcdef0123456789abcdef",  # 32 hex characters: 128 bits
        "Mat-khau-2026!",
    ],
)
def test_a_weak_secret_key_is_refused(production_env, weak):
    message = _refused(production_env, SECRET_KEY=weak)
    assert "SECRET_KEY" in message and GENERATE_SECRET_KEY in message


def test_a_missing_secret_key_is_refused(production_env):
    message = _refused(production_env, SECRET_KEY=None)
    assert "SECRET_KEY chưa được đặt" in message and GENERATE_SECRET_KEY in message


def test_keys_made_by_the_advertised_commands_pass():
    import secrets

    from cryptography.fernet import Fernet

    from app.core.config_checks import production_config_problems

    for _ in range(200):
        assert secret_bits(secrets.token_urlsafe(48)) >= 256
        assert secret_bits(secrets.token_hex(32)) >= 256
        env = {
            **GOOD,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "CERTIFICATE_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        assert production_config_problems(env, dev_secret_key="dev") == []


@pytest.mark.parametrize("weak", ["x", "x" * 43 + "=", "not-base64-at-all!" * 3])
def test_a_data_encryption_key_that_is_not_a_fernet_key_is_refused(production_env, weak):
    message = _refused(production_env, DATA_ENCRYPTION_KEY=weak)
    assert "DATA_ENCRYPTION_KEY" in message and GENERATE_FERNET_KEY in message


@pytest.mark.parametrize(
    "weak",
    [
        "y",
        base64.b64encode(b"\x00" * 32).decode(),  # a valid seed, but all zeros
        base64.b64encode(b"0123456789").decode(),  # 10 bytes
        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
    ],
)
def test_a_certificate_signing_key_that_is_not_an_ed25519_key_is_refused(production_env, weak):
    message = _refused(production_env, CERTIFICATE_SIGNING_KEY=weak)
    assert "CERTIFICATE_SIGNING_KEY" in message and GENERATE_SIGNING_KEY in message


def test_a_pem_ed25519_signing_key_is_accepted(production_env):
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    production_env(CERTIFICATE_SIGNING_KEY=pem)  # starts


@pytest.mark.parametrize(
    "url", ["sqlite:////srv/chungtay/chungtay.sqlite3", "mysql+pymysql://u:p@db/chungtay", "khong-phai-url"]
)
def test_a_database_that_is_not_postgresql_is_refused(production_env, url):
    message = _refused(production_env, DATABASE_URL=url)
    assert "DATABASE_URL" in message and "postgresql+psycopg://" in message


def test_a_missing_database_url_is_refused(production_env):
    assert "DATABASE_URL" in _refused(production_env, DATABASE_URL=None)


@pytest.mark.parametrize(
    "url", [None, "http://chungtay.mttq.vn", "https://127.0.0.1:5000", "chungtay.mttq.vn"]
)
def test_a_missing_or_unusable_public_base_url_is_refused(production_env, url):
    message = _refused(production_env, PUBLIC_BASE_URL=url)
    assert "PUBLIC_BASE_URL" in message and "PUBLIC_BASE_URL=https://" in message


def test_the_test_payment_gateway_is_refused(production_env):
    message = _refused(production_env, PAYMENT_GATEWAY="test")
    assert "PAYMENT_GATEWAY=test" in message and "PAYMENT_GATEWAY=disabled" in message


def test_stripe_with_a_test_key_or_without_the_webhook_secret_is_refused(production_env):
    message = _refused(
        production_env,
        PAYMENT_GATEWAY="stripe",
        STRIPE_SECRET_KEY="sk_test_123",
        STRIPE_WEBHOOK_SECRET="whsec_1",
    )
    assert "STRIPE_SECRET_KEY" in message and "sk_live_" in message
    message = _refused(
        production_env, PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_live_123", STRIPE_WEBHOOK_SECRET=None
    )
    assert "STRIPE_WEBHOOK_SECRET" in message


def test_every_problem_is_listed_at_once(production_env):
    with pytest.raises(RuntimeError) as caught:
        production_env(SECRET_KEY="k" * 40, DATA_ENCRYPTION_KEY="x", CERTIFICATE_SIGNING_KEY="y")
    message = str(caught.value)
    for name in ("SECRET_KEY", "DATA_ENCRYPTION_KEY", "CERTIFICATE_SIGNING_KEY"):
        assert name in message
