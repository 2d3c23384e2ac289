"""Pages: parse the form, call one operation inside a unit of work, render."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db
from ..formatting import parse_money
from ..pdf.models import BundleBuild, Document
from ..pdf.serve import (attachment_response, bundle_in_background, bundle_response, pdf_response,
                         stored_bundle_response)
from ..states import EVENTS, EVENTS_NEEDING_REASON, STATES
from ..transaction import unit_of_work
from ..errors import Invalid, NotFound, OperationError
from . import export, operations as ops
from ..campaigns.service import campaigns_for
from .rounds import last_round_seen, round_diffs
from .listing import SORTS, ListFilters, filtered_dossiers, unions_visible_to, with_list_relations
from .kinds import KINDS, get_kind
from .models import Batch, Dossier
from .base import change_rows, meta, posted_values, row_model, screen_values, widget
from .rules import rule_set_for
from .permissions import (allowed_events, attachments_seen_by, can_create, can_download, can_edit, can_view_batch,
                          data_seen_by)

bp = Blueprint("dossiers", __name__)


@bp.app_context_processor
def dossier_helpers():
    return {"data_of": lambda dossier: data_seen_by(current_user, dossier),
            "may_download": lambda document: can_download(current_user, document)}


def _load_batch(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None or not can_view_batch(current_user, batch):
        abort(404)
    return batch


def _load(dossier_id: int) -> Dossier:
    try:
        return ops.get_dossier(current_user, dossier_id)
    except NotFound:
        abort(404)


@bp.get("/dossiers")
@login_required
def index():
    filters = ListFilters.from_args(request.args)
    query = with_list_relations(filtered_dossiers(current_user, filters), current_user)
    page = db.paginate(query, page=max(request.args.get("page", 1, type=int), 1),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("dossiers/list.html", items=page, filters=filters, sorts=SORTS,
                           unions=unions_visible_to(current_user), campaigns=campaigns_for(current_user.organisation),
                           can_forward=current_user.role == "reviewer", can_create=can_create(current_user))


EXPORT_LIMIT = 100_000


@bp.get("/dossiers/export.<any(csv, xlsx):fmt>")
@login_required
def export_list(fmt):
    filters = ListFilters.from_args(request.args)
    dossiers = db.session.scalars(with_list_relations(filtered_dossiers(current_user, filters), current_user)
                                  .limit(EXPORT_LIMIT)).all()
    body = export.to_csv(current_user, dossiers) if fmt == "csv" else export.to_xlsx(current_user, dossiers)
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=ho-so-{clock.today():%Y%m%d}.{fmt}"})


def _form_page(kind, dossier, values, errors, status=200, version=None):
    rule_set = rule_set_for(kind.code, current_user.organisation, clock.today())
    return render_template("dossiers/form.html", kind=kind, dossier=dossier, values=values, errors=errors,
                           version=version or (dossier.version if dossier else None),
                           hints=kind.form_hints(rule_set.parsed_params()) if rule_set else {},
                           widget_of=widget, meta_of=meta, row_model_of=row_model), status


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
    kind = KINDS[dossier.kind]
    if request.method == "GET":
        return _form_page(kind, dossier, screen_values(kind.Data, dossier.data), {})
    if "_rows" in request.form:
        return _rows_changed(kind, dossier)
    data, errors = kind.parse_form(request.form)
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
    kind = KINDS[dossier.kind]
    attachments = attachments_seen_by(current_user, dossier)
    editable = can_edit(current_user, dossier)
    return render_template(
        "dossiers/detail.html", dossier=dossier, kind=kind, events=allowed_events(current_user, dossier),
        attachments=attachments, missing=ops.missing_attachments(dossier), can_edit=editable,
        needs_reason=EVENTS_NEEDING_REASON, error=error, errors=errors or {}, form=form or {},
        diffs=round_diffs(kind, dossier, last_round_seen(current_user, dossier), attachments,
                          live_data=dossier.data if editable else None),
        campaigns=campaigns_for(dossier.organisation, dossier.kind) if editable and dossier.round == 0 else [],
        today=clock.today()), status


@bp.get("/dossiers/<int:dossier_id>")
@login_required
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
        return render_template("dossiers/confirm_event.html", dossier=dossier, kind=KINDS[dossier.kind], event=event,
                               inputs=inputs, version=request.form.get("version", type=int),
                               granted=parse_money(inputs["granted_amount_vnd"]) if inputs["granted_amount_vnd"] else None,
                               missing=ops.missing_attachments(dossier) if event == "submit" else [])
    granted = inputs["granted_amount_vnd"]
    try:
        with unit_of_work():
            ops.fire(current_user, dossier, event, version=request.form.get("version", type=int),
                     comment=inputs["comment"] or None, granted_amount_vnd=parse_money(granted) if granted else None)
    except OperationError as exc:
        db.session.expire_all()
        dossier = _load(dossier_id)
        return _detail_page(dossier, error=exc.message, errors=exc.errors, form={"event": event, **inputs},
                            status=exc.status)
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


@bp.post("/batches")
@login_required
def forward():
    ids = [int(i) for i in request.form.getlist("dossier_id") if i.isdigit()]
    versions = {int(k.split("-", 1)[1]): int(v) for k, v in request.form.items()
                if k.startswith("version-") and k.split("-", 1)[1].isdigit() and v.isdigit()}
    try:
        if request.form.get("confirm") != "1":  # first the list of what will be sent up, then the sending
            if not ids:
                raise Invalid(_("Chưa chọn hồ sơ."), {"dossier_ids": [_("Chọn ít nhất một hồ sơ.")]})
            dossiers = [ops.get_dossier(current_user, i) for i in ids]
            return render_template("dossiers/forward_confirm.html", dossiers=dossiers, versions=versions)
        with unit_of_work():
            batch = ops.forward_dossiers(current_user, ids, versions=versions)
    except NotFound:
        abort(404)
    except OperationError as exc:
        flash(exc.message + " " + " ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for(".index", state="approved")), 303
    flash(_("Đã chuyển hồ sơ lên LĐLĐ tỉnh."), "success")
    return redirect(url_for(".show_batch", batch_id=batch.id))


@bp.get("/batches/<int:batch_id>")
@login_required
def show_batch(batch_id):
    batch = _load_batch(batch_id)
    build = db.session.scalar(sa.select(BundleBuild).where(BundleBuild.batch_id == batch.id)
                              .order_by(BundleBuild.id.desc()))
    return render_template("dossiers/batch.html", batch=batch, kind=KINDS[batch.kind], counts=batch.progress(),
                           can_decide=current_user.role == "liaison", build=build)


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id):
    document = db.session.get(Document, document_id)
    if document is None or not can_download(current_user, document):
        abort(404)
    return pdf_response(document)


@bp.get("/batches/<int:batch_id>/bundle.<any(pdf, zip):fmt>")
@login_required
def batch_bundle(batch_id, fmt):
    batch = _load_batch(batch_id)
    build = bundle_in_background(batch, current_user) if fmt == "pdf" else None
    if build is None:
        return bundle_response(batch, fmt)
    db.session.refresh(build)
    if build.status == "done":
        return stored_bundle_response(batch, build)
    flash(_("Bộ hồ sơ đang được tạo; trang sẽ tự cập nhật tiến độ."), "info")
    return redirect(url_for(".show_batch", batch_id=batch_id))


@bp.post("/dossiers/<int:dossier_id>/attachments")
@login_required
def upload_attachment(dossier_id):
    dossier = _load(dossier_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid(_("Chưa chọn tệp."), {"file": [_("Chọn một tệp để tải lên.")]})
        with unit_of_work():
            attachment = ops.add_attachment(current_user, dossier, request.form.get("attachment_type"),
                                            upload.filename, upload.read())
    except OperationError as exc:
        db.session.expire_all()
        return _detail_page(_load(dossier_id), error=exc.message + " " + " ".join(
            m for ms in exc.errors.values() for m in ms), status=exc.status)
    flash(_("Đã tải lên %(name)s.", name=attachment.filename), "success")
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


@bp.get("/batches")
@login_required
def batches():
    if current_user.role not in ("reviewer", "liaison"):
        abort(404)
    rows = db.session.scalars(ops.received_batches(current_user)).all()
    return render_template("dossiers/batches.html", batches=[(b, b.progress()) for b in rows])


def _decision_items(form) -> list[dict]:
    items = []
    for raw in form.getlist("dossier_id"):
        if not raw.isdigit():
            continue
        dossier_id = int(raw)
        granted = form.get(f"granted-{dossier_id}", "").strip()
        items.append({"dossier_id": dossier_id, "version": form.get(f"version-{dossier_id}", type=int),
                      "granted_amount_vnd": parse_money(granted) if granted else None, "granted_text": granted})
    return items


@bp.post("/batches/<int:batch_id>/decisions")
@login_required
def decide(batch_id):
    """Two steps: the first post shows what will be decided; the second, with confirm=1, decides."""
    batch = _load_batch(batch_id)
    event, comment = request.form.get("event"), request.form.get("comment", "")
    items = _decision_items(request.form)
    if not items:
        flash(_("Chọn ít nhất một hồ sơ."), "error")
        return redirect(url_for(".show_batch", batch_id=batch_id)), 303
    members = {d.id: d for d in batch.dossiers}
    if request.form.get("confirm") != "1":
        return render_template("dossiers/decide_confirm.html", batch=batch, kind=KINDS[batch.kind], event=event,
                               comment=comment, items=[(i, members.get(i["dossier_id"])) for i in items])
    try:
        with unit_of_work():
            results, decision = ops.decide_in_batch(current_user, batch, event, items, comment)
    except OperationError as exc:
        flash(exc.message + " " + " ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for(".show_batch", batch_id=batch_id)), 303
    db.session.expire_all()
    return render_template("dossiers/decide_results.html", batch=batch, kind=KINDS[batch.kind], event=event,
                           results=[(r, members.get(r["dossier_id"]) if r["ok"] else None) for r in results],
                           decision=decision)
