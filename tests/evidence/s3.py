"""A local S3-compatible server for the object-storage tests: moto's server mode, a real HTTP
endpoint speaking the S3 API (MinIO is not in the package registries these machines reach)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A local S3 server for the module (its buckets live as long as the process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_url(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty bucket on the local server, as EVIDENCE_STORAGE_URL names it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")  # the local server's only
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    return f"s3://{bucket}/cases?endpoint_url={endpoint}&region=eu-west-2"
