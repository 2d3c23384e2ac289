"""A batch's bundle, downloaded: built once and stored, then served from storage, the PDF and the ZIP alike (the ZIP's
attachments signed by the sender once, when it is built). A small batch's bundle is built while the first user to ask
waits (another asking meanwhile waits for that build); a large one's PDF is built in the background (Huey), its
progress shown until it is ready.

A stored build is served as long as it holds what the batch's bundle would hold now: its content key is the SHA-256
of what goes in (contents.py: every part, its file's sum, title and place; the table of contents; the manifest; for
the ZIP, the sender's certificate). A decision filed on the batch, a name changed, a new key: another key, so the
next download builds again; the build it replaces is marked superseded and its file removed.

What a build takes in memory is bounded: images were brought to A4 at 200 dpi when uploaded, the PDF is merged in
pieces (pdf/bundle.py), the ZIP holds one file at a time, both are written to a temporary file and stored from it,
one build at a time in a process; downloads stream the stored file."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .. import storage
from ..clock import utcnow
from ..dossiers.models import Attachment, Batch
from ..extensions import db
from ..i18n import N_
from ..jobs import app_context, huey
from ..pdf.attachment_signature import AttachmentSigner
from ..pdf.bundle import build_bundle_pdf, build_bundle_zip
from ..pdf.models import BundleBuild, Document
from ..signing.keys import signer_for
from ..transaction import unit_of_work
from .contents import bundle_contents

STALE_BUILD_AFTER = timedelta(minutes=15)
WAIT_FOR_OTHER_BUILD = 120  # seconds a download waits for the same small bundle another request is building
LAYOUT = "3"  # part of every content key: a change to how bundles are laid out builds them again
_BUILDING = threading.BoundedSemaphore(1)  # one build at a time in a process: its memory stays bounded
MIMETYPES = {"pdf": "application/pdf", "zip": "application/zip"}


def _download_name(batch, extension: str) -> str:
    return f"bo-ho-so_{batch.document.number.replace('/', '-')}.{extension}"


def attachment_signer(batch) -> AttachmentSigner | None:
    """The batch's organisation signs the attachments it sends in files of their own (the ZIP), as attachments of
    its Tờ trình (NĐ 30/2020, Phụ lục I, II.8.b); without a key they are sent as stored."""
    signer = signer_for(batch.organisation.code)
    if signer is None:
        return None
    return AttachmentSigner(signer, batch.document.number, location=batch.organisation.place_name)


def content_key(contents, fmt: str, signer: AttachmentSigner | None = None) -> str:
    """What a build holds, as a SHA-256: equal keys, the same bundle."""
    certificate = hashlib.sha256(signer.signer.signing_cert.dump()).hexdigest() if signer is not None else None
    described = {"layout": LAYOUT, "format": fmt, "contents": dataclasses.asdict(contents), "signer": certificate}
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _current_key(batch, fmt: str) -> str:
    return content_key(bundle_contents(batch), fmt, attachment_signer(batch) if fmt == "zip" else None)


def latest_build(batch, fmt: str = "pdf") -> BundleBuild | None:
    return db.session.scalar(sa.select(BundleBuild).where(BundleBuild.batch_id == batch.id, BundleBuild.format == fmt,
                                                          BundleBuild.status != "superseded")
                             .order_by(BundleBuild.id.desc()))


def _in_background(batch, fmt: str) -> bool:
    return fmt == "pdf" and len(batch.dossiers) > current_app.config["BUNDLE_INLINE_MAX_DOSSIERS"]


def request_bundle_build(batch, actor, fmt: str = "pdf", key: str | None = None):
    """(the build, whether it is new): the batch's build of this content that is done or under way, else a new one.
    Inside a unit of work (on SQLite a writer's: two asking at once do not both start one)."""
    key = key or _current_key(batch, fmt)
    # PostgreSQL: those asking at once for the batch's bundle take turns here (SQLite: the unit's write lock does)
    db.session.execute(sa.select(Batch.id).where(Batch.id == batch.id).with_for_update())
    build = db.session.scalar(sa.select(BundleBuild).where(
        BundleBuild.batch_id == batch.id, BundleBuild.format == fmt, BundleBuild.content_key == key,
        BundleBuild.status.in_(("queued", "running", "done"))).order_by(BundleBuild.id.desc()))
    if build is not None and (build.status == "done" or build.requested_at > utcnow() - STALE_BUILD_AFTER):
        return build, False
    if build is not None:  # queued or running for too long: the worker died or the task was lost
        build.status, build.error = "failed", N_("Quá thời gian chờ; đã tạo lại.")  # a msgid: shown with gettext
    build = BundleBuild(batch_id=batch.id, format=fmt, content_key=key, total=len(batch.dossiers),
                        requested_by_id=actor.id)
    db.session.add(build)
    db.session.flush()
    return build, True


def bundle_build(batch, actor, fmt: str = "pdf") -> BundleBuild:
    """The batch's stored bundle in this format, built now if need be (a small batch's, or any ZIP), or queued (a
    large batch's PDF): the build, done, or queued or running (its progress)."""
    key = _current_key(batch, fmt)
    with unit_of_work():
        build, created = request_bundle_build(batch, actor, fmt, key)
    build_id = build.id
    if created and _in_background(batch, fmt):
        build_bundle_task(build_id)  # after the commit, so the consumer sees it
    elif created:
        run_bundle_build(build_id)
    elif build.status != "done" and not _in_background(batch, fmt):
        _wait_for(build_id)  # another request is building this very bundle: it is served once stored
    build = db.session.get(BundleBuild, build_id)
    db.session.refresh(build)
    return build


def _wait_for(build_id: int) -> None:
    deadline = time.monotonic() + WAIT_FOR_OTHER_BUILD
    while time.monotonic() < deadline:
        db.session.expire_all()
        build = db.session.get(BundleBuild, build_id)
        if build is None or build.status not in ("queued", "running"):
            return
        db.session.rollback()  # no transaction held while waiting
        time.sleep(0.25)


def stored_bundle_response(batch, build):
    """The stored file (its SHA-256 is the ETag), streamed from storage, never read whole into memory."""
    return storage.send(build.sha256, mimetype=MIMETYPES[build.format],
                        download_name=_download_name(batch, build.format), as_attachment=build.format == "zip")


@huey.task()
def build_bundle_task(build_id: int) -> None:
    with app_context():
        run_bundle_build(build_id)


def run_bundle_build(build_id: int) -> None:
    """Build, store, and report progress as it goes (committed, so pages can show it)."""
    build = db.session.get(BundleBuild, build_id)
    if build is None or build.status == "done":
        return
    with unit_of_work():
        build.status = "running"

    def progress(done, total):
        with unit_of_work():
            build.done, build.total = done, total

    try:
        with _BUILDING, tempfile.TemporaryFile() as out:
            batch = db.session.get(Batch, build.batch_id)
            contents = bundle_contents(batch, as_of=build.requested_at)
            signer = attachment_signer(batch) if build.format == "zip" else None
            if build.format == "zip":
                build_bundle_zip(contents, out, signer)
            else:
                build_bundle_pdf(contents, progress, out=out)
            built_key = content_key(contents, build.format, signer)  # what it holds (as of when it was asked for)
            sha256, _ = storage.store_file(out)
        with unit_of_work():
            build.status, build.sha256, build.content_key, build.finished_at = "done", sha256, built_key, utcnow()
            build.done = build.total
            replaced = _supersede(build)
        for old in replaced:
            storage.remove(old)
    except Exception:  # reported on the page; the build can be asked for again
        current_app.logger.exception("bundle build %s failed", build_id)
        db.session.rollback()
        storage.discard_new_files()
        with unit_of_work():
            build = db.session.get(BundleBuild, build_id)
            build.status, build.error, build.finished_at = "failed", N_("Tạo bộ hồ sơ không thành công."), utcnow()


def _supersede(build: BundleBuild) -> list[str]:
    """Mark the batch's earlier builds of this format superseded; the files no other row refers to, to remove."""
    older = db.session.scalars(sa.select(BundleBuild).where(
        BundleBuild.batch_id == build.batch_id, BundleBuild.format == build.format, BundleBuild.id < build.id,
        BundleBuild.status == "done")).all()
    files = set()
    for row in older:
        if row.sha256 and row.sha256 != build.sha256:
            files.add(row.sha256)
        row.status, row.sha256 = "superseded", None
    db.session.flush()
    return [sha256 for sha256 in files if not _referenced(sha256)]


def _referenced(sha256: str) -> bool:
    return any(db.session.scalar(sa.select(sa.exists().where(column == sha256)))
               for column in (BundleBuild.sha256, Document.sha256, Attachment.sha256))
