"""Evidence files on disk, content-addressed by their SHA-256 digest.

`save` streams an upload into a temporary file in the store's folder, never holding more than a
chunk in memory nor writing more than the limit, hashes it on the way, sniffs what it is, and
renames it atomically to `ab/cd/<sha256>`: a reader sees a whole file or none, and two uploads of
the same content share one file. A refused upload leaves nothing behind. `open` checks the
digest before handing the file out, so a file changed on disk is reported, never served.

The key is made from the digest alone, so whatever records the evidence (a row for the case)
can check one against the other, and a key from anywhere else is checked against one pattern:
no path can be smuggled through it. Files are never deleted here: one file may be the evidence
of several cases.

EVIDENCE_STORAGE_URL names a folder (`file:///path`) or S3-compatible object storage
(`s3://bucket/prefix`, `ObjectEvidenceStore`, with the same key rule, limit, sniffing and digest
check); any other scheme is refused at start-up rather than silently written to disk.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from register.evidence.errors import (
    EvidenceConfigurationError,
    EvidenceMissing,
    EvidenceRefused,
    EvidenceTampered,
)
from register.evidence.sniff import sniff_file

__all__ = ["CHUNK_BYTES", "EvidenceStore", "StoredEvidence", "safe_filename", "size_text"]

CHUNK_BYTES = 64 * 1024
_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
_NAME_LIMIT = 150  # characters of a kept file name
_RESERVED = set('<>:"|?*')  # refused in names by Windows, where evidence is downloaded


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class StoredEvidence:
    """What a saved file is: record all of it with the case."""

    key: str  # ab/cd/<sha256>; give it back to `open`
    sha256: str  # hex
    size: int  # bytes
    content_type: str  # sniffed, canonical (application/pdf)
    extension: str  # canonical, without the dot (pdf)
    filename: str  # the uploader's name, made safe to show and to offer as a download name


def size_text(size: int) -> str:
    """A size as people read it: 10 MB, 512 KB, 300 bytes (1 MB = 1,048,576 bytes)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def safe_filename(name: str) -> str:
    """The uploader's file name without folders, control or bidirectional characters, or
    characters Windows refuses; spaces collapsed, at most 150 characters with its extension kept.

    Bidirectional overrides matter: "invoice\u202efdp.exe" displays as "invoiceexe.pdf".
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        " " if char.isspace() else "_" if char in _RESERVED else char
        for char in name
        if char.isspace() or not unicodedata.category(char).startswith("C")
    )
    name = " ".join(name.split()).strip(" .")
    if len(name) > _NAME_LIMIT:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: _NAME_LIMIT - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:_NAME_LIMIT]
    return name or "evidence"


class EvidenceStore:
    """A folder of evidence files, each under its SHA-256 digest."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder).absolute()

    @classmethod
    def from_url(cls, url: str, default_folder: Path | str | None = None) -> EvidenceStore:
        """The store that EVIDENCE_STORAGE_URL names: `file:///path`, or `default_folder` (the
        instance folder's `evidence/`) when the setting is empty."""
        if not url:
            if default_folder is None:
                raise EvidenceConfigurationError(
                    "EVIDENCE_STORAGE_URL is empty and no default evidence folder was given"
                )
            return cls(default_folder)
        parts = urlsplit(url)
        if parts.scheme == "s3":
            return ObjectEvidenceStore.from_s3_url(url)
        if parts.scheme != "file":
            # Name the scheme only: an object-storage URL may carry an access key and secret.
            scheme = parts.scheme or "(none)"
            raise EvidenceConfigurationError(
                f"EVIDENCE_STORAGE_URL uses the {scheme!r} scheme, which is not supported: set it "
                "to a folder as file:///path/to/evidence, to S3-compatible object storage as "
                "s3://bucket/prefix, or leave it empty for the instance folder"
            )
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise EvidenceConfigurationError(
                "EVIDENCE_STORAGE_URL must be a local folder as file:///path/to/evidence, "
                "with no host, query or fragment"
            )
        path = Path(unquote(parts.path))
        if not path.is_absolute():
            raise EvidenceConfigurationError(
                "EVIDENCE_STORAGE_URL must name an absolute folder, as file:///path/to/evidence"
            )
        return cls(path)

    def save(self, stream: Readable, filename: str, max_bytes: int) -> StoredEvidence:
        """Store an upload read from `stream`, or raise `EvidenceRefused` leaving nothing behind.

        Past `max_bytes` the upload is refused as soon as the next chunk shows it is too big: at
        most `max_bytes` reach the disk and one chunk the memory.
        """
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        name = safe_filename(filename)
        self.folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-", suffix=".part")
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(descriptor, "w+b") as out:
                while True:
                    # Ask for no more than one byte past the limit: that byte is the refusal.
                    chunk = stream.read(min(CHUNK_BYTES, max_bytes + 1 - size))
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise EvidenceRefused(
                            f"{name} is larger than {size_text(max_bytes)}, the largest file "
                            "that can be attached."
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                kind = sniff_file(out, name)
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            key = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
            final = self.folder / key
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temporary, 0o440)
            # Atomic on one file system; the same content already stored is replaced by itself.
            os.replace(temporary, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return StoredEvidence(
            key=key,
            sha256=sha256,
            size=size,
            content_type=kind.content_type,
            extension=kind.extension,
            filename=name,
        )

    def _path(self, key: str) -> tuple[Path, str]:
        match = _KEY.fullmatch(key) if isinstance(key, str) else None
        if match is None or not match[3].startswith(match[1] + match[2]):
            raise EvidenceMissing(f"{key!r} is not an evidence key")
        return self.folder / key, match[3]

    def exists(self, key: str) -> bool:
        path, _ = self._path(key)
        return path.is_file()

    def open(self, key: str) -> BinaryIO:
        """The stored file, positioned at its start, after checking its digest.

        Raises `EvidenceMissing` for an unknown or malformed key and `EvidenceTampered` when the
        content no longer has its digest. The caller closes the file.
        """
        path, expected = self._path(key)
        try:
            # O_NOFOLLOW: a link planted in the store is not followed out of it.
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except (FileNotFoundError, NotADirectoryError) as error:
            raise EvidenceMissing(f"no evidence file is stored under {key}") from error
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise EvidenceTampered(
                    f"the evidence file {key} has been replaced by a link, and is not served"
                ) from error
            raise
        file = os.fdopen(descriptor, "rb")
        return _checked(file, file, expected, key)


class ObjectEvidenceStore(EvidenceStore):
    """Evidence files in S3-compatible object storage (AWS S3, MinIO, Ceph...), each under its
    SHA-256 digest, with the same checks as the folder store: an upload is limited, sniffed
    and hashed in a local temporary folder first, and a file is served only after its digest is
    checked again. Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY, a profile, an instance role), never from the URL."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        super().__init__(tempfile.gettempdir())
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client

    @classmethod
    def from_s3_url(cls, url: str) -> ObjectEvidenceStore:
        """`s3://bucket/prefix`, with `?endpoint_url=https://...` for a store other than AWS and
        `&region=eu-west-2`."""
        import boto3  # type: ignore[import-untyped]  # loaded only for object storage

        parts = urlsplit(url)
        if parts.username or parts.password:
            raise EvidenceConfigurationError(
                "EVIDENCE_STORAGE_URL must not hold credentials: give them to the server as "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        if not parts.hostname:
            raise EvidenceConfigurationError(
                "EVIDENCE_STORAGE_URL must name a bucket, as s3://bucket/prefix"
            )
        options = dict(parse_qsl(parts.query))
        unknown = sorted(set(options) - {"endpoint_url", "region"})
        if unknown:
            raise EvidenceConfigurationError(
                f"EVIDENCE_STORAGE_URL has unknown options {unknown}: use endpoint_url and region"
            )
        client = boto3.client(
            "s3",
            endpoint_url=options.get("endpoint_url") or None,
            region_name=options.get("region") or None,
        )
        return cls(parts.hostname, unquote(parts.path), client)

    def _object(self, key: str) -> tuple[str, str]:
        _, expected = self._path(key)  # the same key rule as the folder store
        return self.prefix + key, expected

    def save(self, stream: Readable, filename: str, max_bytes: int) -> StoredEvidence:
        with tempfile.TemporaryDirectory(prefix="evidence-") as folder:
            local = EvidenceStore(folder)
            stored = local.save(stream, filename, max_bytes)
            path, _ = local._path(stored.key)
            with path.open("rb") as body:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.prefix + stored.key,
                    Body=body,
                    ContentType=stored.content_type,
                    Metadata={"sha256": stored.sha256},
                )
        return stored

    def exists(self, key: str) -> bool:
        name, _ = self._object(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def open(self, key: str) -> BinaryIO:
        name, expected = self._object(key)
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=name)
        except self.client.exceptions.NoSuchKey as error:
            raise EvidenceMissing(f"no evidence file is stored under {key}") from error
        copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - returned
        return _checked(found["Body"], cast(BinaryIO, copy), expected, key)


def _checked(source: Readable, file: BinaryIO, expected: str, key: str) -> BinaryIO:
    """`file` at its start once the content read from `source` (written to `file` unless it is
    `file` itself) has the digest `expected`; else closed, and `EvidenceTampered` raised."""
    try:
        digest = hashlib.sha256()
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            if source is not file:
                file.write(chunk)
        if digest.hexdigest() != expected:
            raise EvidenceTampered(
                f"the evidence file {key} does not match its SHA-256 digest: it has been "
                "changed or damaged since it was stored, and is not served"
            )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return file
