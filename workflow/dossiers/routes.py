"""Pages of one dossier: create, edit, read, act on it, its files and documents. Parse the form, call one
operation inside a unit of work, render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..campaigns.service import campaigns_for
from ..errors import Invalid, NotFound, OperationError
from ..extensions import db
from ..formatting import parse_money
from ..pdf.models import Document
from ..pdf.serve import attachment_response, pdf_response
from ..replica import reads_from_replica
from ..signing import step
from ..signing.models import waiting_request_for
from ..states import EVENTS, EVENTS_NEEDING_REASON
from ..transaction import unit_of_work
from . import operations as ops
from . import uploads
from .kinds import get_kind
from .kinds.base import change_rows, meta, posted_values, row_model, screen_values, widget
from .models import Dossier
from .permissions import allowed_events, can_create, can_edit
from .rounds import round_diffs
from .routing import resolve, route_for
from .rules import rule_set_for
from .visibility import (
    attachments_seen_by,
    can_download,
    can_view_batch,
    data_seen_by,
    documents_seen_by,
    round_seen_by,
)

bp = Blueprint("dossiers", __name__)


@bp.app_context_processor
def dossier_helpers():
    signed_in = getattr(current_user, "is_authenticated", False)  # no user: a document rendered by a command
    return {"may_create": signed_in and can_create(current_user),
            "data_of": lambda dossier: data_seen_by(current_user, dossier),
            "may_download": lambda document: can_download(current_user, document),
            "may_see_batch": lambda batch: can_view_batch(current_user, batch)}


def _load(dossier_id: int) -> Dossier:
    try:
        return ops.get_dossier(current_user, dossier_id)
    except NotFound:
        abort(404)


def _form_page(kind, dossier, values, errors, status=200, version=None, warnings=None):
    rule_set = rule_set_for(kind.code, dossier.organisation if dossier else current_user.organisation, clock.today())
    params = rule_set.parsed_params() if rule_set else None
    return render_template("dossiers/form.html", kind=kind, dossier=dossier, values=values, errors=errors,
                           version=version or (dossier.version if dossier else None),
                           hints=kind.form_hints(params) if params else {},
                           choices=_choices(kind, params, dossier), warnings=warnings or {},
                           widget_of=widget, meta_of=meta, row_model_of=row_model), status


def _choices(kind, params, dossier) -> dict[str, dict[str, str]]:
    """The lists the form offers for text fields (the occasions in force): {field: {value: label}}, the dossier's
    own value kept as a choice when the rule set in force no longer lists it (saved as it is, warned of)."""
    offered = kind.form_choices(params) if params else {}
    if dossier is not None:
        for name, listed in offered.items():
            stored = dossier.data.get(name)
            if stored and not any(kind.same_choice(value, stored) for value in listed):
                offered[name] = {stored: _("%(value)s (không có trong quy định đang áp dụng)", value=stored),
                                 **listed}
    return offered


def _check_choices(kind, dossier, data: dict, errors: dict) -> None:
    """A field offered as a list takes one of its values (as the rule set in force names it), or the dossier's own:
    the select is a convenience, the server still decides."""
    rule_set = rule_set_for(kind.code, dossier.organisation if dossier else current_user.organisation, clock.today())
    for name, listed in (kind.form_choices(rule_set.parsed_params()) if rule_set else {}).items():
        value = data.get(name)
        if value in (None, "") or name in errors:
            continue
        match = next((choice for choice in listed if kind.same_choice(choice, value)), None)
        if match is not None:
            data[name] = match
        elif dossier is None or value != dossier.data.get(name):
            errors[name] = [_("Chọn một %(label)s trong danh sách.", label=kind.label(name).lower())]


def _rows_changed(kind, dossier):
    """The form's "add a row" / "remove this row" buttons: show the form again, save nothing."""
    values = change_rows(posted_values(kind.Data, request.form), request.form["_rows"])
    return _form_page(kind, dossier, values, {}, version=request.form.get("version", type=int))


@bp.route("/dossiers/new", methods=["GET", "POST"])
@login_required
def create():
    if not can_create(current_user):
        abort(403)
    kind = get_kind(request.values.get("kind", ""))
    if kind is None:
        return render_template("dossiers/choose_kind.html")
    if request.method == "GET":
        return _form_page(kind, None, {}, {})
    if "_rows" in request.form:
        return _rows_changed(kind, None)
    data, errors = kind.parse_form(request.form)
    _check_choices(kind, None, data, errors)
    if not errors:
        try:
            with unit_of_work():
                dossier = ops.create_dossier(current_user, kind.code, data)
            flash(_("Đã lưu hồ sơ nháp."), "success")
            return redirect(url_for(".show", dossier_id=dossier.id))
        except OperationError as exc:
            errors = exc.errors or {"": [exc.message]}
    return _form_page(kind, None, posted_values(kind.Data, request.form), errors, 422)


@bp.route("/dossiers/<int:dossier_id>/edit", methods=["GET", "POST"])
@login_required
def edit(dossier_id):
    dossier = _load(dossier_id)
    if not can_edit(current_user, dossier):
        abort(403)
    kind = dossier.kind_spec
    if request.method == "GET":
        return _form_page(kind, dossier, screen_values(kind.Data, dossier.data), {},
                          warnings=ops.rule_warnings(dossier, clock.today()))
    if "_rows" in request.form:
        return _rows_changed(kind, dossier)
    data, errors = kind.parse_form(request.form)
    _check_choices(kind, dossier, data, errors)
    if not errors:
        try:
            with unit_of_work():
                ops.replace_dossier_data(current_user, dossier, request.form.get("version", type=int), data)
            flash(_("Đã lưu thay đổi."), "success")
            return redirect(url_for(".show", dossier_id=dossier.id))
        except OperationError as exc:
            errors = exc.errors or {"": [exc.message]}
            status = exc.status
    else:
        status = 422
    return _form_page(kind, dossier, posted_values(kind.Data, request.form), errors, status,
                      version=request.form.get("version", type=int))


def _detail_page(dossier, error=None, errors=None, form=None, status=200):
    kind = dossier.kind_spec
    attachments = attachments_seen_by(current_user, dossier)
    editable = can_edit(current_user, dossier)
    waiting = waiting_request_for(dossier.id)
    if waiting is not None and waiting.organisation_id != current_user.organisation_id:
        waiting = None  # another organisation's step, not yet taken: nothing of it is theirs to see
    return render_template(
        "dossiers/detail.html", dossier=dossier, kind=kind, waiting_signature=waiting,
        signed_types=[] if current_user.signs_documents else current_user.organisation.signed_by_signer or [],
        events=allowed_events(current_user, dossier),
        attachments=attachments, documents=documents_seen_by(current_user, dossier),
        missing=ops.missing_attachments(dossier), can_edit=editable,
        needs_reason=EVENTS_NEEDING_REASON, error=error, errors=errors or {}, form=form or {},
        diffs=round_diffs(kind, dossier, round_seen_by(current_user, dossier), attachments,
                          live_data=dossier.data if editable else None),
        campaigns=campaigns_for(dossier.organisation, dossier.kind) if editable and dossier.round == 0 else [],
        route_preview=_route_preview(dossier) if editable and not dossier.steps else [],
        warnings=ops.rule_warnings(dossier, clock.today()) if editable else {},
        returned=_last_return(dossier), today=clock.today()), status


def _last_return(dossier):
    """The history row that sent a returned dossier back to its union (its reason, who, when), else None."""
    if dossier.state != "returned":
        return None
    return next((row for row in reversed(dossier.events) if row.event == "return"), None)


def _route_preview(dossier) -> list:
    """For a draft: the levels it would go to if submitted today (nothing is stored)."""
    route = route_for(dossier.kind, dossier.organisation, clock.today())
    try:
        return resolve(route, dossier.organisation, clock.today()) if route else []
    except OperationError:
        return []


@bp.get("/dossiers/<int:dossier_id>")
@login_required
@reads_from_replica
def show(dossier_id):
    return _detail_page(_load(dossier_id))


def _event_inputs(event: str, dossier) -> tuple[dict, dict]:
    """The reason and amount as typed, and what is wrong with them, before anything is asked of the database."""
    comment = (request.form.get("comment") or "").strip()
    granted = (request.form.get("granted_amount_vnd") or "").strip()
    errors = {}
    if event in EVENTS_NEEDING_REASON and not comment and not (event == "withdraw" and dossier.state == "draft"):
        errors["comment"] = [_("Vui lòng nhập lý do.")]
    if granted and parse_money(granted) is None:
        errors["granted_amount_vnd"] = [_("Phải là số nguyên, ví dụ 1.500.000.")]
    elif event == "accept" and dossier.requested_amount is not None:  # said before the confirmation, not after it
        problem = ops.granted_amount_problem(dossier.requested_amount, parse_money(granted) if granted else None)
        if problem is not None:
            errors["granted_amount_vnd"] = [problem[1]]
    return {"comment": comment, "granted_amount_vnd": granted}, errors


@bp.post("/dossiers/<int:dossier_id>/events/<event>")
@login_required
def transition(dossier_id, event):
    """Two steps, like every decision here: the first post shows what will happen; the second (confirm=1) does it."""
    dossier = _load(dossier_id)
    inputs, input_errors = _event_inputs(event, dossier)
    if input_errors:
        return _detail_page(dossier, error=_("Chưa thể thực hiện thao tác."), errors=input_errors,
                            form={"event": event, **inputs}, status=422)
    if request.form.get("confirm") != "1" and event in allowed_events(current_user, dossier):
        # A submission is checked as it would be on confirming: what would be refused is said now, and not offered.
        problems = ops.submit_problems(dossier, clock.today()) if event == "submit" else {}
        return render_template("dossiers/confirm_event.html", dossier=dossier, kind=dossier.kind_spec, event=event,
                               inputs=inputs, version=request.form.get("version", type=int),
                               granted=(parse_money(inputs["granted_amount_vnd"])
                                        if inputs["granted_amount_vnd"] else None),
                               problems=problems, can_edit=can_edit(current_user, dossier)), 422 if problems else 200
    granted = inputs["granted_amount_vnd"]
    try:
        with unit_of_work():
            _taken, waiting = step.fire(current_user, dossier, event, version=request.form.get("version", type=int),
                                   comment=inputs["comment"] or None,
                                   granted_amount_vnd=parse_money(granted) if granted else None)
    except OperationError as exc:
        db.session.expire_all()
        dossier = _load(dossier_id)
        return _detail_page(dossier, error=exc.message, errors=exc.errors, form={"event": event, **inputs},
                            status=exc.status)
    if waiting is not None:
        flash(_("Đã trình ký: %(summary)s. Bước “%(action)s” có hiệu lực khi lãnh đạo ký.",
                summary=waiting.summary, action=_(EVENTS.get(event, event))), "success")
        return redirect(url_for(".show", dossier_id=dossier_id))
    flash(_("Đã thực hiện: %(action)s.", action=_(EVENTS.get(event, event))), "success")
    return redirect(url_for(".show", dossier_id=dossier_id))


@bp.post("/dossiers/<int:dossier_id>/campaign")
@login_required
def choose_campaign(dossier_id):
    dossier = _load(dossier_id)
    try:
        with unit_of_work():
            ops.choose_campaign(current_user, dossier, request.form.get("campaign_id", type=int))
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".show", dossier_id=dossier_id)), 303
    flash(_("Đã cập nhật kế hoạch của hồ sơ."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id))


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id):
    document = db.session.get(Document, document_id)
    if document is None or not can_download(current_user, document):
        abort(404)
    return pdf_response(document)


@bp.post("/dossiers/<int:dossier_id>/attachments")
@login_required
def upload_attachment(dossier_id):
    """One or several files of one type, all or nothing: each goes through the same checks (ops.add_attachment), and
    one refused refuses them all, naming it, so that the dossier never holds half of what was chosen."""
    dossier = _load(dossier_id)
    files = [(upload.filename, upload.read()) for upload in request.files.getlist("file") if upload and upload.filename]
    current, names = None, []
    try:
        if not files:
            raise Invalid(_("Chưa chọn tệp."), {"file": [_("Chọn một tệp để tải lên.")]})
        for _name, data in files:
            uploads.prepare(data)  # large images downscaled before the write lock
        with unit_of_work():
            for current, data in files:
                names.append(ops.add_attachment(current_user, dossier, request.form.get("attachment_type"),
                                                current, data).filename)
    except OperationError as exc:
        db.session.expire_all()
        reason = " ".join([exc.message, *(m for ms in exc.errors.values() for m in ms)])
        if current is not None and "file" in exc.errors:  # this file's fault, not the type's or the dossier's
            reason = _("Tệp “%(name)s” không được nhận: %(reason)s", name=current, reason=reason)
        if len(files) > 1:
            reason = _("Chưa tải lên tệp nào trong %(num)s tệp đã chọn. %(reason)s Bỏ tệp này rồi tải lên lại.",
                       num=len(files), reason=reason) if "file" in exc.errors else _(
                "Chưa tải lên tệp nào trong %(num)s tệp đã chọn. %(reason)s", num=len(files), reason=reason)
        return _detail_page(_load(dossier_id), error=reason, status=exc.status)
    if len(names) == 1:
        flash(_("Đã tải lên %(name)s.", name=names[0]), "success")
    else:
        flash(_("Đã tải lên %(num)s tệp: %(names)s.", num=len(names), names="; ".join(names)), "success")
    return redirect(url_for(".show", dossier_id=dossier_id) + "#tep-dinh-kem")


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(attachment_id):
    try:
        attachment = ops.get_attachment(current_user, attachment_id)
    except NotFound:
        abort(404)
    dossier_id = attachment.dossier_id
    try:
        with unit_of_work():
            ops.remove_attachment(current_user, attachment)
    except OperationError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".show", dossier_id=dossier_id)), 303
    flash(_("Đã xóa tệp."), "success")
    return redirect(url_for(".show", dossier_id=dossier_id) + "#tep-dinh-kem")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download_attachment(attachment_id):
    try:
        return attachment_response(ops.get_attachment(current_user, attachment_id))
    except NotFound:
        abort(404)
