"""Issuing an official document: number, render, store and record it, inside the caller's transaction."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from ..extensions import db
from ..formatting import official_date_line
from ..signing import pades
from ..signing.keys import signer_for
from ..verification.codes import new_code, qr_svg
from ..web import public_address
from . import storage
from .heading import date_line_pt, heading_line
from .models import Document
from .numbering import format_number, next_sequence, sequence_scope
from .render import html_to_pdf, render_document_html
from .signature import filed_line, signing_block


def issue_document(*, doc_type: str, title: str, issuer, template: str, context: dict, actor_id: int, on: date,
                   dossiers=(), batch=None) -> Document:
    """`issuer` is the organisation's header as printed that day (orgs.tree.Header: id, names, parent line,
    abbreviation, place, signing body, head)."""
    scope = sequence_scope(doc_type)
    sequence = next_sequence(issuer.id, on.year, scope)
    number = format_number(sequence, doc_type, issuer.abbreviation)
    header = asdict(issuer)
    verify_code = new_code()
    verify_url = public_address("verify.show", {"code": verify_code})
    date_line = official_date_line(issuer.place_name, on)
    html = render_document_html(template, {
        **context,
        "doc_title": title,
        "number": number,
        "issuer": header,
        "heading": {
            "parent": heading_line(issuer.parent_header, issuer.parent_short_header, bold=False)
            if issuer.parent_header else None,
            "issuer": heading_line(issuer.header_name, issuer.short_header_name, bold=True),
            "date_pt": date_line_pt(date_line),
        },
        "signing": signing_block(header),
        "filed_line": filed_line(header),
        "date_line": date_line,
        "verification": {"code": verify_code, "url": verify_url, "qr": qr_svg(verify_url)},
        "issued_on": on,
    })
    pdf = html_to_pdf(html)
    data = pdf.data
    signer = signer_for(issuer.code)
    if signer is not None:  # the organisation's signature, as its văn thư gives it when the document is issued
        data = pades.sign(data, signer, field_name="ChuKyCoQuan", reason=f"Ban hành văn bản số {number}",
                          location=issuer.place_name)
    document = Document(
        doc_type=doc_type, title=title, organisation_id=issuer.id, year=on.year, sequence_scope=scope,
        sequence=sequence, number=number, issued_on=on, issued_by_id=actor_id, template=template,
        sha256=storage.store(data), size=len(data), page_count=pdf.page_count, verify_code=verify_code,
        dossiers=list(dossiers), batch=batch,
    )
    db.session.add(document)
    db.session.flush()
    return document
