"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from register.links import BASE_URL_KEY
from register.models.base import Base


class _Session(FlaskSQLAlchemySession):
    """`db.session`: carries the app's BASE_URL, so that emails composed in it link to the site."""

    def __init__(self, db: SQLAlchemy, **kwargs: Any) -> None:
        super().__init__(db, **kwargs)
        self.info[BASE_URL_KEY] = current_app.config["BASE_URL"]


if TYPE_CHECKING:

    class _ScopedSession(_Session):
        """How `db.session` is typed: a `scoped_session` forwards every Session method to this
        app context's `_Session`, so it is one; and it has the scoped_session's own two."""

        def __call__(self) -> _Session: ...

        def remove(self) -> None: ...


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy, with `db.session` typed as the Session it stands for.

    Services are typed `session: Session` (tests and commands pass plain sessions) and views and
    commands pass them `db.session`, a scoped_session: declared here, once, as what it is (every
    Session method, plus `__call__` and `remove`) instead of being excused at every call.
    """

    session: _ScopedSession  # type: ignore[assignment]


db = _SQLAlchemy(model_class=Base, session_options={"class_": _Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite only: write-ahead log, and fsync at checkpoints rather than on every commit.

    WAL lets readers work during an import; synchronous=NORMAL keeps every commit atomic and
    consistent (a killed process loses nothing committed), and makes a commit ~20x cheaper.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless told
        cursor.close()
