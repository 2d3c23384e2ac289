"""Which official document each step issues, by which organisation, and the plain values its template is given.

The issuer is the organisation acting (the union for its Tờ trình; the level the dossier waits at for the
others), printed with its header as of the day of issue (its parent that day). A document shows the dossier as
the issuer was sent it (visibility.py). Official documents are always in Vietnamese, whatever the language of
the person acting: the values are built and the template rendered under force_locale("vi")."""
from __future__ import annotations

import functools
from datetime import date

from flask_babel import force_locale

from .. import clock
from ..formatting import format_date, format_money, vietnam_time
from ..orgs.models import Organisation
from ..orgs.tree import header_on
from ..pdf import ahead
from ..pdf.issue import issue_document
from .citations import citation_key, cite
from .kinds.base import RuleContext
from .models import Batch, Dossier
from .visibility import access_of, viewer_for

CHARTER = "Điều lệ Công đoàn Việt Nam"  # every decision of a union body rests on it first
LISTED_AFTER = 3  # a decision granting more than this many lists them in an attached "Danh sách"

# event -> (document type, template, title)
STEP_DOCUMENTS = {
    "submit": ("TTr", "documents/submit.html", "Tờ trình đề nghị {request}"),
    "return": ("TB", "documents/return.html", "Thông báo trả hồ sơ đề nghị {request}"),
    "approve": ("BB", "documents/approve.html", "Biên bản thẩm định hồ sơ đề nghị {request}"),
    "reject": ("TB", "documents/reject.html", "Thông báo kết quả xét hồ sơ đề nghị {request}"),
    "refer_back": ("TB", "documents/refer_back.html", "Thông báo chuyển lại hồ sơ đề nghị {request}"),
}
BATCH_DOCUMENT = ("TTr", "documents/forward.html", "Tờ trình đề nghị {request}")


def _in_vietnamese(issue):
    @functools.wraps(issue)
    def wrapper(*args, **kwargs):
        with force_locale("vi"):
            return issue(*args, **kwargs)
    return wrapper


def _reference(document) -> dict | None:
    return {"number": document.number, "issued_on": format_date(document.issued_on)} if document else None


def _union_request(dossier: Dossier):
    """The union's last Tờ trình."""
    return next((row.document for row in reversed(dossier.events) if row.event == "submit" and row.document), None)


def citations(dossiers) -> list[str]:
    """What a document cites after "Căn cứ", each regulation once: each dossier's rule set (as a citation where it
    has one, else its basis text), then its route's regulation where the route cites one (a route's basis text
    says who acts; it is no citation)."""
    cited: dict = {}
    for dossier in dossiers:
        for row in (dossier.rule_set, dossier.route):
            if row is None:
                continue
            if row.citation:
                cited.setdefault(citation_key(row.citation), cite(row.citation))
            elif row is dossier.rule_set and row.basis:
                cited.setdefault(row.basis.casefold(), row.basis)
    return list(cited.values())


def review_checks(dossier: Dossier, data: dict) -> list[tuple[str, str]]:
    """(what was checked, its result) for the record of a review: the kind's criteria judged against the data
    the reviewer was sent, under the rule set and on the day of its submission."""
    kind = dossier.kind_spec
    params = dossier.rule_set.parsed_params() if dossier.rule_set else None
    errors = {}
    if params is not None:
        on = dossier.submitted_on or clock.today()
        errors = kind.check_for_submit(kind.clean(data)[0], RuleContext(on=on, params=params, dossier=dossier))
    checks = []
    for label, fields in kind.criteria(params):
        problems = [message for key, messages in errors.items() if key.split(".")[0] in fields for message in messages]
        checks.append((label, "Chưa đạt: " + " ".join(problems) if problems else "Đạt"))
    required = kind.required_attachments(data)
    sent = {a.attachment_type for a in dossier.attachments}
    if required:
        missing = [label for code, label in required.items() if code not in sent]
        checks.append(("Giấy tờ bắt buộc kèm theo: " + "; ".join(required.values()),
                       "Thiếu: " + "; ".join(missing) if missing else "Đủ"))
    return checks


def dossier_context(dossier: Dossier, issuer: Organisation, on: date) -> dict:
    """The dossier as `issuer` was sent it (its own data, for the union), and the papers around it: the Tờ trình
    that brought it to the issuer and who sent it, the level above the issuer on its route."""
    kind = dossier.kind_spec
    owner = issuer.id == dossier.organisation_id
    viewer = viewer_for(issuer.id, owner_side=owner)
    access = access_of(viewer, dossier)
    data = dossier.data if owner else (access.sent_event.data_snapshot or {}) if access else dossier.submitted_data
    data = data or {}
    received = access.sent_event if access else None
    steps = dossier.route_steps
    position = next((s.position for s in steps if s.organisation_id == issuer.id), None)
    first_step = steps[0].organisation.name if steps else ""
    above = steps[position + 1].organisation.name if position is not None and position + 1 < len(steps) else ""
    sender = received.organisation if received else dossier.organisation
    # Cited under the name it had when it issued its Tờ trình (it may have been renamed since).
    sent_on = received.document.issued_on if received and received.document else on
    return {
        "dossier": {
            "id": dossier.id,
            "kind_title": kind.title,
            "request": kind.request_phrase,
            "union_name": dossier.organisation.name,
            "subject": kind.subject(data),
            "requested": format_money(kind.requested_amount(data)),
            "requested_vnd": kind.requested_amount(data),
            "granted": format_money(dossier.granted_amount_vnd),
            "granted_vnd": dossier.granted_amount_vnd,
            "round": dossier.round,
            "submitted_on": format_date(dossier.submitted_on),
            "basis": dossier.rule_set.basis if dossier.rule_set else "",
        },
        "first_level_name": first_step,  # to whom the union addresses its Tờ trình
        "sender_name": sender.names_on(sent_on).name,  # who sent the dossier to the issuer (its Tờ trình's author)
        "below_name": sender.in_place_on(on).name,  # who acts for the sender on the day of issue (addressed)
        "above_name": above,  # where the issuer sends it next, if it does
        "received_request": _reference(received.document) if received else None,
        "union_request": _reference(_union_request(dossier)),
        "shown": kind.display(data),
        "rows": kind.display_rows(data),
        "data": data,
        "summary_template": kind.template("summary"),
        "decision_template": kind.template("decision"),
    }


@_in_vietnamese
def issue_for_event(actor, dossier: Dossier, event: str, comment: str | None, on: date, issuer: Organisation):
    """The step's document, or None for a step that issues none (withdraw, close, transfer)."""
    if event not in STEP_DOCUMENTS:
        return None
    doc_type, template, title = STEP_DOCUMENTS[event]
    context = dossier_context(dossier, issuer, on)
    context.update(reason=comment, actor_name=actor.full_name, actor_title=actor.job_title,
                   bases=citations([dossier]))
    if event == "approve":
        context.update(checks=review_checks(dossier, context.pop("data")),
                       attachments=_attachment_summary(dossier),
                       held_at=ahead.stable(lambda: vietnam_time(clock.utcnow()).strftime("%H giờ %M phút")))
    return issue_document(doc_type=doc_type, title=title.format(request=dossier.kind_spec.request_phrase),
                          issuer=header_on(issuer, on), template=template, context=context,
                          actor_id=actor.id, on=on, dossiers=[dossier])


def _attachment_summary(dossier: Dossier) -> list[str]:
    kind = dossier.kind_spec
    counts: dict[str, int] = {}
    for attachment in dossier.attachments:
        label = kind.attachment_types.get(attachment.attachment_type, (attachment.attachment_type,))[0]
        counts[label] = counts.get(label, 0) + 1
    return [f"{label} ({count} tệp)" for label, count in counts.items()]


def batch_context(batch: Batch) -> dict:
    kind = batch.kind_spec
    sender = viewer_for(batch.organisation_id, owner_side=False)
    rows = []
    total = 0
    for dossier in batch.dossiers:
        access = access_of(sender, dossier)
        data = (access.sent_event.data_snapshot if access else None) or {}
        shown = kind.display(data)
        requested = kind.requested_amount(data)
        total += requested or 0
        rows.append({
            "full_name": shown["full_name"],
            "birth_year_gender": f'{data.get("birth_date", "")[:4]} ({shown["gender"]})',
            "union_name": dossier.organisation.name,
            "columns": [value(shown) for _, value in kind.list_columns],
            "requested": format_money(requested),
            "union_request": _reference(_union_request(dossier)),
            "requested_vnd": requested,
        })
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row["union_name"], []).append(row)
    for index, row in enumerate((row for members in groups.values() for row in members), start=1):
        row["index"] = index  # numbered in the order printed, union by union
    return {
        "groups": [{"union_name": name, "rows": members, "count": len(members),
                    "total_vnd": sum(row["requested_vnd"] or 0 for row in members)}
                   for name, members in groups.items()],
        "total_vnd": total,
        "kind_title": kind.title,
        "request": kind.request_phrase,
        "column_headings": [heading for heading, _ in kind.list_columns],
        "rows": rows,
        "count": len(rows),
        "total": format_money(total),
        "has_money": any(row["requested_vnd"] is not None for row in rows),
        "unions": sorted({d.organisation.name for d in batch.dossiers}),
        "bases": citations(batch.dossiers),
        "recipient_name": batch.recipient.name,
    }


@_in_vietnamese
def issue_for_batch(actor, batch: Batch, on: date):
    doc_type, template, title = BATCH_DOCUMENT
    return issue_document(doc_type=doc_type, title=title.format(request=batch.kind_spec.request_phrase),
                          issuer=header_on(batch.organisation, on), template=template,
                          context={"batch": batch_context(batch)}, actor_id=actor.id, on=on, batch=batch)


@_in_vietnamese
def issue_decision(actor, dossiers: list[Dossier], comment: str | None, on: date, batch: Batch | None = None):
    """One Quyết định of the deciding organisation for the dossiers it accepts together, listing each and its
    amount."""
    issuer = actor.organisation
    kind = dossiers[0].kind_spec
    first = dossier_context(dossiers[0], issuer, on)
    decisions, requests, below = [], {}, []
    for dossier in dossiers:
        context = dossier_context(dossier, issuer, on) if dossier is not dossiers[0] else first
        decisions.append({"subject": context["dossier"]["subject"], "union_name": dossier.organisation.name,
                          "requested": context["dossier"]["requested"],
                          "requested_vnd": context["dossier"]["requested_vnd"],
                          "granted": format_money(dossier.granted_amount_vnd),
                          "granted_vnd": dossier.granted_amount_vnd, "shown": context["shown"],
                          "union_request": context["union_request"]})
        if context["below_name"] not in below:
            below.append(context["below_name"])
        if context["received_request"]:
            request = {**context["received_request"], "sender_name": context["sender_name"]}
            requests.setdefault(request["number"] + request["sender_name"], request)
    unions = sorted({d.organisation.name for d in dossiers})
    funds = sorted({d.rule_set.fund for d in dossiers if d.rule_set and d.rule_set.fund})
    context = {
        **first,
        "decisions": decisions,
        "listed": len(decisions) > LISTED_AFTER,
        "total_granted": format_money(sum(d.granted_amount_vnd or 0 for d in dossiers)),
        "total_granted_vnd": sum(d.granted_amount_vnd or 0 for d in dossiers),
        "has_money": any(d.granted_amount_vnd is not None for d in dossiers),
        "unions": unions,
        "below_names": below,
        # who carries it out besides the issuer's office and finance: the level below and the members' unions
        "executors": below + [name for name in unions if name not in below],
        "bases": [CHARTER, *citations(dossiers)],
        "requests": list(requests.values()),
        "funds": funds,
        "reason": comment,
    }
    return issue_document(doc_type="QĐ", title=f"Quyết định {kind.request_phrase}",
                          issuer=header_on(issuer, on), template="documents/accept.html",
                          context=context, actor_id=actor.id, on=on, dossiers=dossiers, batch=batch)
