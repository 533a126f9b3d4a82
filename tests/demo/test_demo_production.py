"""`demo load` refuses to run in production: the demo's accounts share a published password."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from register import create_app
from register.extensions import db
from register.models import User


def test_demo_load_refuses_to_run_in_production(migrated_template: Path, tmp_path: Path):
    path = tmp_path / "production.sqlite"
    shutil.copy(migrated_template, path)
    app = create_app("production", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "x" * 64,
        "AUDIT_KEY": "k" * 64, "BASE_URL": "https://register.example.gov.uk",
    })  # fmt: skip
    with app.app_context():
        try:
            for args in (["demo", "load"], ["demo"], ["demo", "load", "--if-empty"]):
                result = app.test_cli_runner().invoke(args=args)
                assert result.exit_code != 0, args
                assert "refuses to run in production" in result.output
                assert "password for all" not in result.output
            assert db.session.scalar(select(func.count(User.id))) == 0
        finally:
            db.session.remove()
            db.engine.dispose()
