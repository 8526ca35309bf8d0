"""The file store behind one interface: the local folder, and S3-compatible object storage
spoken to over HTTP on loopback (moto's S3 server stands in for the city's object storage)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from seoul.records import actions, storage
from seoul.records.models import StoredFile
from seoul.records.storage import LocalStorage, S3Storage, StorageError
from seoul.records.tests.builders import page_image
from seoul.records.tests.conftest import Archive


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _s3(endpoint: str, bucket: str) -> S3Storage:
    store = S3Storage(endpoint, bucket, region="ap-northeast-2", access_key="test", secret_key="test")
    store.client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    return store


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_both_stores_keep_read_and_delete_the_same_way(kind: str, tmp_path: Path, s3_endpoint: str) -> None:
    store: storage.Storage = LocalStorage(tmp_path / "files") if kind == "local" else _s3(s3_endpoint, "kinds")
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.7 pretend scan " * 1000)
    store.put("2026/00000001/original.pdf", source, "application/pdf")
    assert store.exists("2026/00000001/original.pdf")
    with store.open("2026/00000001/original.pdf") as stream:
        assert storage.digest(stream) == storage.digest(source.open("rb"))
    store.delete("2026/00000001/original.pdf")
    assert not store.exists("2026/00000001/original.pdf")
    with pytest.raises(StorageError, match="no such file"):
        store.open("2026/00000001/original.pdf")
    for bad in ("../outside", "/abs", "a//b", ""):
        with pytest.raises(StorageError, match="not a storage key"):
            store.put(bad, source, "application/pdf")


def test_an_unreachable_or_silent_store_fails_with_a_reason(tmp_path: Path) -> None:
    source = tmp_path / "f.pdf"
    source.write_bytes(b"%PDF-")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    refused = S3Storage(f"http://127.0.0.1:{closed}", "b", region="ap-northeast-2", access_key="a", secret_key="b")
    with pytest.raises(StorageError, match="could not be reached"):
        refused.put("k/1", source, "application/pdf")
    # a store that takes the connection (the kernel completes it from the listen queue) and never
    # answers: boto3's read timeout, then our error
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        slow = S3Storage(
            f"http://127.0.0.1:{silent.getsockname()[1]}",
            "b",
            region="ap-northeast-2",
            access_key="a",
            secret_key="b",
            timeout=0.5,
            attempts=1,
        )
        with pytest.raises(StorageError, match="could not be reached"):
            slow.exists("k/1")


@pytest.mark.django_db(transaction=True)
def test_the_pipeline_and_the_sanity_check_run_on_object_storage(archive: Archive, s3_endpoint: str) -> None:
    bucket = "seoul-records-test"
    _s3(s3_endpoint, bucket)
    with override_settings(
        SEOUL_RECORDS_STORAGE="s3", SEOUL_RECORDS_S3_ENDPOINT=s3_endpoint, SEOUL_RECORDS_S3_BUCKET=bucket
    ):
        storage.storage.cache_clear()
        try:
            scan = page_image(archive.folder / "scan.png")
            [record] = actions.receive(
                [(scan.name, scan)], source="upload", department=archive.general, actor=archive.clerk
            ).records
            actions.process(record.pk)
            store = storage.storage()
            assert isinstance(store, S3Storage)
            files = StoredFile.objects.filter(record=record)
            assert files.count() == 2 and all(store.exists(f.key) for f in files)
            assert not (archive.folder / "records" / "files").exists()  # nothing went to the local folder
            assert actions.check_files().problems == []
            original = files.get(role="original")
            store.client.put_object(Bucket=bucket, Key=original.key, Body=b"replaced")
            assert [f.pk for f, _ in actions.check_files().problems] == [original.pk]
        finally:
            storage.storage.cache_clear()
