"""A long award import on PostgreSQL does not hold up audited actions (sign-ins, decisions):
its audit entries for updated awards are written when the file is done, so the audit chain's
lock is taken only for the last moments of the import's transaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.orm import Session

from register.audit.log import record, verify
from register.models import AuditEntry
from tests.awards.test_cli import _generator

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.postgres


def test_audited_actions_go_on_while_an_import_updates_awards(
    pg_app: Flask, postgres_url: str, tmp_path: Path
) -> None:
    generator = _generator()
    first, newer = tmp_path / "first.jsonl", tmp_path / "newer.jsonl"
    generator.write_jsonl(3000, first, seed=3)
    with first.open() as source, newer.open("w") as target:
        for line in source:  # the same awards, republished a year later: every one updates
            release = json.loads(line)
            release["date"] = "2030-01-01T00:00:00Z"
            target.write(json.dumps(release) + "\n")
    # The import process keys its audit entries as this one verifies them (the same register).
    env = {**os.environ, "DATABASE_URL": postgres_url, "REGISTER_INSTANCE": str(tmp_path),
           "REGISTER_CONFIG": "development", "REQUEST_LOG_STDERR": "0",
           "AUDIT_KEY": pg_app.config["AUDIT_KEY"]}  # fmt: skip
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "awards", "import", "--no-screen"]
    subprocess.run([*command, str(first)], cwd=ROOT, env=env, check=True, capture_output=True)

    engine = create_engine(postgres_url)
    name = make_url(postgres_url).database
    importing = subprocess.Popen([*command, str(newer)], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        with engine.connect() as watcher:
            while time.monotonic() < deadline and importing.poll() is None:
                writing = watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                watcher.rollback()
                if writing:
                    break
                time.sleep(0.05)  # fmt: skip
        time.sleep(0.3)  # well into the file's updates
        assert importing.poll() is None, "the import finished before the check"
        with Session(engine) as session:  # an audited action, as a sign-in records one
            session.execute(text("SET lock_timeout = '2s'"))
            record(session, "auth.sign_in", "someone signed in during the import")
            session.commit()
        assert importing.poll() is None, "the import finished before the check completed"
    finally:
        out, err = importing.communicate(timeout=120)
    assert importing.returncode == 0, err.decode()[-2000:]
    assert b"imported 0, updated " in out
    with Session(engine) as session:
        updated = session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "award.updated")
        )
        assert updated and updated > 2500
        assert verify(session).ok
    engine.dispose()
