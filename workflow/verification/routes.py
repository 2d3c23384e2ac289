"""GET /verify/<code>: what a document is, for anyone holding it (no account): number, date, issuer, title,
SHA-256; POST /verify: whether a file is exactly an issued document. Both answer HTML, or JSON to a client that
asks for it; both are logged. No personal data beyond the document's title is shown."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Response, abort, jsonify, render_template, request
from flask_babel import gettext

from .. import storage
from ..extensions import csrf, db
from ..formatting import CONTROL_CHARACTERS, format_date, vietnam_time
from ..pdf.models import Document
from ..signing import pades
from ..signing.keys import trust_roots, trust_roots_path
from ..transaction import unit_of_work
from ..web import public_address
from . import bp
from .codes import normalise
from .models import Verification

MAX_FILE = 50 * 1024 * 1024  # the largest bundle the system builds stays far below


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def document_facts(document: Document) -> dict:
    return {
        "number": document.number,
        "issued_on": document.issued_on.isoformat(),
        "issuer": document.organisation.names_on(document.issued_on).name,
        "title": document.title,
        "sha256": document.sha256,
        "pages": document.page_count,
        "verify_url": public_address("verify.show", {"code": document.verify_code}) if document.verify_code else None,
        "signatures": [status.as_json() for status in signatures_of(storage.read(document.sha256))],
    }


def signatures_of(data: bytes):
    return pades.validate(data, trust_roots())


def _log(method: str, asked: str, document: Document | None) -> None:
    with unit_of_work():
        db.session.add(Verification(method=method, asked=asked, document_id=document.id if document else None))


@bp.get("/<code>")
def show(code):
    canonical = normalise(code)
    document = db.session.scalar(sa.select(Document).where(Document.verify_code == canonical)) if canonical else None
    # what was asked, printable (a NUL is no text PostgreSQL stores)
    _log("code", canonical or CONTROL_CHARACTERS.sub("?", code)[:64], document)
    if document is None:
        if _wants_json():
            return jsonify({"match": False, "message": gettext("Không có văn bản nào mang mã tra cứu này.")}), 404
        abort(404)
    facts = document_facts(document)
    if _wants_json():
        return jsonify({"match": True, "document": facts})
    return render_template("verify/show.html", document=document, facts=facts,
                           issued_at=vietnam_time(document.issued_at), issued_on=format_date(document.issued_on))


@bp.get("")
def form():
    return render_template("verify/form.html", result=None)


@bp.post("")
@csrf.exempt  # no session, no account and no change but the log: any client may ask
def check_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _answer_error(gettext("Chọn tệp PDF cần kiểm tra."), 400)
    data = upload.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        return _answer_error(gettext("Tệp quá lớn để kiểm tra (tối đa 50 MB)."), 413)
    digest = hashlib.sha256(data).hexdigest()
    document = db.session.scalar(sa.select(Document).where(Document.sha256 == digest, Document.state == "issued")
                                 .order_by(Document.id))  # a draft is no document: it was never issued
    _log("file", digest, document)
    facts = document_facts(document) if document else None
    # A file that is no issued document may still carry signatures: say whether they hold.
    signatures = facts["signatures"] if facts else [s.as_json() for s in signatures_of(data)]
    if _wants_json():
        return jsonify({"match": document is not None, "sha256": digest, "document": facts,
                        "signatures": signatures})
    return render_template("verify/form.html", result={"match": document is not None, "sha256": digest,
                                                        "document": document, "facts": facts,
                                                        "signatures": signatures})


@bp.get("/trust-roots.pem")
def trust_roots_pem():
    """The roots the system validates signatures against, for anyone to check them with their own tools."""
    path = trust_roots_path()
    if path is None or not path.is_file():
        abort(404)
    return Response(path.read_bytes(), mimetype="application/x-pem-file",
                    headers={"Content-Disposition": "inline; filename=trust-roots.pem"})


def _answer_error(message: str, status: int):
    if _wants_json():
        return jsonify({"match": False, "message": message}), status
    return render_template("verify/form.html", result=None, error=message), status
