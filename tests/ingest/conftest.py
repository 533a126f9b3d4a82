"""The hostile file corpus: crafted files that once crashed or exhausted the register."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest


def _release_package(amount: str) -> str:
    release = {
        "ocid": "ocds-hostile-1", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["award"],
        "buyer": {"name": "Department for Testing"},
        "awards": [{"id": "a1", "value": {"amount": "AMOUNT", "currency": "GBP"},
                    "date": "2026-01-01", "suppliers": [{"name": "Acme Ltd"}]}],
    }  # fmt: skip
    package = {"uri": "x", "publishedDate": "2026-01-01T00:00:00Z", "releases": [release]}
    return json.dumps(package).replace('"AMOUNT"', amount)


def _gzip_bomb(path: Path) -> None:
    """About 1 MiB of gzip that expands to one 1 GiB JSON line."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"a" * (1 << 20)
    with path.open("wb") as out:
        out.write(packer.compress(b'{"ocid": "'))
        for _ in range(1024):
            out.write(packer.compress(chunk))
        out.write(packer.compress(b'"}\n') + packer.flush())


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "amount_100000_digits.json").write_text(_release_package("9" * 100_000))
    (folder / "amount_5000_digits.json").write_text(_release_package("9" * 5_000))
    (folder / "amount_1e999999999.json").write_text(_release_package("1e999999999"))
    _gzip_bomb(folder / "bomb.jsonl.gz")
    (folder / "nested_arrays.json").write_text("[" * 30_000 + "]" * 30_000)
    (folder / "nested_bods.jsonl").write_text(
        '{"statementID": "s1", "x": ' + "[" * 30_000 + "]" * 30_000 + "}\n"
    )
    (folder / "nul_bytes.jsonl").write_bytes(b'{"ocid": "ocds-\x00-1"}\n\x00\x00\x00\n')
    (folder / "utf16.json").write_bytes(_release_package("100").encode("utf-16"))
    (folder / "latin1.csv").write_bytes(
        "ocid,award_id,supplier_name\nocds-1,a1,Caf\xe9 Ltd\n".encode("latin-1")
    )
    (folder / "string_2_mib.json").write_text(
        _release_package("100").replace('"ocds-hostile-1"', '"' + "x" * (2 << 20) + '"')
    )
    (folder / "truncated.json").write_text(_release_package("100")[:-40])
    return folder
