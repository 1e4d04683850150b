"""Configuration classes. Development is the default; production reads every secret from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import overload

from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CHUNGTAY_INSTANCE_DIR", BASE_DIR / "instance"))

DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"  # noqa: S105 - refused in production


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    APP_NAME = "Chung Tay"
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'chungtay.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A streaming replica of DATABASE_URL for the public pages (app/core/replica.py); unset: everything on the
    # primary. A replica further behind than REPLICA_MAX_LAG_SECONDS, or down, is skipped (checked at most every
    # REPLICA_CHECK_SECONDS per process).
    DATABASE_REPLICA_URL = _env("DATABASE_REPLICA_URL")
    REPLICA_MAX_LAG_SECONDS = float(_env("REPLICA_MAX_LAG_SECONDS", "5") or 5)
    REPLICA_CHECK_SECONDS = float(_env("REPLICA_CHECK_SECONDS", "1") or 1)
    # Read-only GET endpoints served from the replica to readers who are not signed in (a bare name: the whole
    # blueprint; transparency holds the public pages and the open-data API under /api/v1).
    REPLICA_ENDPOINTS = (
        "transparency",
        "pages.home",
        "needs.public_houses",
        "needs.public_house",
        "needs.public_photo",
        "needs.public_priorities",
        "pledges.confirmation",
    )

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Ghi nhớ đăng nhập" lasts 30 days from the last visit: app/accounts/sessions.py renews the cookie on every
    # request of a remembered session. Flask-Login's REMEMBER_COOKIE_REFRESH_EACH_REQUEST stays off: in 0.6.3 it
    # also gives a remember cookie to sessions that never asked for one (flask-login issues 424, 824) and writes
    # the session on every anonymous request (a Set-Cookie on every public page, even static files).
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_REFRESH_EACH_REQUEST = False
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # uploads larger than this get a Vietnamese 413 page
    UPLOAD_DIR = str(INSTANCE_DIR / "uploads")  # outside any static folder

    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis (the production limiter storage) down must not turn the pledge form into a 500: fall back to
    # per-process counters until it returns (tests/faults/test_redis_down.py).
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Public pages for anonymous readers, cached this many seconds and renewed at once when money moves
    # (app/core/page_cache.py); 0 turns the cache off.
    PUBLIC_PAGE_CACHE_SECONDS = int(_env("PUBLIC_PAGE_CACHE_SECONDS", "60") or 0)
    CACHE_TYPE = "SimpleCache"
    CACHE_KEY_PREFIX = "chungtay:"
    # Failed logins allowed per client address (successful ones are not counted, so a training room signing in
    # forty people from one address is never refused); the address is the X-Forwarded-For client behind
    # TRUSTED_PROXIES reverse proxies (0: the connecting address; a forged header is ignored).
    LOGIN_RATE_LIMIT = "30 per 10 minutes;100 per hour"
    TRUSTED_PROXIES = int(_env("TRUSTED_PROXIES", "0") or 0)
    # Per e-mail: after this many failures each further attempt waits 2, 4, 8 … seconds up to the cap; never a
    # lock (app/accounts/throttle.py). Failures are forgotten after the window or at the next success.
    LOGIN_DELAY_AFTER_FAILURES = 5
    LOGIN_DELAY_CAP_SECONDS = 900
    LOGIN_FAILURE_WINDOW_SECONDS = 24 * 3600
    LOGIN_DEVICE_COOKIE_DAYS = (
        180  # a browser where the account signed in is not delayed by strangers' failures
    )

    CELERY: dict = {
        "broker_url": _env("CELERY_BROKER_URL", "memory://"),
        "result_backend": _env("CELERY_RESULT_BACKEND", "cache+memory://"),
        "task_always_eager": True,
        "task_eager_propagates": True,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # A publish to a broker that is down gives up quickly: the task stays in the outbox (app.core.outbox)
        # and the sweep publishes it when the broker is back, so a request never hangs on Redis.
        "broker_connection_timeout": 2,
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "timezone": "Asia/Ho_Chi_Minh",
        "beat_schedule": {
            "core-flush-outbox": {"task": "core.flush_outbox", "schedule": 60},
            # Bank feed rows stored by the webhooks and not yet recorded (a kick lost with its worker, a broker
            # down when the webhook committed): the safety net of app.bankfeed.services.kick_recording.
            "bankfeed-record-pending": {"task": "bankfeed.record_pending", "schedule": 60},
            # 02:00 Vietnam time: the consistency verifier (app.ledger.verify); the staff home page shows its result.
            "ledger-verify-nightly": {"task": "ledger.verify", "schedule": crontab(hour=2, minute=0)},
            # Instalments due within REMINDER_DAYS (3) days: each reminded once, on the donor's channels.
            "pledges-instalment-reminders": {
                "task": "pledges.send_instalment_reminders",
                "schedule": 24 * 3600,
            },
            "notifications-retry-due": {"task": "notifications.retry_due", "schedule": 60},
            "pledges-overdue-digest": {"task": "pledges.send_overdue_digest", "schedule": 7 * 24 * 3600},
            # 01:00 Vietnam time: pledges overdue beyond PLEDGE_LAPSE_AFTER_DAYS become lapsed (donor told once).
            "pledges-lapse-overdue": {
                "task": "pledges.lapse_overdue_pledges",
                "schedule": crontab(hour=1, minute=0),
            },
            "certificates-sweep-acknowledgements": {
                "task": "certificates.sweep_acknowledgements",
                "schedule": 15 * 60,
            },
            "payments-expire-stale-checkouts": {"task": "payments.expire_stale_checkouts", "schedule": 3600},
            # 00:30 Vietnam time: publish yesterday's root of the contributions chain, re-check every day.
            "transparency-publish-daily-root": {
                "task": "transparency.publish_daily_root",
                "schedule": crontab(hour=0, minute=30),
            },
            # 03:00 Vietnam time: retention periods (app/privacy/retention.py) applied; idempotent.
            "privacy-apply-retention": {
                "task": "privacy.apply_retention",
                "schedule": crontab(hour=3, minute=0),
            },
        },
    }

    # After a commit, queued tasks are published "inline" (before the request returns; eager Celery runs them
    # there) or by one "thread" per process in batches (app/core/outbox.py).
    OUTBOX_PUBLISHER = _env("OUTBOX_PUBLISHER", "inline")

    MAIL_BACKEND = _env("MAIL_BACKEND", "console")  # console | smtp
    MAIL_SERVER = _env("MAIL_SERVER", "localhost")
    MAIL_PORT = int(_env("MAIL_PORT", "25") or 25)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_USE_TLS = _env("MAIL_USE_TLS", "0") == "1"
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Chung Tay <khong-tra-loi@chungtay.local>")

    # SMS (app/notifications, docs/NOTIFICATIONS.md): console (development: printed), esms (eSMS.vn over HTTP),
    # disabled (no SMS channel offered; production's default), memory (tests). Production refuses "console".
    SMS_BACKEND = _env("SMS_BACKEND", "console")
    SMS_UNICODE = _env("SMS_UNICODE", "1") != "0"  # 0: diacritics dropped (GSM-7, 160 characters a part)
    ESMS_URL = _env("ESMS_URL", "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/")
    ESMS_API_KEY = _env("ESMS_API_KEY")
    ESMS_SECRET_KEY = _env("ESMS_SECRET_KEY")
    ESMS_BRANDNAME = _env("ESMS_BRANDNAME")
    ESMS_SMS_TYPE = _env("ESMS_SMS_TYPE", "2")  # 2: customer care (Brandname)
    ESMS_SANDBOX = _env("ESMS_SANDBOX", "0") == "1"

    # Payments: Stripe is optional per deployment (it may not serve organisations registered in Vietnam).
    STRIPE_SECRET_KEY = _env("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = _env("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = _env("STRIPE_API_BASE")  # tests point the real stripe library at a local fake
    PAYMENT_GATEWAY = _env("PAYMENT_GATEWAY", "test")  # test | stripe | disabled

    # Bank feeds (app/bankfeed): a provider's endpoint answers only once its secret is set. SePay: the API key it
    # sends as "Authorization: Apikey …"; Casso: the webhook's secure key (X-Casso-Signature, HMAC-SHA512); a
    # bank's direct API: the shared secret of our signed JSON (HMAC-SHA256 over "timestamp.body").
    BANKFEED_SEPAY_API_KEY = _env("BANKFEED_SEPAY_API_KEY")
    BANKFEED_CASSO_KEY = _env("BANKFEED_CASSO_KEY")
    BANKFEED_DIRECT_SECRET = _env("BANKFEED_DIRECT_SECRET")
    BANKFEED_TOLERANCE_SECONDS = int(_env("BANKFEED_TOLERANCE_SECONDS", "300") or 300)
    # The webhook stores a notification and answers; the task bankfeed.record_pending records the money. A process
    # publishes that task at most once per this many seconds, with this countdown (app.bankfeed.services
    # kick_recording): the credits of the interval are recorded by one run, in batches.
    BANKFEED_RECORD_DELAY = float(_env("BANKFEED_RECORD_DELAY", "1.0") or 1.0)

    # Key material for encrypting beneficiaries' identifiers and signing certificates.
    DATA_ENCRYPTION_KEY = _env("DATA_ENCRYPTION_KEY")
    CERTIFICATE_SIGNING_KEY = _env("CERTIFICATE_SIGNING_KEY")

    # A pledge still unpaid (or partly paid) this many days after its last due date lapses automatically.
    PLEDGE_LAPSE_AFTER_DAYS = int(_env("PLEDGE_LAPSE_AFTER_DAYS", "60") or 60)

    # The address in e-mails, QR codes and printed verification links. In development it follows the port the
    # server runs on (`PORT=5077 bash dev.sh run`); production refuses to start without an https one (app/core/config_checks.py).
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL") or f"http://127.0.0.1:{_env('PORT', '5000')}"
    CERTIFICATES_AUTO_ACKNOWLEDGE = True  # queue thank-you letters after money is recorded
    PREFERRED_URL_SCHEME = "http"
    SECURITY_HSTS = False


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    DATABASE_REPLICA_URL = None  # tests/replica start their own primary and replica and pass both
    WTF_CSRF_ENABLED = True  # tests send real tokens; see tests/conftest.py
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"
    SMS_BACKEND = "memory"
    PAYMENT_GATEWAY = "test"
    PASSWORD_HASH_FAST = True  # argon2 with small cost parameters, so the suite stays quick
    CERTIFICATES_AUTO_ACKNOWLEDGE = False  # tests that want it turn it on with @pytest.mark.app_config
    PUBLIC_PAGE_CACHE_SECONDS = 0  # pages reflect each test's changes at once; tests/core enable it
    CELERY = {**Config.CELERY, "broker_url": "memory://", "result_backend": "cache+memory://"}
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")  # not the PORT a shell may have set


class ProductionConfig(Config):
    PREFERRED_URL_SCHEME = "https"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SECURITY_HSTS = True
    MAIL_BACKEND = _env("MAIL_BACKEND", "smtp")
    SMS_BACKEND = _env("SMS_BACKEND", "disabled")
    OUTBOX_PUBLISHER = _env("OUTBOX_PUBLISHER", "thread")
    PAYMENT_GATEWAY = _env("PAYMENT_GATEWAY", "disabled")  # "stripe" with keys; never the test gateway
    CELERY = {
        **Config.CELERY,
        "broker_url": _env("CELERY_BROKER_URL", _env("REDIS_URL")),
        "result_backend": _env("CELERY_RESULT_BACKEND", _env("REDIS_URL")),
        "task_always_eager": False,
        "task_eager_propagates": False,
        # Redis redelivers a task not acknowledged within this time (acks_late: a task lost with its worker comes
        # back). Above the longest task (a 1 000 000-line statement import, about 17 min on the bench machine),
        # else a task still running is delivered a second time.
        "broker_transport_options": {
            "visibility_timeout": int(_env("CELERY_VISIBILITY_TIMEOUT", "1800") or 1800)
        },
        "worker_cancel_long_running_tasks_on_connection_loss": True,
    }
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", _env("REDIS_URL", "memory://"))
    CACHE_REDIS_URL = _env("CACHE_REDIS_URL", _env("REDIS_URL"))
    CACHE_TYPE = "RedisCache" if CACHE_REDIS_URL else "SimpleCache"  # shared by every worker and host

    @staticmethod
    def trusted_hosts(public_base_url: str) -> list[str]:
        """The host names production answers to: TRUSTED_HOSTS (comma- or space-separated; ".example.vn"
        also admits its subdomains), else the host of PUBLIC_BASE_URL. A request for any other Host gets 400
        before a view runs, so no page (and no cached page) is ever rendered for a forged host."""
        from urllib.parse import urlsplit

        listed = (os.environ.get("TRUSTED_HOSTS") or "").replace(",", " ").split()
        return listed or [h for h in [urlsplit(public_base_url).hostname] if h]

    @classmethod
    def check(cls) -> None:
        """Refuse to start production on a missing or weak setting (app/core/config_checks.py)."""
        from app.core.config_checks import refuse_weak_production_config

        refuse_weak_production_config(os.environ, dev_secret_key=DEV_SECRET_KEY)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
