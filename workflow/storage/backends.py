"""Where the objects are kept: a folder of this host, or an S3-compatible bucket shared by every host.

Both lay objects out alike, `<sha256[:2]>/<sha256>` under their root (the folder's `objects/`, the URL's prefix).
"""
from __future__ import annotations

import errno
import io
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import quote, urlsplit

SPOOL_IN_MEMORY = 2 * 1024 * 1024  # an object read from S3 for the bundle: kept in memory up to this, then on disk
# A download larger than this is streamed from the store as it is sent; a smaller one is read first, which frees
# the file (or the connection to S3) at once, whenever the client reads the response.
STREAM_FROM = 4 * 1024 * 1024


class Backend(Protocol):
    remote: bool

    def exists(self, sha256: str) -> bool: ...
    def put_bytes(self, sha256: str, data: bytes) -> None: ...
    def touch(self, sha256: str) -> None: ...
    def put_file(self, sha256: str, path: str) -> None: ...
    def staging_dir(self) -> str | None: ...
    def get_bytes(self, sha256: str) -> bytes: ...
    def open(self, sha256: str) -> IO[bytes]: ...
    def size(self, sha256: str) -> int: ...
    def delete(self, sha256: str) -> None: ...
    def listing(self) -> Iterator[tuple[str, datetime]]: ...
    def check(self) -> None: ...
    def stream(self, sha256: str) -> tuple[str | IO[bytes], int]: ...
    def signed_url(self, sha256: str, seconds: int, mimetype: str, download_name: str,
                   as_attachment: bool) -> str | None: ...
    def unreachable(self, error: BaseException) -> bool:
        """Whether the error says the store cannot be reached now (try again later), not that a request is wrong."""


def backend_for(config) -> Backend:
    url = config.get("STORAGE_URL") or ""
    if not url:
        return LocalFolder(Path(config["STORAGE_DIR"]) / "objects")
    parts = urlsplit(url)
    if parts.scheme == "s3" and parts.netloc:
        return S3Bucket(parts.netloc, parts.path.strip("/"), config.get("STORAGE_S3_ADDRESSING_STYLE") or None)
    if parts.scheme == "file" and parts.path:
        return LocalFolder(Path(parts.path) / "objects")
    raise RuntimeError(f"STORAGE_URL must be s3://bucket/prefix or file:///folder, not {url!r}")


SHA256_DIGITS = frozenset("0123456789abcdef")
UNREACHABLE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.ESTALE, errno.ENOTCONN,
                      errno.EHOSTDOWN, errno.ETIMEDOUT}


def checked(sha256: str) -> str:
    """The name itself, when it is a SHA-256 in hex: never a path or the key of anything else."""
    if len(sha256) != 64 or not SHA256_DIGITS.issuperset(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


def _key(sha256: str) -> str:
    return f"{sha256[:2]}/{checked(sha256)}"


class LocalFolder:
    remote = False

    def __init__(self, root: Path):
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / _key(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def staging_dir(self) -> str:
        """Staged beside the objects, so that putting one in place is a rename on the same filesystem."""
        self.root.mkdir(parents=True, exist_ok=True)
        return str(self.root)

    def put_bytes(self, sha256: str, data: bytes) -> None:
        with tempfile.NamedTemporaryFile(dir=self.staging_dir(), delete=False) as staged:
            staged.write(data)
            staged.flush()
            os.fsync(staged.fileno())
        self.put_file(sha256, staged.name)

    def put_file(self, sha256: str, path: str) -> None:
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)  # atomic: a reader sees the whole object or none

    def touch(self, sha256: str) -> None:
        os.utime(self.path(sha256))

    def get_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> IO[bytes]:
        return open(self.path(sha256), "rb")

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, datetime]]:
        if not self.root.exists():
            return
        for path in self.root.glob("??/*"):
            if len(path.name) == 64 and path.is_file():
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def check(self) -> None:
        probe = self.root / f".ready-{uuid.uuid4().hex}"
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            probe.write_bytes(b"ready")
            if probe.read_bytes() != b"ready":
                raise OSError(f"{self.root} does not give back what was written")
        finally:
            probe.unlink(missing_ok=True)

    def stream(self, sha256: str) -> tuple[str | IO[bytes], int]:
        path = self.path(sha256)
        length = path.stat().st_size
        return (str(path) if length > STREAM_FROM else io.BytesIO(path.read_bytes())), length

    def signed_url(self, *_args) -> None:
        return None  # a local folder has no URL of its own: always streamed by the app

    def unreachable(self, error: BaseException) -> bool:
        # a full or read-only disk, a shared filesystem gone
        return isinstance(error, OSError) and error.errno in UNREACHABLE_ERRNOS


class S3Bucket:
    """An S3-compatible bucket, through boto3: the endpoint and credentials from boto3's usual configuration
    (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, or its files)."""

    remote = True  # each read a round trip: worth reading ahead

    def __init__(self, bucket: str, prefix: str, addressing_style: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, f"{prefix}/" if prefix else ""
        # Checksums only where S3 requires them: servers that are S3-compatible but not AWS (SeaweedFS, older
        # Ceph) refuse the CRC32 trailers botocore sends by default since 1.36. The SHA-256 we keep is the check.
        # Signature V4 also for signed URLs: SeaweedFS (and AWS's newer regions) refuse V2 ones that name a
        # response header (the download's name and type).
        style = addressing_style or ("path" if os.environ.get("AWS_ENDPOINT_URL") else "auto")
        self.client = boto3.client("s3", config=Config(
            signature_version="s3v4", s3={"addressing_style": style},
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
            retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=60,
            max_pool_connections=20))
        from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
        self._client_error = ClientError
        self._unreachable = (ConnectionError, HTTPClientError)

    def key(self, sha256: str) -> str:
        return self.prefix + _key(sha256)

    def _missing(self, error) -> bool:
        return error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except self._client_error as error:
            if self._missing(error):
                return False
            raise
        return True

    def staging_dir(self) -> None:
        return None  # the system's temporary folder

    def put_bytes(self, sha256: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=data)

    def touch(self, sha256: str) -> None:
        """A new LastModified, the bytes unchanged (copied onto itself, as S3 allows with new metadata)."""
        key = self.key(sha256)
        self.client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key},
                                Metadata={"touched": "1"}, MetadataDirective="REPLACE")

    def put_file(self, sha256: str, path: str) -> None:
        self.client.upload_file(path, self.bucket, self.key(sha256))  # in parts when large, retried per part

    def get_bytes(self, sha256: str) -> bytes:
        return self._get(sha256)["Body"].read()

    def _get(self, sha256: str) -> dict:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except self._client_error as error:
            if self._missing(error):
                raise FileNotFoundError(f"{self.bucket}/{self.key(sha256)}") from error
            raise

    def open(self, sha256: str) -> IO[bytes]:
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        try:
            with closing(self._get(sha256)["Body"]) as body:
                for chunk in body.iter_chunks(1024 * 1024):
                    copy.write(chunk)
        except BaseException:
            copy.close()
            raise
        copy.seek(0)
        return copy

    def size(self, sha256: str) -> int:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))["ContentLength"]
        except self._client_error as error:
            if self._missing(error):
                raise FileNotFoundError(f"{self.bucket}/{self.key(sha256)}") from error
            raise

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def listing(self) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                name = item["Key"][len(self.prefix):]
                if len(name) == 67 and name[2] == "/" and name[3:5] == name[:2]:
                    yield name[3:], item["LastModified"]

    def check(self) -> None:
        probe = f"{self.prefix}.ready/{uuid.uuid4().hex}"
        self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"ready")
        try:
            if self.client.get_object(Bucket=self.bucket, Key=probe)["Body"].read() != b"ready":
                raise OSError(f"s3://{self.bucket}/{self.prefix} does not give back what was written")
        finally:
            self.client.delete_object(Bucket=self.bucket, Key=probe)

    def stream(self, sha256: str) -> tuple[IO[bytes], int]:
        answer = self._get(sha256)
        body, length = answer["Body"], answer["ContentLength"]
        if length > STREAM_FROM:
            return body, length
        with closing(body):
            return io.BytesIO(body.read()), length

    def unreachable(self, error: BaseException) -> bool:
        if isinstance(error, self._unreachable):
            return True  # refused, timed out, cut off (after botocore's retries)
        return isinstance(error, self._client_error) and error.response.get(
            "ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500  # the server's own trouble: 500, 503 SlowDown

    def signed_url(self, sha256: str, seconds: int, mimetype: str, download_name: str, as_attachment: bool) -> str:
        disposition = "attachment" if as_attachment else "inline"
        return self.client.generate_presigned_url("get_object", ExpiresIn=seconds, Params={
            "Bucket": self.bucket, "Key": self.key(sha256), "ResponseContentType": mimetype,
            "ResponseCacheControl": "private, no-cache",
            "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(download_name)}"})
