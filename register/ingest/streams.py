"""Reading import files: gzip or not, a UTF-8 BOM removed, the head for format detection, lines
decoded as UTF-8 with the position of a bad byte, and the files under folders.

Every read error becomes a `FormatError` that starts with the file's path, so an importer can
refuse the file and say why. Every file is read within `IngestLimits`: its size once
decompressed (a 1 MiB gzip can expand to gigabytes), the length of a line, and the length of a
run of digits (one 100,000-digit amount crashes the C JSON parser; 4,301 digits and more make
Python's int conversion raise). Reaching a limit refuses the file, naming the limit.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from register.ingest.rejections import FormatError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "HEAD_BYTES",
    "CountingReader",
    "IngestLimits",
    "iter_lines",
    "iter_paths",
    "open_stream",
    "read_errors",
    "use_limits",
]

MIB = 1024 * 1024


@dataclass(frozen=True)
class IngestLimits:
    """What one import file may hold; the settings set them (INGEST_MAX_* variables)."""

    max_bytes: int = 200 * MIB  # decompressed
    max_line_bytes: int = 16 * MIB
    max_digits: int = 1000  # in one run of digits, inside a number or a string
    max_string_chars: int = 1024 * 1024  # one JSON string (a name, an id, a description)


_limits = IngestLimits()


def use_limits(limits: IngestLimits) -> None:
    """Set the process's limits once at start-up (`runtime.init_app`), as the clock's zone is."""
    global _limits
    _limits = limits


def limits() -> IngestLimits:
    return _limits


_DIGIT_BYTES = b"0123456789"


class _BoundedRaw(io.RawIOBase):
    """The decompressed bytes of a file, refused past the size limit or a too-long digit run."""

    def __init__(self, path: Path, raw: IO[bytes], position: int, limits: IngestLimits) -> None:
        self.path = path
        self.raw = raw
        self.position = position
        self.limits = limits
        self.digits = 0  # the run of digits the last chunk ended with
        self.long_digits = re.compile(rb"[0-9]{%d}" % (limits.max_digits + 1))

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        with read_errors(self.path):
            data = self.raw.read(len(view))
        start = self.position
        self.position += len(data)
        if self.position > self.limits.max_bytes:
            raise FormatError(
                f"{self.path}: larger than {self.limits.max_bytes:,} bytes once decompressed "
                "(the limit for one import file; split it, or raise INGEST_MAX_BYTES)"
            )
        self.check_digits(data, start)
        view[: len(data)] = data
        return len(data)

    def check_digits(self, data: bytes, start: int) -> None:
        lead = len(data) - len(data.lstrip(_DIGIT_BYTES))
        found = self.long_digits.search(data)
        if self.digits + lead > self.limits.max_digits or found:
            at = (
                start - self.digits
                if self.digits + lead > self.limits.max_digits
                else (start + (found.start() if found else 0))
            )
            raise FormatError(
                f"{self.path}: more than {self.limits.max_digits:,} digits in a row at byte {at} "
                "(the limit for a number or an identifier)"
            )
        trail = len(data) - len(data.rstrip(_DIGIT_BYTES))
        self.digits = self.digits + len(data) if trail == len(data) else trail


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
        raw_bounded = _BoundedRaw(path, stream, bom, _limits)
        raw_bounded.check_digits(head, 0)  # format detection parses the head
        raw_bounded.digits = 0
        yield cast("IO[bytes]", io.BufferedReader(raw_bounded, 64 * 1024)), head[bom:]


@contextmanager
def read_errors(path: Path) -> Iterator[None]:
    """Corrupt gzip data read inside this block becomes a FormatError."""
    try:
        yield
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise FormatError(f"{path}: corrupt gzip data ({exc})") from None


def iter_lines(path: Path, stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line; raises FormatError at the first byte that isn't UTF-8,
    or at a line longer than the limit (read no further than the limit, so bounded in memory)."""
    offset = stream.tell()
    most = _limits.max_line_bytes
    number = 0
    with read_errors(path):
        while line := stream.readline(most + 1):
            number += 1
            if len(line) > most:
                raise FormatError(
                    f"{path}: line {number} is longer than {most:,} bytes (the limit for a line)"
                )
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
