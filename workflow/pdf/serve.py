import tempfile
from io import BytesIO

from flask import send_file

from . import storage


def pdf_response(document):
    """The stored bytes, exactly as issued; the SHA-256 is the ETag."""
    response = send_file(BytesIO(storage.read(document.sha256)), mimetype="application/pdf",
                         download_name=document.filename, etag=document.sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def attachment_response(attachment):
    response = send_file(BytesIO(storage.read(attachment.sha256)), mimetype=attachment.content_type,
                         download_name=attachment.filename, etag=attachment.sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def bundle_response(batch, fmt: str = "pdf"):
    from ..dossiers.kinds import KINDS
    from .bundle import build_bundle_pdf, build_bundle_zip

    number = batch.document.number.replace("/", "-")
    if fmt == "zip":
        spool = tempfile.TemporaryFile()  # closed by the response once sent
        build_bundle_zip(batch, KINDS, spool)
        spool.seek(0)
        return send_file(spool, mimetype="application/zip", download_name=f"bo-ho-so_{number}.zip", as_attachment=True)
    return send_file(BytesIO(build_bundle_pdf(batch, KINDS)), mimetype="application/pdf",
                     download_name=f"bo-ho-so_{number}.pdf")


def stored_bundle_response(batch, build):
    number = batch.document.number.replace("/", "-")
    return send_file(BytesIO(storage.read(build.sha256)), mimetype="application/pdf", etag=build.sha256,
                     download_name=f"bo-ho-so_{number}.pdf", max_age=0)


def bundle_in_background(batch, actor):
    """For a large batch: the build record, queued on first request (after the commit, so the consumer
    sees it). Returns None for a batch small enough to build while the user waits."""
    from flask import current_app

    from ..jobs import build_bundle_task
    from ..transaction import unit_of_work
    from .bundle import request_bundle_build

    if len(batch.dossiers) <= current_app.config["BUNDLE_INLINE_MAX_DOSSIERS"]:
        return None
    with unit_of_work():
        build, created = request_bundle_build(batch, actor)
    if created:  # polling the same build queues nothing more
        build_bundle_task(build.id)
    return build
