"""An award import killed midway on PostgreSQL leaves the data consistent; a re-run completes it.

tests/awards/test_cli.py does the same on SQLite; this is the production database, where the
import's transaction is rolled back by the server when its client dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from tests.awards.test_cli import _generator

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.postgres


def test_killed_import_rolls_back_and_the_rerun_completes(
    pg_app: Flask, postgres_url: str, tmp_path: Path
) -> None:
    generator = _generator()
    big = tmp_path / "big.jsonl"
    generator.write_jsonl(6000, big, seed=11)
    expected = sum(len(r.get("awards") or []) for r in generator.generate_releases(6000, 11))
    env = {**os.environ, "DATABASE_URL": postgres_url, "REGISTER_INSTANCE": str(tmp_path),
           "REGISTER_CONFIG": "development", "REQUEST_LOG_STDERR": "0"}  # fmt: skip
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "awards", "import", str(big),
               "--no-screen"]  # fmt: skip
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = make_url(postgres_url).database

    def awards() -> int:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM award WHERE source LIKE :path")
            return int(connection.scalar(query, {"path": f"{big}:%"}) or 0)

    def writers() -> int:
        """Connections to our database in a transaction that has written something."""
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                or 0
            )

    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and not writers():
        time.sleep(0.05)
    time.sleep(0.5)  # well into the file
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 30
    while writers() and time.monotonic() < deadline:  # the server notices and rolls back
        time.sleep(0.1)
    assert writers() == 0
    assert awards() == 0
    with engine.connect() as connection:
        runs = connection.execute(text("SELECT status FROM import_run")).scalars().all()
    assert runs in ([], ["failed"]), runs  # never a half-finished run claiming success

    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"Total: read {expected}, " in done.stdout
    assert awards() == expected
    with engine.connect() as connection:
        orphans = connection.scalar(text(
            "SELECT count(*) FROM award_supplier s LEFT JOIN award a ON a.id = s.award_id "
            "WHERE a.id IS NULL"))  # fmt: skip
        assert orphans == 0
        assert connection.execute(text("SELECT status FROM import_run")).scalars().all()[-1] == (
            "completed"
        )
    engine.dispose()
