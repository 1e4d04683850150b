"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from celery import Celery, Task
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
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

    if TYPE_CHECKING:
        # DeclarativeBase types it as any FromClause; every model of ours is mapped to a Table (Core insert/update).
        __table__: ClassVar[Table]


if TYPE_CHECKING:

    class ScopedSession(RoutingSession):
        """db.session as the type checker sees it: Flask-SQLAlchemy's scoped_session proxies every method of the
        current RoutingSession (so it goes wherever a `sqlalchemy.orm.Session` is expected), and calling it returns
        that session. Typing it here once spares a cast or an ignore at every service call."""

        def __call__(self) -> RoutingSession: ...


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy's extension, unchanged at run time; for the type checker its session is a Session."""

    if TYPE_CHECKING:
        # scoped_session is no Session subclass, though it has every Session method (a proxy): the one ignore.
        session: ScopedSession  # type: ignore[assignment]


# RoutingSession reads public pages from the replica when one is configured (app/core/replica.py).
db = _SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})

# The base class of every model. mypy cannot take an attribute of an instance (db.Model) as a base class, so
# models subclass this name: db.Model at run time (Flask-SQLAlchemy's subclass of Base), Base to the checker.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
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
