"""Stored files as responses: exactly the bytes issued or uploaded, their SHA-256 the ETag."""
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
    """An uploaded file is whatever its sender made it (a PDF may hold JavaScript): downloaded, never opened in the
    app's origin, and sandboxed should a browser open it anyway."""
    response = send_file(BytesIO(storage.read(attachment.sha256)), mimetype=attachment.content_type,
                         download_name=attachment.filename, etag=attachment.sha256, max_age=0, as_attachment=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
