"""Chung Tay application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.db import render_item, schema_filter
from config import CONFIGS, ProductionConfig

# Domain packages, in dependency order: app.models imports their models, `flask demo` runs their demo.load(session,
# ctx) / demo.generate(...). Blueprints, commands and tasks are wired by name in create_app (no discovery).
DOMAIN_PACKAGES = (
    "core",
    "audit",
    "units",
    "accounts",
    "campaigns",
    "ledger",
    "banking",
    "donors",
    "contributions",
    "pledges",
    "agencies",
    "adoptions",
    "recurring",
    "payments",
    "bankfeed",
    "collections",
    "needs",
    "matching",
    "payouts",
    "goods",
    "certificates",
    "papers",
    "transparency",
    "reports",
    "privacy",
    "notifications",
    "demo",
)

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides: object) -> Flask:
    config_name = (
        config_name or os.environ.get("CHUNGTAY_ENV") or os.environ.get("FLASK_ENV") or "development"
    )
    config_class = CONFIGS[config_name]
    if config_class is ProductionConfig:
        ProductionConfig.check()

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(Path(os.environ.get("CHUNGTAY_INSTANCE_DIR", ROOT / "instance")).resolve()),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    if config_class is ProductionConfig and app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = ProductionConfig.trusted_hosts(app.config["PUBLIC_BASE_URL"])
    if proxies := int(app.config.get("TRUSTED_PROXIES") or 0):
        # Behind that many reverse proxies, the client is the one they name in X-Forwarded-For (the login limit
        # keys on it) and the scheme the one in X-Forwarded-Proto; with 0, forged headers are ignored. Links
        # never come from the Host header (PUBLIC_BASE_URL), so X-Forwarded-Host is not trusted.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from app import extensions as ext
    from app.core import replica

    replica.configure(app)
    ext.db.init_app(app)
    replica.init_app(app)
    from app.core import transaction

    transaction.init_app(app)  # after the replica's hooks: its after_request runs after the commit
    ext.migrate.init_app(
        app,
        ext.db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        include_object=schema_filter(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()),
        render_item=render_item,
    )
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.login_manager.init_app(app)
    ext.celery_init_app(app)

    from app.core import i18n, page_cache, web

    page_cache.init_app(app)

    i18n.init_app(app)
    web.init_app(app)

    from app import models as _models  # noqa: F401  (registers every model on the metadata)

    register_blueprints(app)
    register_commands(app)
    import_tasks()
    return app


# The functions below import inside: importing the package `app` (a script using app.core.money) must not load
# every view, and the views import app.extensions, which would import this module half-initialised.
def register_blueprints(app: Flask) -> None:
    """Every page the application serves, one blueprint per package; a view module that cannot be imported
    fails the start, never a link."""
    from app.accounts.views import bp as accounts
    from app.adoptions.views import bp as adoptions
    from app.agencies.views import bp as agencies
    from app.audit.views import bp as audit
    from app.bankfeed.views import bp as bankfeed
    from app.banking.views import bp as banking
    from app.campaigns.views import bp as campaigns
    from app.certificates.views import bp as certificates
    from app.collections.views import bp as collections
    from app.donors.views import bp as donors
    from app.goods.views import bp as goods
    from app.home.views import bp as home
    from app.ledger.views import bp as ledger
    from app.matching.views import bp as matching
    from app.needs.views import bp as needs
    from app.notifications.views import bp as notifications
    from app.papers.views import bp as papers
    from app.payments.views import bp as payments
    from app.payouts.views import bp as payouts
    from app.pledges.views import bp as pledges
    from app.privacy.views import bp as privacy
    from app.recurring.views import bp as recurring
    from app.reports.views import bp as reports
    from app.reports.views import public_bp as annual_reports
    from app.transparency.views import bp as transparency
    from app.units.views import bp as units

    for blueprint in (
        home,
        audit,
        units,
        accounts,
        campaigns,
        ledger,
        pledges,
        agencies,
        adoptions,
        recurring,
        donors,
        payments,
        banking,
        bankfeed,
        collections,
        needs,
        payouts,
        goods,
        matching,
        certificates,
        papers,
        transparency,
        reports,
        annual_reports,
        privacy,
        notifications,
    ):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    """The `flask` commands: tasks, units, users, ledger, transparency, demo."""
    from app.accounts import cli as accounts_cli
    from app.bankfeed import cli as bankfeed_cli
    from app.core import cli as core_cli
    from app.demo import cli as demo_cli
    from app.ledger import cli as ledger_cli
    from app.transparency import cli as transparency_cli
    from app.units import cli as units_cli

    for module in (core_cli, units_cli, accounts_cli, ledger_cli, transparency_cli, demo_cli, bankfeed_cli):
        module.register(app)


def import_tasks() -> None:
    """Import the modules that define Celery tasks (@shared_task registers each task on import)."""
    import app.bankfeed.tasks
    import app.certificates.tasks
    import app.collections.tasks
    import app.core.tasks
    import app.ledger.tasks
    import app.matching.tasks
    import app.needs.tasks
    import app.notifications.tasks
    import app.papers.tasks
    import app.payments.tasks
    import app.pledges.tasks
    import app.privacy.tasks
    import app.reports.tasks
    import app.transparency.tasks  # noqa: F401
