"""Content-addressed storage of documents, attachments and bundles: one object per SHA-256, never changed once
written. In a local folder (STORAGE_DIR/objects, the default) or, with STORAGE_URL=s3://bucket/prefix, in
S3-compatible object storage through boto3 (backends.py), so that several hosts share it.

The same guarantees on both:
- written before the row that refers to it is committed (the callers store, then commit);
- removed again when the unit of work fails (transaction.unit_of_work calls discard_new_files): only what this
  request wrote itself, never an object that was there before (another row may refer to it);
- orphans (a worker killed between its write and its commit) are found by `flask collect-garbage`, which leaves
  alone what is younger than an hour: it may belong to a request still under way on another host;
- downloads streamed, never read whole into memory; or, with STORAGE_SIGNED_URL_SECONDS, redirected to a signed
  URL of the object store that expires that soon.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import IO

from flask import Response, current_app, g, has_app_context, redirect, request, send_file
from flask_babel import gettext

from ..errors import STORAGE_UNAVAILABLE, Unavailable
from .backends import Backend, backend_for, checked

CHUNK = 1024 * 1024


def backend() -> Backend:
    """This app's backend, made once from its configuration."""
    extensions = current_app.extensions
    if "storage" not in extensions:
        extensions["storage"] = backend_for(current_app.config)
    return extensions["storage"]


@contextmanager
def _reaching():
    """A store that cannot be reached is Unavailable (503, "try again"), for the pages, the API and the readiness
    check alike; other errors pass as they are."""
    try:
        yield
    except Unavailable:
        raise
    except Exception as error:
        if backend().unreachable(error):
            current_app.logger.warning("storage unreachable: %s", error)
            raise Unavailable(gettext(STORAGE_UNAVAILABLE)) from error
        raise


def store(data: bytes) -> str:
    """Write the bytes once and return their SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    with _reaching():
        _keep(backend(), sha256, lambda store_: store_.put_bytes(sha256, data))
    return sha256


def _keep(store_: Backend, sha256: str, put) -> None:
    """Put the object unless it is there; if it is, make it young again (collect-garbage then leaves it to the
    request that uses it now). Only what this request wrote is its own to remove should it fail."""
    if store_.exists(sha256):
        store_.touch(sha256)
    else:
        put(store_)
        _new_files().append(sha256)


def store_file(source: IO[bytes]) -> tuple[str, int]:
    """Store what an open binary file holds, from its start, copied in chunks (a bundle need not sit in memory):
    (its SHA-256, its size)."""
    source.seek(0)
    digest, size = hashlib.sha256(), 0
    with _reaching():
        store_ = backend()
        with tempfile.NamedTemporaryFile(dir=store_.staging_dir(), delete=False) as staged:
            try:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    staged.write(chunk)
                    size += len(chunk)
                staged.flush()
                os.fsync(staged.fileno())
            except BaseException:
                os.unlink(staged.name)
                raise
        sha256 = digest.hexdigest()
        try:
            _keep(store_, sha256, lambda store_: store_.put_file(sha256, staged.name))
        finally:
            if os.path.exists(staged.name):
                os.unlink(staged.name)
    return sha256, size


def read(sha256: str) -> bytes:
    with _reaching():
        return backend().get_bytes(sha256)


def read_ahead(sha256s: Iterable[str], window: int = 8) -> Iterator[bytes]:
    """Each object's bytes, in order, the next `window` fetched meanwhile when the store is remote (a bundle of
    300 files from S3 waits for one round trip at a time otherwise); at most window + 1 objects in memory."""
    store_ = backend()
    if not store_.remote:
        for sha256 in sha256s:
            yield read(sha256)
        return
    app = current_app._get_current_object()

    def fetch(sha256):
        with app.app_context():
            return read(sha256)

    with ThreadPoolExecutor(max_workers=window, thread_name_prefix="storage-read") as pool:
        pending: deque = deque()
        names = iter(sha256s)
        for sha256 in itertools.islice(names, window):
            pending.append(pool.submit(fetch, sha256))
        while pending:
            data = pending.popleft().result()
            for sha256 in itertools.islice(names, 1):
                pending.append(pool.submit(fetch, sha256))
            yield data


@contextmanager
def opened(sha256: str) -> Iterator[IO[bytes]]:
    """The object as a seekable binary file (the local one, or a copy spooled from the object store)."""
    with _reaching():
        file = backend().open(sha256)
    with file:
        yield file


def size(sha256: str) -> int:
    with _reaching():
        return backend().size(sha256)


def exists(sha256: str) -> bool:
    with _reaching():
        return backend().exists(sha256)


def remove(sha256: str) -> None:
    with _reaching():
        backend().delete(sha256)


def stored(before: datetime | None = None) -> set[str]:
    """The SHA-256 of every stored object (only those written before `before`, when given)."""
    with _reaching():
        return {sha256 for sha256, written in backend().listing() if before is None or written < before}


def check() -> None:
    """Raise if the storage cannot be written and read back (the readiness check)."""
    with _reaching():
        backend().check()


def send(sha256: str, *, mimetype: str, download_name: str, as_attachment: bool = False):
    """A response with the stored bytes, their SHA-256 the ETag (a conditional request gets 304): streamed from the
    store; or a redirect to a short-lived signed URL when STORAGE_SIGNED_URL_SECONDS is set and the store signs."""
    checked(sha256)
    if request.if_none_match.contains(sha256):  # the client has these bytes: the store is not asked
        response = Response(status=304)
        response.set_etag(sha256)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    store_ = backend()
    seconds = current_app.config.get("STORAGE_SIGNED_URL_SECONDS") or 0
    with _reaching():
        url = store_.signed_url(sha256, seconds, mimetype, download_name, as_attachment) if seconds else None
        if url:
            response = redirect(url, 303)
            response.headers["Cache-Control"] = "no-store"  # the URL expires: never cached in place of the page's
            return response
        body, length = store_.stream(sha256)
    response = send_file(body, mimetype=mimetype, download_name=download_name, as_attachment=as_attachment,
                         etag=sha256, max_age=0, conditional=True)
    if response.status_code == 200:
        response.content_length = length
    response.headers["Cache-Control"] = "private, no-cache"  # what a signed-in user may see: no shared cache keeps it
    return response


def _new_files() -> list[str]:
    if not has_app_context():
        return []
    if "new_files" not in g:
        g.new_files = []
    return g.new_files


def discard_new_files() -> None:
    """Remove what this unit of work stored: its rows were rolled back. Not an object a committed row refers to
    meanwhile (another request stored the same bytes, found them there, and committed first); and best effort: a
    store out of reach leaves the object to collect-garbage rather than hide the error that rolled back."""
    new = _new_files()
    if new:
        try:
            kept = referenced(new)
            for sha256 in new:
                if sha256 not in kept:
                    remove(sha256)
        except Exception:  # noqa: BLE001  (the unit of work's own error is the one to report)
            current_app.logger.warning("stored files of a failed request left to collect-garbage: %s", new,
                                       exc_info=True)
    forget_new_files()


def referenced(sha256s: Iterable[str] | None = None) -> set[str]:
    """The SHA-256 that committed rows refer to (documents, attachments, bundle builds): of `sha256s`, or all."""
    import sqlalchemy as sa

    from ..dossiers.models import Attachment
    from ..extensions import db
    from ..pdf.models import BundleBuild, Document

    wanted = None if sha256s is None else list(sha256s)
    found: set[str] = set()
    for column in (Document.sha256, Attachment.sha256, BundleBuild.sha256):
        query = sa.select(column).where(column.is_not(None)).distinct()
        if wanted is not None:
            query = query.where(column.in_(wanted))
        found.update(db.session.scalars(query))
    return found


def forget_new_files() -> None:
    _new_files().clear()
