"""What the benchmarks share: a freshly migrated database to fill, and timing figures."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, make_url, text

from register import create_app


def fresh_app(url: str | None, folder: Path, **config: Any) -> Flask:
    """An app on an empty, migrated database: `url` (PostgreSQL: its public schema is dropped
    and created again, so point it at a throwaway database) or else a SQLite file in `folder`."""
    from flask_migrate import upgrade

    if url and make_url(url).get_backend_name() == "postgresql":
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    url = url or f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": url, "REQUEST_LOG_STDERR": False, **config}
    )
    app.instance_path = str(folder)
    with app.app_context():
        upgrade(revision="heads")
    return app


def timings(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and 95th percentile of `repeat` runs of `action`, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


INDEX_TABLES = (
    "screening_name",
    "screening_name_key",
    "screening_word_key",
    "supplier_identifier_key",
    "declared_organisation",
    "declared_identifier_key",
)


def index_size_mb(connection: Any) -> dict[str, float]:
    """Size on disk of each table of the stored candidate index (PostgreSQL: with its indexes
    and TOAST, pg_total_relation_size; SQLite: dbstat pages of the table and its indexes, when
    the build has dbstat, else nothing), in MB."""
    if connection.dialect.name == "postgresql":
        return {
            table: connection.execute(
                text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table}
            ).scalar_one()
            / 1e6
            for table in INDEX_TABLES
        }
    try:
        sizes = {}
        for table in INDEX_TABLES:
            sizes[table] = (
                connection.execute(
                    text(
                        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = :t OR name IN "
                        "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t)"
                    ),
                    {"t": table},
                ).scalar_one()
                / 1e6
            )
        return sizes
    except Exception:  # noqa: BLE001 - SQLite built without dbstat
        return {}


def index_size_line(sizes: dict[str, float]) -> str:
    """One stable line: "index size on disk: N MB (table M MB, ...)"."""
    if not sizes:
        return "index size on disk: unknown (no dbstat)"
    parts = ", ".join(f"{table} {mb:.1f} MB" for table, mb in sizes.items())
    return f"index size on disk: {sum(sizes.values()):.1f} MB ({parts})"


def database_label(app: Flask) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
