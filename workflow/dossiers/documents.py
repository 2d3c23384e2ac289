"""Which official document each step issues, by whom, and the plain values its template is given.

Official documents are always in Vietnamese, whatever the language of the person acting: the values
(labels, amounts) are built and the template rendered under force_locale("vi")."""
from __future__ import annotations

import functools
from datetime import date

from flask_babel import force_locale

from ..formatting import format_date, format_money
from ..pdf.issue import issue_document
from .kinds import KINDS
from .models import Batch, Dossier

# event -> (document type, issuer: which organisation relative to the dossier's union, template, title)
STEP_DOCUMENTS = {
    "submit": ("TTr", "owner", "documents/submit.html", "Tờ trình đề nghị {request}"),
    "return": ("TB", "reviewer", "documents/return.html", "Thông báo trả hồ sơ đề nghị {request}"),
    "approve": ("BB", "reviewer", "documents/approve.html", "Biên bản thẩm định hồ sơ đề nghị {request}"),
    "reject": ("TB", "decider", "documents/reject.html", "Thông báo kết quả xét hồ sơ đề nghị {request}"),
    "refer_back": ("TB", "decider", "documents/refer_back.html", "Thông báo chuyển lại hồ sơ đề nghị {request}"),
}
BATCH_DOCUMENT = ("TTr", "documents/forward.html", "Tờ trình đề nghị {request}")


def _in_vietnamese(issue):
    @functools.wraps(issue)
    def wrapper(*args, **kwargs):
        with force_locale("vi"):
            return issue(*args, **kwargs)
    return wrapper


def _org_for(dossier: Dossier, role: str):
    union = dossier.organisation
    return {"owner": union, "reviewer": union.parent, "decider": union.parent.parent}[role]


def _last_document(dossier: Dossier, event: str):
    for row in reversed(dossier.events):
        if row.event == event and row.document is not None:
            return {"number": row.document.number, "issued_on": format_date(row.document.issued_on)}
    return None


def dossier_context(dossier: Dossier) -> dict:
    kind = KINDS[dossier.kind]
    data = dossier.data
    return {
        "dossier": {
            "id": dossier.id,
            "kind_title": kind.title,
            "request": kind.request_phrase,
            "union_name": dossier.organisation.name,
            "reviewer_name": dossier.organisation.parent.name,
            "decider_name": dossier.organisation.parent.parent.name,
            "subject": kind.subject(data),
            "requested": format_money(kind.requested_amount(data)),
            "granted": format_money(dossier.granted_amount_vnd),
            "round": dossier.round,
            "submitted_on": format_date(dossier.submitted_on),
            "basis": dossier.rule_set.basis if dossier.rule_set else "",
        },
        "shown": kind.display(data),
        "rows": kind.display_rows(data),
        "summary_template": kind.template("summary"),
        "decision_template": kind.template("decision"),
        "union_request": _last_document(dossier, "submit"),
        "district_request": _last_document(dossier, "forward"),
    }


@_in_vietnamese
def issue_for_event(actor, dossier: Dossier, event: str, comment: str | None, on: date):
    """The step's document, or None for a step that issues none (withdraw)."""
    if event not in STEP_DOCUMENTS:
        return None
    doc_type, issuer_role, template, title = STEP_DOCUMENTS[event]
    kind = KINDS[dossier.kind]
    context = dossier_context(dossier)
    context.update(reason=comment, actor_name=actor.full_name)
    return issue_document(doc_type=doc_type, title=title.format(request=kind.request_phrase),
                          issuer=_org_for(dossier, issuer_role), template=template, context=context,
                          actor=actor, on=on, dossiers=[dossier])


def batch_context(batch: Batch) -> dict:
    kind = KINDS[batch.kind]
    rows = []
    total = 0
    for index, dossier in enumerate(batch.dossiers, start=1):
        shown = kind.display(dossier.data)
        requested = kind.requested_amount(dossier.data)
        total += requested or 0
        rows.append({
            "index": index,
            "full_name": shown["full_name"],
            "birth_year_gender": f'{dossier.data.get("birth_date", "")[:4]} ({shown["gender"]})',
            "union_name": dossier.organisation.name,
            "columns": [value(shown) for _, value in kind.list_columns],
            "requested": format_money(requested),
            "dossier_id": dossier.id,
        })
    return {
        "kind_title": kind.title,
        "request": kind.request_phrase,
        "column_headings": [heading for heading, _ in kind.list_columns],
        "rows": rows,
        "count": len(rows),
        "total": format_money(total),
        "has_money": any(kind.requested_amount(d.data) is not None for d in batch.dossiers),
        "unions": sorted({d.organisation.name for d in batch.dossiers}),
        "bases": sorted({d.rule_set.basis for d in batch.dossiers if d.rule_set}),
        "decider_name": batch.organisation.parent.name,
    }


@_in_vietnamese
def issue_for_batch(actor, batch: Batch, on: date):
    doc_type, template, title = BATCH_DOCUMENT
    kind = KINDS[batch.kind]
    return issue_document(doc_type=doc_type, title=title.format(request=kind.request_phrase),
                          issuer=batch.organisation, template=template, context={"batch": batch_context(batch)},
                          actor=actor, on=on, batch=batch)


@_in_vietnamese
def issue_decision(actor, dossiers: list[Dossier], comment: str | None, on: date):
    """One Quyết định for the dossiers the province accepts together, listing each and its amount."""
    kind = KINDS[dossiers[0].kind]
    first = dossier_context(dossiers[0])
    decisions = []
    for dossier in dossiers:
        data = dossier.submitted_data or dossier.data
        decisions.append({"subject": kind.subject(data), "union_name": dossier.organisation.name,
                          "requested": format_money(kind.requested_amount(data)),
                          "granted": format_money(dossier.granted_amount_vnd), "shown": kind.display(data)})
    context = {
        **first,
        "decisions": decisions,
        "total_granted": format_money(sum(d.granted_amount_vnd or 0 for d in dossiers)),
        "has_money": any(d.granted_amount_vnd is not None for d in dossiers),
        "unions": sorted({d.organisation.name for d in dossiers}),
        "bases": sorted({d.rule_set.basis for d in dossiers if d.rule_set}),
        "reason": comment,
    }
    return issue_document(doc_type="QĐ", title=f"Quyết định {kind.request_phrase}",
                          issuer=dossiers[0].organisation.parent.parent, template="documents/accept.html",
                          context=context, actor=actor, on=on, dossiers=dossiers, batch=dossiers[0].batch)
