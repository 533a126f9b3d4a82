"""Crafted files through the real command line, in a process limited to 1 GiB of address space
and 60 seconds: each exits 0 or 1 with a message naming the problem, and nothing of a refused
file is kept. Before the ingest limits, the 100,000-digit amount killed the process (SIGSEGV in
ijson's C parser), the gzip bomb grew it by gigabytes, and the nested BODS files raised
MemoryError and RecursionError."""

from __future__ import annotations

import gzip
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from register import PROJECT_ROOT
from register.ingest import streams
from register.ingest.rejections import FormatError
from register.models import Award, CompanyOfficer

ADDRESS_SPACE = 1024**3
SECONDS = 60


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_cli(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "REGISTER_INSTANCE": str(database.parent), "REGISTER_CONFIG": "development"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=SECONDS,
        preexec_fn=_limits, check=False,
    )  # fmt: skip


def count(database: Path, model: type) -> int:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


@pytest.fixture
def database(migrated_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "hostile.sqlite"
    shutil.copy(migrated_template, path)
    return path


AWARD_FILES = [
    ("amount_100000_digits.json", 1, "more than 1,000 digits in a row"),
    ("amount_5000_digits.json", 1, "more than 1,000 digits in a row"),
    ("amount_1e999999999.json", 1, "is out of range"),
    ("bomb.jsonl.gz", 1, "line 1 is longer than 16,777,216 bytes"),
    ("nested_arrays.json", 1, "unknown format"),
    ("nul_bytes.jsonl", 1, "rejected"),
    ("utf16.json", 1, "not UTF-8"),
    ("latin1.csv", 1, "not UTF-8"),
    ("truncated.json", 1, "FILE REFUSED"),
    ("string_2_mib.json", 1, "a string of more than 1,048,576 characters"),
]


@pytest.mark.parametrize(("name", "exit_code", "message"), AWARD_FILES)
def test_awards_import_refuses_a_hostile_file_cleanly(corpus, database, name, exit_code, message):
    result = run_cli(database, "awards", "import", str(corpus / name), "--no-screen")
    output = result.stdout + result.stderr
    assert result.returncode == exit_code, output[-3000:]
    assert message in output, output[-3000:]
    assert "Traceback" not in output
    assert count(database, Award) == 0  # nothing half-imported


@pytest.mark.parametrize(
    ("name", "message"),
    [("nested_arrays.json", "nested more than 100 levels deep"),
     ("nested_bods.jsonl", "nested too deeply")],
)  # fmt: skip
def test_ownership_import_refuses_nested_bods_cleanly(corpus, database, name, message):
    result = run_cli(database, "ownership", "import", str(corpus / name), "--no-screen")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert message in output and "Traceback" not in output, output[-3000:]
    assert count(database, CompanyOfficer) == 0


@pytest.fixture
def small_limits():
    before = streams.limits()
    streams.use_limits(streams.IngestLimits(max_bytes=100_000, max_line_bytes=1000, max_digits=50))
    yield
    streams.use_limits(before)


def _read_all(path: Path) -> bytes:
    with streams.open_stream(path) as (stream, _):
        return stream.read()


def test_limits_hold_across_chunk_boundaries_and_name_the_limit(small_limits, tmp_path):
    # A run of digits split over two 64 KiB reads is still one run.
    split = tmp_path / "split.txt"
    split.write_bytes(b"x" * (65536 + 40 - 30) + b"7" * 60 + b"\n")
    with pytest.raises(FormatError, match="more than 50 digits in a row"):
        _read_all(split)
    fine = tmp_path / "fine.txt"
    fine.write_bytes((b"1" * 50 + b" ") * 1000)
    assert len(_read_all(fine)) == 51_000
    big = tmp_path / "big.txt.gz"
    big.write_bytes(gzip.compress(b"a " * 60_000))
    with pytest.raises(FormatError, match="larger than 100,000 bytes once decompressed"):
        _read_all(big)
    long_line = tmp_path / "line.txt"
    long_line.write_bytes(b"a" * 1500 + b"\n")
    with (
        pytest.raises(FormatError, match="line 1 is longer than 1,000 bytes"),
        streams.open_stream(long_line) as (stream, _),
    ):
        list(streams.iter_lines(long_line, stream))
