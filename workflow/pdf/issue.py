"""Issuing an official document: number, render, sign, store and record it, inside the caller's transaction.

A step presented for signature (signing/step.py) gets a draft instead: watermarked "DỰ THẢO", no number, no day
(NĐ 30/2020 Điều 15: a document is numbered and dated when it is issued), no verification code, unsigned."""
from __future__ import annotations

import base64
from dataclasses import asdict, replace
from datetime import date

from .. import storage
from ..extensions import db
from ..formatting import official_date_line
from ..signing import context as signing_context
from ..signing import pades
from ..signing.images import signature_images
from ..signing.keys import personal_signer_for, signer_for
from ..signing.models import DocumentSignature
from ..signing.timestamps import timestamper
from ..verification.codes import new_code, qr_svg
from ..web import public_address
from . import ahead
from .heading import date_line_pt, heading_line
from .models import Document
from .numbering import format_number, next_sequence, sequence_scope
from .render import html_to_pdf, render_document_html
from .signature import filed_line, signing_block

PERSON_FIELD, ORGANISATION_FIELD = "ChuKyNguoiKy", "ChuKyCoQuan"
_BLANK = "\u00a0" * 6  # where the clerk would write the number and the day on a paper draft


def _data_uri(png: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else None


def issue_document(*, doc_type: str, title: str, issuer, template: str, context: dict, actor_id: int, on: date,
                   dossiers=(), batch=None) -> Document:
    """`issuer` is the organisation's header as printed that day (orgs.tree.Header: id, names, parent line,
    abbreviation, place, signing body, head)."""
    mode = signing_context.current()
    drafting = isinstance(mode, signing_context.Drafting)
    scope = sequence_scope(doc_type)
    header = asdict(issuer)
    block = signing_block(header)
    if drafting:
        sequence = None
        number = _BLANK + "/" + format_number(1, doc_type, issuer.abbreviation).split("/", 1)[1]
        date_line = f"{issuer.place_name}, ngày{_BLANK}tháng{_BLANK}năm {on.year}"
        verify_code = verification = None
        person = None
    else:
        sequence = next_sequence(issuer.id, on.year, scope)
        number = format_number(sequence, doc_type, issuer.abbreviation)
        date_line = official_date_line(issuer.place_name, on)
        verify_code = ahead.stable(new_code)  # the same in every attempt of the step (ahead.py)
        verify_url = public_address("verify.show", {"code": verify_code})
        verification = {"code": verify_code, "url": verify_url, "qr": qr_svg(verify_url)}
        person = _signing_person(mode, actor_id)
        if person is not None:  # their own signature and name under the block; the seal is the organisation's
            signature, seal = signature_images(person.username, issuer.code)
            block = replace(block, name=person.full_name, signature=_data_uri(signature), seal=_data_uri(seal))
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
        "signing": block,
        "filed_line": filed_line(header),
        "date_line": date_line,
        "verification": verification,
        "draft": drafting,
        "issued_on": on,
    })
    # Rendered and signed from plain values only: perhaps ahead of the write transaction (ahead.py).
    person_signer = personal_signer_for(person.username) if person is not None else None
    person_id, person_name = (person.id, person.username) if person is not None else (None, None)
    organisation_signer = None if drafting else signer_for(issuer.code)
    place = issuer.place_name

    def render():
        pdf = html_to_pdf(html)
        data, signatures = pdf.data, []
        if person_id is not None:
            data = _sign(data, person_signer, PERSON_FIELD, "signer", person_id, signatures,
                         reason=f"Ký văn bản số {number}", location=place, timestamper=timestamper())
        # the organisation's signature, as its văn thư gives it when the document is issued
        data = _sign(data, organisation_signer, ORGANISATION_FIELD, "organisation", None, signatures,
                     reason=f"Ban hành văn bản số {number}", location=place)
        return data, pdf.page_count, signatures

    done = ahead.rendered(ahead.key_of(html, person_name, issuer.code, organisation_signer is not None), render)
    data, page_count, signatures = done if done is not None else (None, 1, [])  # None: rehearsing, nothing stored
    document = Document(
        doc_type=doc_type, title=title, organisation_id=issuer.id, year=on.year, sequence_scope=scope,
        sequence=sequence, number=None if drafting else number, issued_on=None if drafting else on,
        issued_by_id=actor_id, template=template,
        sha256=storage.store(data) if data is not None else ahead.PLACEHOLDER_SHA256,
        size=len(data) if data is not None else 0, page_count=page_count, verify_code=verify_code,
        state="draft" if drafting else "issued",
        signing_request_id=getattr(mode, "request_id", None), signed_by_id=person.id if person else None,
        dossiers=list(dossiers), batch=batch,
    )
    if drafting:
        mode.drafts.append({column: getattr(document, column) for column in DRAFT_COLUMNS})
        # what the step would change: the dossiers it names (a batch's Tờ trình names none: all of its batch's)
        mode.dossier_ids.update(d.id for d in (dossiers or (batch.dossiers if batch is not None else ())))
    db.session.add(document)
    db.session.flush()
    for signature in signatures:
        db.session.add(DocumentSignature(document_id=document.id, **signature))
    return document


DRAFT_COLUMNS = ("doc_type", "title", "organisation_id", "year", "sequence_scope", "issued_by_id", "template",
                 "sha256", "size", "page_count")


def _signing_person(mode, actor_id: int):
    """Who signs as a person: the signer of a signing request, else the acting person when they hold a key of
    their own (one who does both); None: the organisation's signature alone, the signing block as configured."""
    from ..auth.models import User  # the documents layer knows no model above it at import time

    if isinstance(mode, signing_context.Signing):
        return mode.signer
    person = db.session.get(User, actor_id)
    return person if person is not None and personal_signer_for(person.username) is not None else None


def _sign(data: bytes, signer, field: str, role: str, user_id, signatures: list, *, reason: str,
          location: str, timestamper=None) -> bytes:
    if signer is None:
        return data
    data = pades.sign(data, signer, field_name=field, reason=reason, location=location, timestamper=timestamper)
    common_name = signer.signing_cert.subject.native.get("common_name", "")
    signatures.append({"role": role, "field": field, "signer": common_name[:200], "user_id": user_id})
    return data
