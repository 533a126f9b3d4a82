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


def database_label(app: Flask) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
