"""Fixtures: an app on a real SQLite file built by the migrations, clients, users and the demo.

The schema is created once per test session by running the Alembic migrations into a template
file; each test gets its own copy of that file, so tests are isolated and fast.
PostgreSQL tests use TEST_DATABASE_URL (CI sets it); outside CI they skip with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask, g
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Connection, create_engine, func, make_url, select, text

from register import create_app, runtime
from register.admin.services import UserFields, create_department, create_user
from register.auth import passwords
from register.demo.build import build_demo
from register.extensions import db
from register.ingest import streams
from register.models import Department, User

# Fixtures shared by several test packages: the local S3 server (tests/evidence/s3.py).
pytest_plugins = ["tests.evidence.s3"]

PASSWORD = "correct-horse-battery-9"
IN_CI = os.environ.get("CI") == "true"


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(instance)
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite"
    _migrate(f"sqlite:///{path}", folder)
    return path


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every test's app (Jinja checks each against its source)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


def _clear_g(exc: BaseException | None) -> None:
    """Give every request a fresh `g`, as in production.

    Tests keep an application context pushed, so Flask would reuse one `g` for every request:
    Flask-Login's cached user would carry one client's sign-in into another client's request,
    and Flask-WTF's cached CSRF token would outlive the session it belongs to.
    """
    for name in list(g):
        g.pop(name, None)


def make_app(url: str, instance: Path, **overrides: Any) -> Flask:
    config = {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, **overrides}
    os.environ.setdefault("REGISTER_INSTANCE", str(instance))
    app = create_app("testing", config)
    app.teardown_request(_clear_g)
    app.jinja_env.bytecode_cache = _TEMPLATES  # speed only: templates compile once per run
    return app


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Argon2 hashes checked by the real code, with a low work factor."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(autouse=True)
def process_settings_restored() -> Iterator[None]:
    """The ingest limits are set for the process when an app is created: a test that configures
    other values leaves the next test the ones it found."""
    limits = streams.limits()
    yield
    streams.use_limits(limits)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change configuration (for example to enable CSRF)."""
    return {}


# `make test` runs the suite twice: on SQLite, then with TEST_DATABASE=postgresql, where the
# same `app` fixture stands on the PostgreSQL server of TEST_DATABASE_URL.
ON_POSTGRES = os.environ.get("TEST_DATABASE") == "postgresql"


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may skip: a skipped test fails the run, whatever skipped it."""
    if IN_CI and _SKIPPED and exitstatus == 0:
        print(f"\nCI=true and {len(_SKIPPED)} tests skipped, for example {_SKIPPED[:3]}")
        session.exitstatus = 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs the tests that stand on the `app` fixture; the rest (pure
    domain code, PostgreSQL-only tests, browser tests on the demo's SQLite) ran in the first."""
    if not ON_POSTGRES:
        return
    kept, left_out = [], []
    for item in items:
        on_app = "app" in getattr(item, "fixturenames", ())
        (kept if on_app and not item.get_closest_marker("sqlite_only") else left_out).append(item)
    config.hook.pytest_deselected(items=left_out)
    items[:] = kept


def _empty_postgres(url: str, instance: Path) -> None:
    """The private database at the migrations' head, with every table emptied."""
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")).scalars().all()  # fmt: skip
        at_head = (
            tables
            and connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == _head_revision()
        )
        if at_head:
            names = ", ".join(f'"{table}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:  # a test left another schema behind (migrations, faults): build it again
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    if not at_head:
        _migrate(url, instance)


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head() or ""


@pytest.fixture
def app(
    request: pytest.FixtureRequest, tmp_path: Path, app_config: dict[str, Any]
) -> Iterator[Flask]:
    if ON_POSTGRES:
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url, tmp_path)
    else:
        path = tmp_path / "register.sqlite"
        shutil.copy(request.getfixturevalue("migrated_template"), path)
        url = f"sqlite:///{path}"
    application = make_app(url, tmp_path, **app_config)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


DEMO_DAY = date(2026, 12, 1)  # the day the `demo` fixture's data set is loaded on


def _load_demo(url: str, folder: Path) -> None:
    """The demo data set loaded into the migrated database at `url`."""
    application = make_app(url, folder)
    with application.app_context():
        build_demo(db.session, runtime.settings(), progress=lambda _: None)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def demo_file(migrated_template: Path, folder: Path) -> Path:
    """A copy of the migrated template with the demo data set loaded."""
    path = folder / "demo.sqlite"
    shutil.copy(migrated_template, path)
    _load_demo(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def dated_demo_template(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo as loaded on DEMO_DAY, built once per session (SQLite)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("register.clock.today", lambda: DEMO_DAY)
        return demo_file(migrated_template, tmp_path_factory.mktemp("dated-demo"))


@pytest.fixture
def demo(app: Flask, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo data set in this test's empty database, as `demo load` leaves it on DEMO_DAY;
    the clock's today stays DEMO_DAY for the test. The database is a copy of one loaded once per
    session: a file on SQLite, a database made from a template on PostgreSQL."""
    monkeypatch.setattr("register.clock.today", lambda: DEMO_DAY)
    if db.session.scalar(select(func.count(User.id))):
        raise RuntimeError("the demo fixture replaces the database: request it before others")
    db.session.remove()
    db.engine.dispose()
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    assert database is not None
    if ON_POSTGRES:
        template = request.getfixturevalue("postgres_demo_template")
        with _server_admin() as admin:
            admin.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
            admin.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))
    else:
        shutil.copy(request.getfixturevalue("dated_demo_template"), database)


@pytest.fixture(scope="session")
def postgres_demo_template(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database beside this process's own with the demo as loaded on DEMO_DAY, built once
    per session: each demo test's database is created from it (CREATE DATABASE ... TEMPLATE)."""
    url = make_url(postgres_url)
    template = f"{url.database}_demo"
    with _server_admin() as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{template}"'))
        admin.execute(text(f'CREATE DATABASE "{template}"'))
    template_url = url.set(database=template).render_as_string(hide_password=False)
    folder = tmp_path_factory.mktemp("postgres-demo")
    _migrate(template_url, folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("register.clock.today", lambda: DEMO_DAY)
        _load_demo(template_url, folder)
    yield template
    with _server_admin() as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def department(app: Flask) -> Department:
    dept = create_department(db.session, "DCS", "Department for Children's Services", None)
    db.session.commit()
    return dept


def create_user_with_password(
    session: Any, fields: UserFields, actor: User | None = None, password: str = PASSWORD
) -> User:
    """A person with a known password, as if they had set it with their invitation link
    (administrators cannot set one: register.admin.services.create_user takes none)."""
    user = create_user(session, fields, actor)
    user.password_hash = passwords.hash_password(password)
    return user


@pytest.fixture
def make_user(app: Flask, department: Department) -> Callable[..., User]:
    counter = {"n": 0}

    def factory(role: str = "official", **kwargs: Any) -> User:
        counter["n"] += 1
        fields = UserFields(
            email=kwargs.pop("email", f"{role}{counter['n']}@example.gov.uk"),
            full_name=kwargs.pop("full_name", f"Test {role.title()} {counter['n']}"),
            role=role,
            department=kwargs.pop("department", department if role == "official" else None),
            **kwargs,
        )
        user = create_user_with_password(db.session, fields, None, PASSWORD)
        if role == "compliance":
            user.assigned_departments = [department]
        db.session.commit()
        return user

    return factory


def sign_in(client: FlaskClient, user: User | str, password: str = PASSWORD) -> Any:
    email = user if isinstance(user, str) else user.email
    return client.post("/auth/sign-in", data={"email": email, "password": password})


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def configure(app: Flask, **config: Any) -> None:
    """Change the configuration of an app already made (its settings are built once, in
    create_app, so they are built again here)."""
    app.config.update(config)
    runtime.init_app(app)


def date_fields(name: str, day: int, month: int, year: int) -> list[tuple[str, str]]:
    """GOV.UK date inputs post three values under one name."""
    return [(name, str(day)), (name, str(month)), (name, str(year))]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test process's own on the TEST_DATABASE_URL server, dropped at the end.

    A private database per process lets several test runs share one server without interfering.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if IN_CI:
            pytest.fail("TEST_DATABASE_URL must be set in CI: PostgreSQL tests may not skip")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (bash .ci/run sets it up)")
    base = make_url(url)
    private = base.set(database=f"{base.database}_{os.getpid()}")
    with _server_admin() as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{private.database}"'))
        admin.execute(text(f'CREATE DATABASE "{private.database}"'))
    yield private.render_as_string(hide_password=False)
    with _server_admin() as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{private.database}" WITH (FORCE)'))


@contextmanager
def _server_admin() -> Iterator[Connection]:
    """A connection to TEST_DATABASE_URL's database, outside transactions, for creating and
    dropping the private databases beside it."""
    engine = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.fixture
def pg_app(postgres_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a freshly migrated PostgreSQL schema."""
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(postgres_url, tmp_path)
    application = make_app(postgres_url, tmp_path)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
