"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.core import collation  # noqa: F401 - registers the Vietnamese collation on every SQLite connection
from app.core.replica import RoutingSession

# Named constraints, so Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# RoutingSession reads public pages from the replica when one is configured (app/core/replica.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def celery_init_app(app: Flask) -> Celery:
    """Celery bound to the app: every task runs inside the app context (Flask's documented pattern)."""

    class FlaskTask(Task):
        """Runs inside the app context, with its own session, and is one unit of work (app.core.transaction):
        committed once when the task returns, rolled back when it raises."""

        def __call__(self, *args: object, **kwargs: object) -> object:
            from app.core import transaction

            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                except BaseException:
                    transaction.rollback()
                    raise
                transaction.commit()
                return result

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
