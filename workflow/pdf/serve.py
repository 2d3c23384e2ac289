"""Stored files as responses: exactly the bytes issued or uploaded, their SHA-256 the ETag."""
from .. import storage


def pdf_response(document):
    """The stored bytes, exactly as issued; the SHA-256 is the ETag."""
    return storage.send(document.sha256, mimetype="application/pdf", download_name=document.filename)


def attachment_response(attachment):
    """An uploaded file is whatever its sender made it (a PDF may hold JavaScript): downloaded, never opened in the
    app's origin, and sandboxed should a browser open it anyway."""
    response = storage.send(attachment.sha256, mimetype=attachment.content_type, download_name=attachment.filename,
                            as_attachment=True)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
