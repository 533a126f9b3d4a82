"""`flask awards import`: real files, rejected records and --errors, refused files, being killed."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from register.extensions import db
from register.models import Award, ImportRun
from tests.awards.test_import import CF, DATA, FOLDERS, naive_counts, stored_counts

ROOT = Path(__file__).resolve().parents[2]
BAD_FILES = (
    "bad_currency.jsonl",
    "invalid_json_line.jsonl",
    "missing_ocid.jsonl",
    "non_numeric_value.jsonl",
    "truncated_package.json",
)


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "generate_awards", ROOT / "bench" / "generate_awards.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_imports_the_real_files_with_totals(app: Flask, runner: Any) -> None:
    result = runner.invoke(args=["awards", "import", *(str(CF / f) for f in FOLDERS)])
    assert result.exit_code == 0, result.output
    awards, suppliers, coh = naive_counts()
    assert (
        f"Total: read {awards}, imported {awards}, updated 0, unchanged 0, rejected 0, "
        "files refused 0"
    ) in result.output
    assert stored_counts(db.session) == (awards, suppliers, coh)
    # Screened after the import, each contract once: the suppliers of another publication of
    # an award already imported (the same contract under a second OCID) are not screened again.
    copies = db.session.scalars(select(Award).where(Award.duplicate_of_id.is_not(None))).all()
    assert copies, "the Contracts Finder sample publishes some contracts twice"
    screened = suppliers - sum(len(award.suppliers) for award in copies)
    assert f"against {screened} award suppliers" in result.output


def test_rejected_records_and_refused_file_are_reported(
    app: Flask, runner: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in BAD_FILES:
        shutil.copy(DATA / "bad_awards" / name, folder / name)
    good = folder / "z_good.csv"  # sorted after the malformed file: still imported
    good.write_text(
        "ocid,award_id,title,buyer_name,value,currency,award_date,supplier_name,supplier_scheme,"
        "supplier_id\nocds-test-9,award-9,Catering,BFI,100,GBP,2020-02-18,Café Nero Ltd,,\n",
        encoding="utf-8",
    )
    errors = tmp_path / "errors.csv"
    result = runner.invoke(args=["awards", "import", str(folder), "--errors", str(errors)])

    assert result.exit_code == 1
    assert "rejected 4, files refused 1" in result.output
    f = f"{folder}/"
    peter = '{""id"":""1"",""name"":""PETER DISPLAYS LTD T/A LIMELIGHT""}'
    assert errors.read_bytes().decode("utf-8") == (
        "file_position,reason,record\r\n"
        f"{f}bad_currency.jsonl:2#awards[0],currency 'pounds' is not a 3-letter ISO 4217 code,"
        '"{""id"":""award-2"",""date"":""2020-02-18T00:00:00Z"",""value"":{""amount"":100,'
        f'""currency"":""pounds""}},""suppliers"":[{peter}]}}"\r\n'
        f"{f}invalid_json_line.jsonl:2,\"invalid JSON: Expecting ',' delimiter (column 24)\","
        '"{""ocid"": ""ocds-test-2"" ""awards"": []}\n"\r\n'
        f"{f}missing_ocid.jsonl:2,missing ocid,"
        '"{""id"":""ocds-test-2-1"",""date"":""2020-02-18T00:00:00Z"",""parties"":[{""id"":""b"",'
        '""roles"":[""buyer""],""name"":""BFI""},{""id"":""1"",""roles"":[""supplier""],'
        '""name"":""PETER DISPLAYS LTD T/A LIMELIGHT"",""identifier"":{""scheme"":""GB-COH"",'
        '""id"":""874637""}}],""buyer"":{""id"":""b"",""name"":""BFI""},""awards"":[{""id"":'
        '""award-2"",""date"":""2020-02-18T00:00:00Z"",""value"":{""amount"":93527,'
        f'""currency"":""GBP""}},""suppliers"":[{peter}]}}]}}"\r\n'
        f"{f}non_numeric_value.jsonl:2#awards[0],value 'abc' is not a number,"
        '"{""id"":""award-2"",""date"":""2020-02-18T00:00:00Z"",""value"":{""amount"":""abc"",'
        f'""currency"":""GBP""}},""suppliers"":[{peter}]}}"\r\n'
        f"{f}truncated_package.json,{f}truncated_package.json: truncated JSON at byte 1188,\r\n"
    )
    for line in (
        f"rejected {f}bad_currency.jsonl:2#awards[0]: currency 'pounds' is not a 3-letter",
        f"rejected {f}missing_ocid.jsonl:2: missing ocid",
        f"FILE REFUSED, nothing from it was kept: {f}truncated_package.json: truncated JSON",
    ):
        assert line in result.output

    # The good records were kept: award-1 last came from non_numeric_value.jsonl ("1,234.50");
    # the truncated package's copy of it (93527) was rolled back with the rest of that file.
    values = dict(db.session.execute(select(Award.award_id, Award.value)).all())
    assert values == {
        "award-1": Decimal("1234.50"),
        "award-3": Decimal("93527"),
        "award-9": Decimal("100"),
    }
    runs = db.session.execute(select(ImportRun.filename, ImportRun.status, ImportRun.rejected)
                              .order_by(ImportRun.id)).all()  # fmt: skip
    assert [(Path(name).name, status, n) for name, status, n in runs] == [
        ("bad_currency.jsonl", "completed", 1),
        ("invalid_json_line.jsonl", "completed", 1),
        ("missing_ocid.jsonl", "completed", 1),
        ("non_numeric_value.jsonl", "completed", 1),
        ("truncated_package.json", "failed", 0),
        ("z_good.csv", "completed", 0),
    ]


def _awards_from(path: Path, database: Path) -> int:
    with sqlite3.connect(database) as connection:
        query = "SELECT count(*) FROM award WHERE source LIKE ?"
        return int(connection.execute(query, (f"{path}:%",)).fetchone()[0])


def test_killed_import_leaves_nothing_or_everything(
    migrated_template: Path, tmp_path: Path
) -> None:
    generator = _generator()
    big = tmp_path / "big.jsonl"
    generator.write_jsonl(10000, big, seed=7)
    expected = sum(len(r.get("awards") or []) for r in generator.generate_releases(10000, 7))
    database = tmp_path / "register.sqlite"
    shutil.copy(migrated_template, database)  # the schema `flask db upgrade` builds
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "REGISTER_INSTANCE": str(tmp_path), "REGISTER_CONFIG": "development"}  # fmt: skip
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "awards", "import", str(big),
               "--no-screen"]  # fmt: skip

    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    wal = Path(f"{database}-wal")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 0:  # the import is writing
            time.sleep(0.3)
            break
        time.sleep(0.05)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.stdout is not None
    process.stdout.close()
    assert _awards_from(big, database) in (0, expected)

    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"Total: read {expected}, " in done.stdout
    assert _awards_from(big, database) == expected
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM award").fetchone() == (expected,)
