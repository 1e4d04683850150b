"""Chung Tay application factory."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.db import render_item, schema_filter
from config import CONFIGS, ProductionConfig

# Domain packages, in dependency order. Each may provide views.bp (a Blueprint), cli.register(app)
# and demo.load(session) / demo.generate(session, **counts); create_app wires whatever exists.
DOMAIN_PACKAGES = (
    "core",
    "audit",
    "units",
    "accounts",
    "campaigns",
    "ledger",
    "donors",
    "contributions",
    "pledges",
    "payments",
    "collections",
    "needs",
    "matching",
    "certificates",
    "transparency",
    "reports",
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

    for name in DOMAIN_PACKAGES:
        _wire_package(app, name)
    return app


def _wire_package(app: Flask, name: str) -> None:
    for module_name, hook in (("views", "bp"), ("cli", "register"), ("tasks", None)):
        try:
            module = importlib.import_module(f"app.{name}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.{name}.{module_name}":
                raise
            continue
        if hook == "bp" and hasattr(module, "bp"):
            app.register_blueprint(module.bp)
        elif hook == "register" and hasattr(module, "register"):
            module.register(app)
