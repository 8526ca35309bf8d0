"""Where record files are kept, behind one interface: a folder on the local file system (the
embedded default) or S3-compatible object storage (production; tests run moto's S3 server on
loopback). Keys are opaque paths such as ``2026/000123/original.pdf``; the database keeps each
file's SHA-256 so that either store can be checked (:mod:`seoul.records.actions.sanity`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from django.conf import settings


class StorageError(Exception):
    """A file could not be stored, found or read; the message says which and why."""


class Storage(Protocol):
    def put(self, key: str, source: Path, media_type: str) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


def digest(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 and length of what ``stream`` holds, read in 1 MiB pieces."""
    hasher = hashlib.sha256()
    size = 0
    while chunk := stream.read(1 << 20):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


def _checked_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise StorageError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files under one folder; a file is written beside its place and moved in, so a reader
    never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked_key(key)

    def put(self, key: str, source: Path, media_type: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise StorageError(f"{key}: no such file in the store") from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self) -> Iterator[str]:
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.endswith(".partial"):
                yield path.relative_to(self.root).as_posix()


class S3Storage:
    """An S3-compatible bucket (boto3). Timeouts and retries are boto3's, set short: a slow
    store fails the step, which is recorded and can be run again."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        *,
        region: str,
        access_key: str,
        secret_key: str,
        timeout: float = 30,
        attempts: int = 3,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint or None,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                connect_timeout=min(5, timeout),
                read_timeout=timeout,
                retries={"max_attempts": attempts, "mode": "standard"},
            ),
        )

    def _call(self, what: str, key: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(Bucket=self.bucket, Key=_checked_key(key), **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise StorageError(f"{key}: no such file in the store") from exc
            raise StorageError(f"{key}: the object store refused to {what} ({code})") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{key}: the object store could not be reached to {what} ({exc})") from exc

    def put(self, key: str, source: Path, media_type: str) -> None:
        with source.open("rb") as body:
            self._call("store it", key, self.client.put_object, Body=body, ContentType=media_type)

    def open(self, key: str) -> BinaryIO:
        answer = self._call("read it", key, self.client.get_object)
        body: BinaryIO = answer["Body"]
        return body

    def delete(self, key: str) -> None:
        self._call("delete it", key, self.client.delete_object)

    def exists(self, key: str) -> bool:
        try:
            self._call("look it up", key, self.client.head_object)
        except StorageError as exc:
            if "no such file" in str(exc):
                return False
            raise
        return True


@cache
def storage() -> Storage:
    """The configured store (``SEOUL_RECORDS_STORAGE``)."""
    if settings.SEOUL_RECORDS_STORAGE == "s3":
        return S3Storage(
            settings.SEOUL_RECORDS_S3_ENDPOINT,
            settings.SEOUL_RECORDS_S3_BUCKET,
            region=settings.SEOUL_RECORDS_S3_REGION,
            access_key=os.environ.get("SEOUL_RECORDS_S3_ACCESS_KEY", ""),
            secret_key=os.environ.get("SEOUL_RECORDS_S3_SECRET_KEY", ""),
        )
    return LocalStorage(Path(settings.SEOUL_RECORDS_DIR) / "files")
