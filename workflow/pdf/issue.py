from __future__ import annotations

from datetime import date

from ..extensions import db
from ..formatting import official_date_line
from ..orgs.models import Organisation
from . import storage
from .models import Document
from .numbering import format_number, next_sequence, sequence_scope
from .render import html_to_pdf, render_document_html


def issuer_context(org: Organisation) -> dict:
    """The header and signature block of an issuing organisation, as plain values."""
    return {
        "parent_header": org.parent.header_name if org.parent else "",
        "header_name": org.header_name,
        "name": org.name,
        "place_name": org.place_name,
        "signing_body": org.signing_body,
        "head_title": org.head_title,
        "head_name": org.head_name,
        "abbreviation": org.abbreviation,
    }


def issue_document(*, doc_type: str, title: str, issuer: Organisation, template: str, context: dict,
                   actor, on: date, dossiers=(), batch=None) -> Document:
    """Number, render, store and record one official document, inside the caller's transaction."""
    scope = sequence_scope(doc_type)
    sequence = next_sequence(issuer.id, on.year, scope)
    number = format_number(sequence, doc_type, issuer.abbreviation)
    html = render_document_html(template, {
        **context,
        "doc_title": title,
        "number": number,
        "issuer": issuer_context(issuer),
        "date_line": official_date_line(issuer.place_name, on),
    })
    pdf = html_to_pdf(html)
    document = Document(
        doc_type=doc_type, title=title, organisation_id=issuer.id, year=on.year, sequence_scope=scope,
        sequence=sequence, number=number, issued_on=on, issued_by_id=actor.id, template=template,
        sha256=storage.store(pdf.data), size=len(pdf.data), page_count=pdf.page_count,
        dossiers=list(dossiers), batch=batch,
    )
    db.session.add(document)
    db.session.flush()
    return document
