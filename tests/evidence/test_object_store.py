"""The evidence store in S3-compatible object storage, against a local S3 server (moto's server
mode, a real HTTP endpoint speaking the S3 API): the same limit, sniffing and digest check."""

from __future__ import annotations

import io

import pytest

from register.evidence import (
    EvidenceConfigurationError,
    EvidenceMissing,
    EvidenceRefused,
    EvidenceStore,
    EvidenceTampered,
    ObjectEvidenceStore,
)
from tests.cases.helpers import MINIMAL_PDF


def _objects(store: ObjectEvidenceStore) -> list[str]:
    listed = store.client.list_objects_v2(Bucket=store.bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_file_is_stored_under_its_digest_and_served_after_the_check(s3_url: str) -> None:
    store = EvidenceStore.from_url(s3_url)
    assert isinstance(store, ObjectEvidenceStore)
    stored = store.save(io.BytesIO(MINIMAL_PDF), "resignation letter.pdf", 1024 * 1024)
    assert stored.content_type == "application/pdf" and stored.size == len(MINIMAL_PDF)
    assert _objects(store) == [f"cases/{stored.key}"]
    assert store.exists(stored.key)
    with store.open(stored.key) as file:
        assert file.read() == MINIMAL_PDF
    head = store.client.head_object(Bucket=store.bucket, Key=f"cases/{stored.key}")
    assert head["Metadata"]["sha256"] == stored.sha256


def test_a_refused_upload_leaves_no_object(s3_url: str) -> None:
    store = EvidenceStore.from_url(s3_url)
    assert isinstance(store, ObjectEvidenceStore)
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    with pytest.raises(EvidenceRefused, match="letter.pdf"):
        store.save(io.BytesIO(elf), "letter.pdf", 1024 * 1024)
    with pytest.raises(EvidenceRefused, match="larger than"):
        store.save(io.BytesIO(MINIMAL_PDF), "letter.pdf", 10)
    assert _objects(store) == []


def test_a_changed_object_is_reported_not_served(s3_url: str) -> None:
    store = EvidenceStore.from_url(s3_url)
    assert isinstance(store, ObjectEvidenceStore)
    stored = store.save(io.BytesIO(MINIMAL_PDF), "letter.pdf", 1024 * 1024)
    store.client.put_object(Bucket=store.bucket, Key=f"cases/{stored.key}", Body=b"%PDF-1.4 forged")
    with pytest.raises(EvidenceTampered):
        store.open(stored.key)
    missing = "ab/cd/abcd" + "0" * 60
    assert not store.exists(missing)
    with pytest.raises(EvidenceMissing):
        store.open(missing)
    with pytest.raises(EvidenceMissing):
        store.open("../../etc/passwd")


def test_an_object_storage_url_must_name_a_bucket_and_known_options() -> None:
    with pytest.raises(EvidenceConfigurationError, match="must name a bucket"):
        EvidenceStore.from_url("s3:///evidence")
    with pytest.raises(EvidenceConfigurationError, match="unknown options"):
        EvidenceStore.from_url("s3://bucket/evidence?secret=1")
