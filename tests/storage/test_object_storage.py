"""Documents, attachments and bundles kept in S3-compatible storage (STORAGE_URL=s3://bucket/prefix), with the
guarantees of the local folder: content-addressed, written before the row is committed, removed when the request
fails, orphans collectable, downloads streamed or redirected to a short-lived signed URL."""
from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pypdf import PdfReader

from tests.conftest import tiny_pdf

from .conftest import ObjectStore, free_port


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(params=["folder", "s3"])
def backend_kind(request, app, demo_data, moto_endpoint, monkeypatch):
    """Each contract test on both backends."""
    store = ObjectStore(app, moto_endpoint, monkeypatch) if request.param == "s3" else None
    yield request.param
    app.extensions.pop("storage", None)
    if store:
        store.close()


def test_both_backends_keep_the_same_contract(app, backend_kind):
    from workflow import storage

    data = b"%PDF-1.7 Bi\xc3\xaan b\xe1\xba\xa3n " * 1000
    with app.app_context():
        digest = storage.store(data)
        assert digest == sha(data)
        assert storage.store(data) == digest  # stored once: the second time finds it
        assert storage.exists(digest) and storage.read(digest) == data and storage.size(digest) == len(data)
        with storage.opened(digest) as file:
            file.seek(10)
            assert file.read(5) == data[10:15]
        big = io.BytesIO(b"x" * (3 * 1024 * 1024 + 17))  # more than a chunk, more than the memory spool
        big_digest, big_size = storage.store_file(big)
        assert (big_digest, big_size) == (sha(big.getvalue()), len(big.getvalue()))
        assert storage.read(big_digest) == big.getvalue()
        assert storage.stored() == {digest, big_digest}
        many = [storage.store(f"part {i}".encode()) for i in range(20)]
        order = [many[3], digest, *many, big_digest, many[3]]
        assert list(storage.read_ahead(order, window=4)) == [storage.read(name) for name in order]
        for name in many:
            storage.remove(name)
        assert storage.stored(before=datetime.now(UTC) - timedelta(minutes=5)) == set()
        storage.check()
        storage.remove(digest)
        assert not storage.exists(digest) and storage.stored() == {big_digest}
        with pytest.raises(FileNotFoundError):
            storage.read(digest)
        with pytest.raises(ValueError):
            storage.read("../../etc/passwd")
        storage.forget_new_files()


def test_what_a_failed_unit_of_work_stored_is_removed_and_nothing_else(app, backend_kind):
    from workflow import storage
    from workflow.transaction import unit_of_work

    with app.app_context():
        kept = storage.store(b"stored and committed by an earlier request")
        storage.forget_new_files()
        with pytest.raises(RuntimeError), unit_of_work():
            assert storage.store(b"stored by this one") and storage.store(b"stored and committed by an earlier "
                                                                          b"request") == kept
            raise RuntimeError("the row could not be written")
        assert storage.stored() == {kept}


def test_a_dossier_lives_its_day_on_s3(api, app, s3):
    """Submit, approve, forward: every document and attachment in the bucket, byte for byte, none on disk; the
    downloads streamed from it with the SHA-256 as their ETag; the bundle built from it and stored in it."""
    from workflow import storage

    dossier = api.fire_ok("reviewer", api.submitted(), "approve")
    batch = api.forwarded(dossier)
    seen = api.view("liaison", dossier)
    assert seen["documents"] and seen["attachments"]
    for entry in seen["documents"] + seen["attachments"]:
        assert sha(s3.object(entry["sha256"])) == entry["sha256"]
    assert not (app.config["STORAGE_DIR"] and storage.backends.Path(app.config["STORAGE_DIR"], "objects").exists())

    document = seen["documents"][0]
    response = api.get("liaison", document["url"])
    assert response.status_code == 200 and response.data == s3.object(document["sha256"])
    assert response.headers["ETag"] == f'"{document["sha256"]}"'
    assert response.headers["Content-Length"] == str(len(response.data))
    again = api.client.get(document["url"], headers={**api.headers("liaison"),
                                                               "If-None-Match": f'"{document["sha256"]}"'})
    assert again.status_code == 304 and again.data == b""
    attachment = seen["attachments"][0]
    response = api.get("liaison", attachment["url"])
    assert response.data == s3.object(attachment["sha256"])
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"

    before = s3.keys()
    bundle = api.get("liaison", batch["bundle_url"])
    assert bundle.status_code == 200 and bundle.data.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(bundle.data)).pages) > 3
    assert s3.keys() - before == {f"docs/{sha(bundle.data)[:2]}/{sha(bundle.data)}"}  # the built bundle, kept
    zip_url = batch["bundle_url"].replace("bundle.pdf", "bundle.zip")
    archive = zipfile.ZipFile(io.BytesIO(api.get("liaison", zip_url).data))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert sha(archive.read(entry["path"])) == entry["sha256"]


def test_a_large_download_is_streamed_from_the_bucket_not_read_first(api, app, s3, monkeypatch):
    from workflow.storage import backends

    monkeypatch.setattr(backends, "STREAM_FROM", 100)  # every file is "large"
    dossier = api.submitted()
    document = api.view("officer", dossier)["documents"][0]
    response = api.get("officer", document["url"])
    assert not response.is_sequence  # a stream from S3, read as the client reads
    assert response.data == s3.object(document["sha256"])
    assert response.headers["Content-Length"] == str(len(response.data))


def test_downloads_may_redirect_to_a_short_lived_signed_url(api, app, s3, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_SIGNED_URL_SECONDS", 60)
    dossier = api.submitted()
    seen = api.view("officer", dossier)
    attachment = seen["attachments"][0]
    response = api.get("officer", attachment["url"])
    assert response.status_code == 303 and response.headers["Cache-Control"] == "no-store"
    url = response.headers["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"] and "X-Amz-Signature" in query
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.content == s3.object(attachment["sha256"])
    assert fetched.headers["Content-Disposition"].startswith("attachment;")  # never shown in place
    assert fetched.headers["Content-Type"] == attachment["content_type"]
    tampered = url.replace(attachment["sha256"], seen["documents"][0]["sha256"])
    assert requests.get(tampered, timeout=10).status_code == 403  # a URL opens the one object it was signed for
    other = api.get("officer2", attachment["url"])
    assert other.status_code == 404 and "Location" not in other.headers  # no URL for who may not see it


def test_a_failed_request_leaves_the_bucket_as_it_was(api, app, s3, monkeypatch):
    from workflow.dossiers import operations

    dossier = api.create()
    api.attach_required("officer", dossier["id"])
    before = s3.keys()

    def fail_after_issuing(*args, **kwargs):
        raise RuntimeError("the history could not be written")

    monkeypatch.setattr(operations, "record", fail_after_issuing)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert api.fire("officer", dossier, "submit").status_code == 500
    assert s3.keys() == before
    assert api.view("officer", dossier)["state"] == "draft"


def test_orphans_in_the_bucket_are_collected_once_old_enough(api, app, s3):
    from workflow import storage

    dossier = api.submitted()
    with app.app_context():
        orphan = storage.store(b"%PDF-1.7 left by a worker killed before its commit")
        storage.forget_new_files()
    runner = app.test_cli_runner()
    assert "0 unreferenced file(s)" in runner.invoke(args=["collect-garbage"]).output  # young: maybe in flight
    result = runner.invoke(args=["collect-garbage", "--older-than", "0"])
    assert f"removed {orphan}" in result.output and "1 unreferenced file(s)" in result.output
    with app.app_context():
        assert not storage.exists(orphan)
        for entry in api.view("officer", dossier)["documents"]:
            assert storage.exists(entry["sha256"])


def test_storage_out_of_reach_is_a_clear_503_and_changes_nothing(api, app, s3, monkeypatch):
    """The bucket's server down: the submit is refused with a message to try again (nothing saved, the dossier
    still a draft), a download says the same, the page likewise; the readiness check would say which part."""
    from workflow import storage

    dossier = api.create()
    api.attach_required("officer", dossier["id"])
    downloaded = api.view("officer", dossier)["attachments"][0]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    app.extensions.pop("storage", None)

    response = api.fire("officer", dossier, "submit")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "Kho lưu trữ tệp tạm thời không truy cập được" in response.json["error"]
    assert api.view("officer", dossier)["state"] == "draft"
    download = api.get("officer", downloaded["url"])
    assert download.status_code == 503 and "thử lại" in download.json["error"]

    from tests.conftest import Browser

    page = Browser(app, "officer").get(f"/attachments/{downloaded['id']}")
    assert page.status_code == 503 and "Kho lưu trữ tệp tạm thời không truy cập được" in page.get_data(as_text=True)
    with app.app_context(), pytest.raises(Exception, match="Kho lưu trữ"):
        storage.check()


def test_on_a_real_s3_server_nobody_here_wrote(api, app, demo_data, seaweedfs_endpoint, monkeypatch):
    """SeaweedFS: the same day's work, end to end, and a signed URL it honours."""
    store = ObjectStore(app, seaweedfs_endpoint, monkeypatch)
    try:
        dossier = api.fire_ok("reviewer", api.submitted(), "approve")
        batch = api.forwarded(dossier)
        seen = api.view("liaison", dossier)
        for entry in seen["documents"] + seen["attachments"]:
            assert sha(store.object(entry["sha256"])) == entry["sha256"]
            assert api.get("liaison", entry["url"]).data == store.object(entry["sha256"])
        bundle = api.get("liaison", batch["bundle_url"])
        assert bundle.status_code == 200 and sha(store.object(sha(bundle.data))) == sha(bundle.data)
        monkeypatch.setitem(app.config, "STORAGE_SIGNED_URL_SECONDS", 30)
        redirected = api.get("liaison", seen["documents"][0]["url"])
        assert redirected.status_code == 303
        fetched = requests.get(redirected.headers["Location"], timeout=10)
        assert fetched.status_code == 200 and sha(fetched.content) == seen["documents"][0]["sha256"]
        result = app.test_cli_runner().invoke(args=["collect-garbage", "--older-than", "0", "--dry-run"])
        assert "0 unreferenced file(s)" in result.output, result.output
        with app.app_context():
            from workflow import storage

            storage.check()
    finally:
        store.close()


def test_a_file_of_the_upload_endpoint_on_s3_keeps_its_name_and_type(api, app, s3):
    dossier = api.create()
    response = api.client.post(
        f"/api/v1/dossiers/{dossier['id']}/attachments", headers=api.headers("officer"),
        data={"attachment_type": "surgery_indication", "file": (io.BytesIO(tiny_pdf(2)), "Chỉ định mổ.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    download = api.get("officer", response.json["url"])
    assert download.data == tiny_pdf(2)
    assert "filename*=UTF-8''Ch%E1%BB%89%20%C4%91%E1%BB%8Bnh%20m%E1%BB%95.pdf" in download.headers[
        "Content-Disposition"]


def test_a_failed_request_never_removes_what_another_committed_meanwhile(api, app, backend_kind):
    """Two requests store the same bytes: the first wrote them, the second found them there and committed its row;
    the first then fails. Its discard leaves the object to the row that refers to it."""
    from flask import g

    from workflow import storage

    dossier = api.create()
    api.attach_required("officer", dossier["id"])
    shared = api.view("officer", dossier)["attachments"][0]["sha256"]
    with app.test_request_context():
        g.new_files = [shared]  # as the first request would hold it, had it written these bytes
        storage.discard_new_files()
        assert storage.exists(shared)
        assert storage.read(shared)


def test_bytes_stored_again_are_young_again_for_collect_garbage(app, backend_kind):
    """An old orphan whose bytes a request stores again (and will commit a row for) is not collected meanwhile."""
    from workflow import storage

    with app.app_context():
        digest = storage.store(b"%PDF-1.7 an old orphan, then the same bytes uploaded again")
        storage.forget_new_files()
        later = datetime.now(UTC) + timedelta(seconds=2)
        assert digest in storage.stored(before=later)
        if backend_kind == "folder":  # an hour old
            path = storage.backend().path(digest)
            hour_ago = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
            os.utime(path, (hour_ago, hour_ago))
            assert digest in storage.stored(before=datetime.now(UTC) - timedelta(minutes=30))
        assert storage.store(b"%PDF-1.7 an old orphan, then the same bytes uploaded again") == digest
        assert storage._new_files() == []  # not this request's to remove should it fail
        assert digest not in storage.stored(before=datetime.now(UTC) - timedelta(minutes=30))
        assert storage.read(digest).startswith(b"%PDF-1.7 an old orphan")


def test_keys_are_only_sha256_and_a_304_never_asks_the_store(api, app, s3, monkeypatch):
    from workflow import storage

    with app.test_request_context(), pytest.raises(ValueError):
        storage.send("../../../../etc/passwd", mimetype="text/plain", download_name="x")
    dossier = api.submitted()
    document = api.view("officer", dossier)["documents"][0]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # the store is gone
    app.extensions.pop("storage", None)
    again = api.client.get(document["url"], headers={**api.headers("officer"),
                                                     "If-None-Match": f'"{document["sha256"]}"'})
    assert again.status_code == 304 and again.headers["ETag"] == f'"{document["sha256"]}"'
