"""The evidence store: content-addressed files, size limit while streaming, nothing left behind
by a refused upload, digests checked on read, keys that cannot leave the folder."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from register.config import Config
from register.evidence import (
    EvidenceConfigurationError,
    EvidenceMissing,
    EvidenceRefused,
    EvidenceStore,
    EvidenceTampered,
    safe_filename,
    size_text,
)
from register.evidence.store import CHUNK_BYTES
from tests.evidence import files

MIB = 1024 * 1024
LIMIT = Config.EVIDENCE_MAX_BYTES


class CountingStream:
    """An upload that counts what the store asks of it; endless when `data` runs out and
    `endless` is set (a client that keeps sending)."""

    def __init__(self, data: bytes, endless: bool = False) -> None:
        self.data = io.BytesIO(data)
        self.endless = endless
        self.read_bytes = 0
        self.largest_read = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk = self.data.read(size)
        if not chunk and self.endless:
            chunk = b"\x00" * size
        self.read_bytes += len(chunk)
        self.largest_read = max(self.largest_read, len(chunk))
        return chunk


def everything_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


def test_the_default_limit_is_ten_megabytes() -> None:
    assert LIMIT == 10 * MIB
    assert size_text(LIMIT) == "10 MB"
    assert size_text(1536) == "1.5 KB"
    assert size_text(300) == "300 bytes"


def test_save_records_digest_size_and_type_and_open_returns_the_content(
    store: EvidenceStore,
) -> None:
    content = files.pdf()
    saved = store.save(io.BytesIO(content), "Resignation letter.pdf", LIMIT)
    sha256 = hashlib.sha256(content).hexdigest()
    assert saved.sha256 == sha256
    assert saved.key == f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
    assert (saved.size, saved.content_type, saved.extension) == (
        len(content),
        "application/pdf",
        "pdf",
    )
    assert saved.filename == "Resignation letter.pdf"
    assert everything_under(store.folder) == [store.folder / saved.key]
    assert store.exists(saved.key)
    with store.open(saved.key) as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (files.png, "a.png"),
        (files.jpeg, "a.jpeg"),
        (files.gif, "a.gif"),
        (files.docx, "a.docx"),
        (files.doc, "a.doc"),
        (files.xlsx, "a.xlsx"),
        (files.xls, "a.xls"),
    ],
)
def test_every_accepted_type_is_stored(
    store: EvidenceStore, build: Callable[[], bytes], name: str
) -> None:
    content = build()
    saved = store.save(io.BytesIO(content), name, LIMIT)
    with store.open(saved.key) as stored:
        assert stored.read() == content


def test_the_same_content_twice_is_one_file(store: EvidenceStore) -> None:
    first = store.save(io.BytesIO(files.png()), "first.png", LIMIT)
    second = store.save(io.BytesIO(files.png()), "second.png", LIMIT)
    assert first.key == second.key
    assert (first.filename, second.filename) == ("first.png", "second.png")
    assert len(everything_under(store.folder)) == 1


def test_a_file_of_exactly_the_limit_is_accepted(store: EvidenceStore) -> None:
    content = files.pdf()
    content += b"%" * (64 * 1024 - len(content))
    saved = store.save(io.BytesIO(content), "letter.pdf", 64 * 1024)
    assert saved.size == 64 * 1024


def test_an_oversize_file_is_refused_and_nothing_is_left(store: EvidenceStore) -> None:
    upload = CountingStream(files.pdf() + b"\x00" * LIMIT)
    with pytest.raises(EvidenceRefused) as refused:
        store.save(upload, "letter.pdf", LIMIT)
    assert str(refused.value) == (
        "letter.pdf is larger than 10 MB, the largest file that can be attached."
    )
    assert upload.read_bytes == LIMIT + 1
    assert upload.largest_read <= CHUNK_BYTES
    assert everything_under(store.folder) == []


def test_an_endless_upload_is_cut_off_one_byte_past_the_limit(store: EvidenceStore) -> None:
    upload = CountingStream(files.pdf(), endless=True)
    with pytest.raises(EvidenceRefused, match="larger than 1 MB"):
        store.save(upload, "letter.pdf", MIB)
    assert upload.read_bytes == MIB + 1
    assert everything_under(store.folder) == []


def test_a_refused_type_leaves_nothing(store: EvidenceStore) -> None:
    with pytest.raises(EvidenceRefused, match="Linux program"):
        store.save(io.BytesIO(files.elf()), "letter.pdf", LIMIT)
    with pytest.raises(EvidenceRefused, match="is empty"):
        store.save(io.BytesIO(b""), "letter.pdf", LIMIT)
    assert everything_under(store.folder) == []


def test_an_upload_that_breaks_off_leaves_nothing(store: EvidenceStore) -> None:
    class Broken:
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1, /) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("client went away")
            return b"%PDF-1.4\n" + b"\x00" * (size - 9)

    with pytest.raises(OSError, match="client went away"):
        store.save(Broken(), "letter.pdf", LIMIT)
    assert everything_under(store.folder) == []


def test_a_tampered_file_is_reported_not_served(store: EvidenceStore) -> None:
    saved = store.save(io.BytesIO(files.pdf()), "letter.pdf", LIMIT)
    path = store.folder / saved.key
    path.chmod(0o600)
    path.write_bytes(files.pdf().replace(b"200 200", b"300 300"))
    with pytest.raises(EvidenceTampered, match="does not match its SHA-256 digest"):
        store.open(saved.key)


def test_a_link_planted_in_the_store_is_not_followed(store: EvidenceStore, tmp_path: Path) -> None:
    saved = store.save(io.BytesIO(files.pdf()), "letter.pdf", LIMIT)
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(files.pdf())
    path = store.folder / saved.key
    path.unlink()
    path.symlink_to(outside)
    with pytest.raises(EvidenceTampered, match="replaced by a link"):
        store.open(saved.key)


def test_saving_again_repairs_a_damaged_copy(store: EvidenceStore) -> None:
    saved = store.save(io.BytesIO(files.png()), "a.png", LIMIT)
    path = store.folder / saved.key
    path.chmod(0o600)
    path.write_bytes(b"damaged")
    store.save(io.BytesIO(files.png()), "a.png", LIMIT)
    with store.open(saved.key) as stored:
        assert stored.read() == files.png()


VALID = "ab/cd/abcd" + "0" * 60


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "ab/cd/../../../etc/passwd",
        "ab/cd/abcd" + "0" * 59 + "/",
        "ab\\cd\\abcd" + "0" * 60,
        "AB/CD/ABCD" + "0" * 60,  # upper case: not a key the store makes
        "ab/ce/abcd" + "0" * 60,  # folders that disagree with the digest
        "ab/cd/abcd" + "0" * 59,
        VALID + "\n",
        "",
    ],
)
def test_keys_that_are_not_the_stores_are_refused(store: EvidenceStore, key: str) -> None:
    with pytest.raises(EvidenceMissing, match="is not an evidence key"):
        store.open(key)
    with pytest.raises(EvidenceMissing, match="is not an evidence key"):
        store.exists(key)


def test_a_well_formed_key_that_is_not_stored_is_missing(store: EvidenceStore) -> None:
    assert not store.exists(VALID)
    with pytest.raises(EvidenceMissing, match=f"no evidence file is stored under {VALID}"):
        store.open(VALID)


def test_temporary_files_are_written_in_the_stores_folder(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same folder, same file system: the final rename is atomic."""
    seen: list[str] = []
    real_replace = os.replace

    def replace(source: str, target: Path) -> None:
        seen.append(source)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    store.save(io.BytesIO(files.gif()), "a.gif", LIMIT)
    assert Path(seen[0]).parent == store.folder
    assert Path(seen[0]).name.startswith(".upload-")


def test_from_url_a_folder(tmp_path: Path) -> None:
    assert EvidenceStore.from_url(f"file://{tmp_path}/ev").folder == tmp_path / "ev"
    assert EvidenceStore.from_url(f"file://localhost{tmp_path}/ev").folder == tmp_path / "ev"
    assert EvidenceStore.from_url(f"file://{tmp_path}/with%20space").folder == (
        tmp_path / "with space"
    )
    assert EvidenceStore.from_url("", default_folder=tmp_path / "instance").folder == (
        tmp_path / "instance"
    )


def test_from_url_refuses_credentials_in_an_object_storage_url() -> None:
    with pytest.raises(EvidenceConfigurationError) as refused:
        EvidenceStore.from_url("s3://AKIAEXAMPLE:very-secret@minio.internal:9000/evidence")
    message = str(refused.value)
    assert message.startswith("EVIDENCE_STORAGE_URL must not hold credentials")
    assert "very-secret" not in message and "AKIAEXAMPLE" not in message


def test_from_url_refuses_an_unknown_scheme_naming_the_setting_not_the_secret() -> None:
    with pytest.raises(EvidenceConfigurationError) as refused:
        EvidenceStore.from_url("ftp://user:very-secret@files.internal/evidence")
    message = str(refused.value)
    assert message.startswith("EVIDENCE_STORAGE_URL uses the 'ftp' scheme, which is not supported")
    assert "file:///path/to/evidence" in message and "s3://bucket/prefix" in message
    assert "very-secret" not in message


@pytest.mark.parametrize(
    "url",
    ["file://fileserver/share/evidence", "file:relative/evidence", "file:///srv/ev?x=1", "/srv/ev"],
)
def test_from_url_refuses_what_is_not_a_local_absolute_folder(url: str) -> None:
    with pytest.raises(EvidenceConfigurationError, match="EVIDENCE_STORAGE_URL"):
        EvidenceStore.from_url(url)


def test_from_url_empty_needs_a_default() -> None:
    with pytest.raises(EvidenceConfigurationError, match="EVIDENCE_STORAGE_URL is empty"):
        EvidenceStore.from_url("")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/letter.pdf", "letter.pdf"),
        ("C:\\Users\\isabelle\\Desktop\\letter.pdf", "letter.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override dropped
        ("  résumé\tfinal .pdf ", "résumé final .pdf"),
        ('what?<is>"this".pdf', "what__is__this_.pdf"),
        ("...", "evidence"),
        ("", "evidence"),
        ("a" * 300 + ".docx", "a" * 145 + ".docx"),
    ],
)
def test_safe_filename(given: str, kept: str) -> None:
    assert safe_filename(given) == kept


def test_the_stored_name_is_the_safe_one(store: EvidenceStore) -> None:
    saved = store.save(io.BytesIO(files.pdf()), "../../letter\x00.pdf", LIMIT)
    assert saved.filename == "letter.pdf"
