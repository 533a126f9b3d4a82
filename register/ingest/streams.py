"""Reading import files: gzip or not, a UTF-8 BOM removed, the head for format detection, lines
decoded as UTF-8 with the position of a bad byte, and the files under folders.

Every read error becomes a `FormatError` that starts with the file's path, so an importer can
refuse the file and say why.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

from register.ingest.rejections import FormatError

__all__ = ["HEAD_BYTES", "CountingReader", "iter_lines", "iter_paths", "open_stream", "read_errors"]

HEAD_BYTES = 64 * 1024  # what format detection may look at (decompressed)

_GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class CountingReader:
    """Binary reader that counts the bytes handed out, for error positions."""

    def __init__(self, raw: IO[bytes], position: int) -> None:
        self.raw = raw
        self.position = position

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.position += len(data)
        return data


@contextmanager
def open_stream(path: Path) -> Iterator[tuple[IO[bytes], bytes]]:
    """Open `path`, decompressing gzip; yield the stream after any UTF-8 BOM, and its head.

    The head (first 64 KiB, BOM removed) serves format detection; the stream starts after it.
    """
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = cast("IO[bytes]", gzip.GzipFile(fileobj=raw) if compressed else raw)
        with read_errors(path):
            head = stream.read(HEAD_BYTES)
            if head.startswith(_UTF16_BOMS):
                raise FormatError(f"{path}: not UTF-8 (UTF-16 or UTF-32 byte order mark)")
            bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
            stream.seek(bom)
        yield stream, head[bom:]


@contextmanager
def read_errors(path: Path) -> Iterator[None]:
    """Corrupt gzip data read inside this block becomes a FormatError."""
    try:
        yield
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise FormatError(f"{path}: corrupt gzip data ({exc})") from None


def iter_lines(path: Path, stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line; raises FormatError at the first byte that isn't UTF-8."""
    offset = stream.tell()
    with read_errors(path):
        for number, line in enumerate(stream, start=1):
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"{path}: not UTF-8 (byte 0x{line[exc.start]:02x} at position"
                    f" {offset + exc.start}, line {number})"
                ) from None
            offset += len(line)


def iter_paths(paths: Iterable[Path], suffixes: tuple[str, ...]) -> Iterator[Path]:
    """Files as given, and the files under folders whose names end with one of `suffixes`
    (recursive, sorted, hidden skipped)."""
    for path in map(Path, paths):
        if path.is_dir():
            found = (
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.name.lower().endswith(suffixes)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from sorted(found)
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
