"""A batch's bundle, downloaded: small batches are built while the user waits; a large one is built in the
background (Huey) and stored, its progress shown until it is ready. A stored build holds the outcome documents
issued until it was asked for (contents.py): once the recipient issues another, it is built again."""
from __future__ import annotations

import tempfile
from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import current_app, send_file

from ..clock import utcnow
from ..dossiers.models import Batch, batch_dossier
from ..extensions import db
from ..i18n import N_
from ..jobs import app_context, huey
from ..pdf import storage
from ..pdf.attachment_signature import AttachmentSigner
from ..pdf.bundle import build_bundle_pdf, build_bundle_zip
from ..pdf.models import BundleBuild, Document, document_dossier
from ..signing.keys import signer_for
from ..transaction import unit_of_work
from .contents import OUTCOME_TYPES, bundle_contents

STALE_BUILD_AFTER = timedelta(minutes=15)


def _download_name(batch, extension: str) -> str:
    return f"bo-ho-so_{batch.document.number.replace('/', '-')}.{extension}"


def attachment_signer(batch) -> AttachmentSigner | None:
    """The batch's organisation signs the attachments it sends in files of their own (the ZIP), as attachments of
    its Tờ trình (NĐ 30/2020, Phụ lục I, II.8.b); without a key they are sent as stored."""
    signer = signer_for(batch.organisation.code)
    if signer is None:
        return None
    return AttachmentSigner(signer, batch.document.number, location=batch.organisation.place_name)


def bundle_response(batch, fmt: str = "pdf"):
    if fmt == "zip":
        spool = tempfile.TemporaryFile()  # closed by the response once sent
        build_bundle_zip(bundle_contents(batch), spool, attachment_signer(batch))
        spool.seek(0)
        return send_file(spool, mimetype="application/zip", download_name=_download_name(batch, "zip"),
                         as_attachment=True)
    return send_file(BytesIO(build_bundle_pdf(bundle_contents(batch))), mimetype="application/pdf",
                     download_name=_download_name(batch, "pdf"))


def stored_bundle_response(batch, build):
    return send_file(BytesIO(storage.read(build.sha256)), mimetype="application/pdf", etag=build.sha256,
                     download_name=_download_name(batch, "pdf"), max_age=0)


def latest_build(batch) -> BundleBuild | None:
    return db.session.scalar(sa.select(BundleBuild).where(BundleBuild.batch_id == batch.id)
                             .order_by(BundleBuild.id.desc()))


def outcome_issued_after(batch, moment) -> bool:
    """Whether a Quyết định or Thông báo on one of the batch's dossiers was issued after `moment`: a build asked
    for before it lacks it (a later notice on a dossier sent on in another batch counts too: a rebuild too many
    is harmless, contents.py picks what belongs)."""
    return db.session.scalar(sa.select(sa.exists().where(
        batch_dossier.c.batch_id == batch.id, document_dossier.c.dossier_id == batch_dossier.c.dossier_id,
        Document.id == document_dossier.c.document_id, Document.doc_type.in_(OUTCOME_TYPES),
        Document.issued_at > moment)))


def request_bundle_build(batch, actor):
    """(the build, whether it is new): the batch's build that is done or under way, else a new one; a new one
    too when an outcome document was issued after the last one was asked for."""
    build = db.session.scalar(sa.select(BundleBuild).where(BundleBuild.batch_id == batch.id,
                                                           BundleBuild.status.in_(("queued", "running", "done")))
                              .order_by(BundleBuild.id.desc()))
    if build is not None and outcome_issued_after(batch, build.requested_at):
        build = None  # left as it is: it finishes, and the newer one is served
    if build is not None and (build.status == "done" or build.requested_at > utcnow() - STALE_BUILD_AFTER):
        return build, False
    if build is not None:  # queued or running for too long: the worker died or the task was lost
        build.status, build.error = "failed", N_("Quá thời gian chờ; đã tạo lại.")  # a msgid: shown with gettext
    build = BundleBuild(batch_id=batch.id, total=len(batch.dossiers), requested_by_id=actor.id)
    db.session.add(build)
    db.session.flush()
    return build, True


def bundle_in_background(batch, actor):
    """For a large batch: the build record, queued on first request (after the commit, so the consumer
    sees it). Returns None for a batch small enough to build while the user waits."""
    if len(batch.dossiers) <= current_app.config["BUNDLE_INLINE_MAX_DOSSIERS"]:
        return None
    with unit_of_work():
        build, created = request_bundle_build(batch, actor)
    if created:  # polling the same build queues nothing more
        build_bundle_task(build.id)
    return build


@huey.task()
def build_bundle_task(build_id: int) -> None:
    with app_context():
        run_bundle_build(build_id)


def run_bundle_build(build_id: int) -> None:
    """The background task: build, store, and report progress as it goes (committed, so pages can show it)."""
    build = db.session.get(BundleBuild, build_id)
    if build is None or build.status == "done":
        return
    build.status = "running"
    db.session.commit()

    def progress(done, total):
        build.done, build.total = done, total
        db.session.commit()

    try:
        data = build_bundle_pdf(bundle_contents(db.session.get(Batch, build.batch_id), as_of=build.requested_at),
                                progress)
        build.sha256 = storage.store(data)
        storage.forget_new_files()  # kept: the row below refers to it
        build.status, build.finished_at = "done", utcnow()
    except Exception:  # reported on the page; the build can be asked for again
        current_app.logger.exception("bundle build %s failed", build_id)
        db.session.rollback()
        build = db.session.get(BundleBuild, build_id)
        build.status, build.error, build.finished_at = "failed", N_("Tạo bộ hồ sơ không thành công."), utcnow()
    db.session.commit()
