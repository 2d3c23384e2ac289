"""Pages: the batches an organisation sent and received, sending approved dossiers up, deciding on a received
batch, and its bundle."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..dossiers.operations import get_dossier
from ..dossiers.visibility import received
from ..errors import Invalid, NotFound, OperationError
from ..extensions import db
from ..formatting import page_number, parse_money, parse_whole
from ..signing import step
from ..transaction import unit_of_work
from . import operations as ops
from .bundles import bundle_build, latest_build, stored_bundle_response

bp = Blueprint("batches", __name__)


def _load(batch_id: int):
    try:
        return ops.get_batch(current_user, batch_id)
    except NotFound:
        abort(404)


@bp.get("/batches")
@login_required
def index():
    if current_user.role != "staff":
        abort(404)
    per_page = current_app.config["PAGE_SIZE"]
    page = db.paginate(ops.batches_of(current_user), page=page_number(request.args.get("page", 1, type=int), per_page),
                       per_page=per_page, error_out=False)
    progress = ops.progress_of(page.items)
    return render_template("batches/index.html", items=page, batches=[(b, progress[b.id]) for b in page.items])


@bp.post("/batches")
@login_required
def forward():
    """Two steps: the list of what will be sent up and to whom, then (confirm=1) the sending."""
    ids = [i for i in map(parse_whole, request.form.getlist("dossier_id")) if i is not None]
    versions = {parse_whole(k.split("-", 1)[1]): parse_whole(v) for k, v in request.form.items()
                if k.startswith("version-") and parse_whole(k.split("-", 1)[1]) is not None
                and parse_whole(v) is not None}
    try:
        if request.form.get("confirm") != "1":
            if not ids:
                raise Invalid(_("Chưa chọn hồ sơ."), {"dossier_ids": [_("Chọn ít nhất một hồ sơ.")]})
            dossiers = [get_dossier(current_user, i) for i in ids]
            return render_template("batches/forward_confirm.html", dossiers=dossiers, versions=versions,
                                   recipients=sorted({d.next_step.organisation.name for d in dossiers
                                                      if d.next_step is not None}))
        with unit_of_work():
            batch, waiting = step.forward(current_user, ids, versions=versions)
    except NotFound:
        abort(404)
    except OperationError as exc:
        flash(exc.message + " " + " ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for("lists.index", state="approved", waiting="1")), 303
    if waiting is not None:
        flash(_("Đã trình ký: %(summary)s. Hồ sơ được chuyển khi lãnh đạo ký.", summary=waiting.summary), "success")
        return redirect(url_for("signing.show", request_id=waiting.id)), 303
    flash(_("Đã chuyển hồ sơ lên %(org)s.", org=batch.recipient.name), "success")
    return redirect(url_for(".show", batch_id=batch.id))


@bp.get("/batches/<int:batch_id>")
@login_required
def show(batch_id):
    return _show_page(_load(batch_id))


def _show_page(batch, typed=None, general=None, rows=None, status=200):
    """The batch's page; after a decision refused before its confirmation, with what was typed (`typed`: the form's
    event, comment, ticked ids and amounts as typed) and what is wrong, with the decision (`general`) and per dossier
    (`rows`)."""
    pending = batch.pending() if received(current_user, batch) else []
    return render_template("batches/show.html", batch=batch, kind=batch.kind_spec, counts=batch.progress(),
                           pending=pending, decidable=[d for d in pending if d.current_step_decides],
                           build=latest_build(batch), typed=typed, general=general or {},
                           rows=rows or {}), status


@bp.get("/batches/<int:batch_id>/bundle.<any(pdf, zip):fmt>")
@login_required
def bundle(batch_id, fmt):
    batch = _load(batch_id)
    build = bundle_build(batch, current_user, fmt)  # built once and stored, then served from storage
    if build.status == "done":
        return stored_bundle_response(batch, build)
    if build.status == "failed":
        flash(_("Tạo bộ hồ sơ không thành công; vui lòng thử lại."), "error")
    else:
        flash(_("Bộ hồ sơ đang được tạo; trang sẽ tự cập nhật tiến độ."), "info")
    return redirect(url_for(".show", batch_id=batch_id))


def _decision_items(form) -> list[dict]:
    items = []
    for raw in form.getlist("dossier_id"):
        dossier_id = parse_whole(raw)
        if dossier_id is None:
            continue
        granted = form.get(f"granted-{dossier_id}", "").strip()
        items.append({"dossier_id": dossier_id, "version": form.get(f"version-{dossier_id}", type=int),
                      "granted_amount_vnd": parse_money(granted) if granted else None, "granted_text": granted})
    return items


@bp.post("/batches/<int:batch_id>/decisions")
@login_required
def decide(batch_id):
    """Two steps: the first post shows what will be decided; the second, with confirm=1, decides."""
    batch = _load(batch_id)
    event, comment = request.form.get("event"), request.form.get("comment", "")
    items = _decision_items(request.form)
    if not items:
        flash(_("Chọn ít nhất một hồ sơ."), "error")
        return redirect(url_for(".show", batch_id=batch_id)), 303
    members = {d.id: d for d in batch.dossiers}
    if request.form.get("confirm") != "1":
        # Checked now, as deciding would: what would be refused is said on the batch's page, at each dossier's row,
        # with what was typed; the confirmation page only shows what will be done.
        general, rows = ops.decision_problems(current_user, batch, event, items, comment)
        if event == "accept":
            for item in items:
                if item["granted_text"] and item["granted_amount_vnd"] is None:
                    rows[item["dossier_id"]] = [_("Phải là số nguyên, ví dụ 1.500.000.")]
        if general or rows:
            typed = {"event": event, "comment": comment, "chosen": {i["dossier_id"] for i in items},
                     "granted": {parse_whole(key.split("-", 1)[1]): value for key, value in request.form.items()
                                 if key.startswith("granted-")}}
            return _show_page(batch, typed, general, rows, 422)
        return render_template("batches/decide_confirm.html", batch=batch, kind=batch.kind_spec, event=event,
                               comment=comment, items=[(i, members.get(i["dossier_id"])) for i in items])
    try:
        with unit_of_work():
            results, decision, waiting = step.decide(current_user, batch, event, items, comment)
    except OperationError as exc:
        flash(exc.message + " " + " ".join(m for ms in exc.errors.values() for m in ms), "error")
        return redirect(url_for(".show", batch_id=batch_id)), 303
    db.session.expire_all()
    return render_template("batches/decide_results.html", batch=batch, kind=batch.kind_spec, event=event,
                           results=[(r, members.get(r["dossier_id"])) for r in results],
                           decision=decision, waiting=waiting)
