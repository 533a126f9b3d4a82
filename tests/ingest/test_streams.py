"""The shared import toolkit: finding files, opening streams, reading lines."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from register.awards.parse import SUFFIXES
from register.ingest.rejections import FormatError
from register.ingest.streams import iter_lines, iter_paths, open_stream


def test_iter_paths(tmp_path: Path) -> None:
    for name in ("b/2.jsonl.gz", "b/1.json", "a.csv", "c/x.txt", ".hidden/h.json", "z.JSON"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    extra = tmp_path / "c" / "x.txt"
    assert list(iter_paths([tmp_path, extra], SUFFIXES)) == [
        tmp_path / "a.csv",
        tmp_path / "b" / "1.json",
        tmp_path / "b" / "2.jsonl.gz",
        tmp_path / "z.JSON",
        extra,
    ]
    with pytest.raises(FileNotFoundError):
        list(iter_paths([tmp_path / "missing"], SUFFIXES))


def test_open_stream_decompresses_and_drops_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbfocid,x\nline 2\n"))
    with open_stream(path) as (stream, head):
        assert head == b"ocid,x\nline 2\n"
        assert list(iter_lines(path, stream)) == [(1, "ocid,x\n"), (2, "line 2\n")]


def test_iter_lines_says_where_a_byte_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"ok\ncaf\xe9\n")
    with open_stream(path) as (stream, _), pytest.raises(FormatError) as error:
        list(iter_lines(path, stream))
    assert str(error.value) == f"{path}: not UTF-8 (byte 0xe9 at position 6, line 2)"
