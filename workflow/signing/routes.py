"""The signer's pages: the queue of steps presented for signature, each draft to read, sign or send back, and
several signed at once with one confirmation. The organisation's other people follow their requests here."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import NotFound, OperationError
from ..extensions import db
from ..formatting import parse_whole
from ..pdf.serve import pdf_response
from ..transaction import unit_of_work
from . import step
from .models import OPEN, SigningRequest

bp = Blueprint("signing", __name__, url_prefix="/signing")


@bp.app_context_processor
def signing_helpers():
    def waiting_signatures() -> int:
        if not current_user.is_authenticated or not current_user.signs_documents:
            return 0
        return db.session.scalar(sa.select(sa.func.count()).select_from(SigningRequest).where(
            SigningRequest.organisation_id == current_user.organisation_id, SigningRequest.state.in_(OPEN)))
    return {"waiting_signatures": waiting_signatures}


def _request(request_id) -> SigningRequest:
    try:
        return step.get_request(current_user, request_id)
    except NotFound:
        abort(404)


@bp.get("")
@login_required
def index():
    recent = db.session.scalars(sa.select(SigningRequest).where(
        SigningRequest.organisation_id == current_user.organisation_id, SigningRequest.state.not_in(OPEN))
        .order_by(SigningRequest.id.desc()).limit(30)).all()
    waiting = (step.queue_of(current_user) if current_user.signs_documents else db.session.scalars(
        sa.select(SigningRequest).where(SigningRequest.organisation_id == current_user.organisation_id,
                                        SigningRequest.state.in_(OPEN)).order_by(SigningRequest.id)).all())
    return render_template("signing/index.html", waiting=waiting, recent=recent)


@bp.get("/<int:request_id>")
@login_required
def show(request_id):
    return render_template("signing/show.html", item=_request(request_id), form={}, errors={})


@bp.get("/documents/<int:document_id>")
@login_required
def draft(document_id):
    try:
        return pdf_response(step.get_draft(current_user, document_id))
    except NotFound:
        abort(404)


@bp.post("/<int:request_id>/sign")
@login_required
def sign(request_id):
    item = _request(request_id)
    try:
        with unit_of_work():
            issued = step.sign_or_confirm(current_user, item)
    except OperationError as exc:
        db.session.expire_all()
        return render_template("signing/show.html", item=_request(request_id), error=exc.message,
                               errors=exc.errors, form={}), exc.status
    if issued is None:
        step.sign_when_confirmed(request_id, current_user.id)
        flash(_("Vui lòng xác nhận ký trên điện thoại; văn bản được ban hành khi bạn xác nhận."), "info")
        return redirect(url_for(".show", request_id=request_id)), 303
    flash(_("Đã ký và ban hành: %(numbers)s.", numbers=", ".join(d.number for d in issued)), "success")
    return redirect(url_for(".index")), 303


@bp.post("/<int:request_id>/return")
@login_required
def send_back(request_id):
    item = _request(request_id)
    reason = request.form.get("reason", "")
    try:
        with unit_of_work():
            step.send_back(current_user, item, reason)
    except OperationError as exc:
        db.session.expire_all()
        return render_template("signing/show.html", item=_request(request_id), error=exc.message,
                               errors=exc.errors, form={"reason": reason}), exc.status
    flash(_("Đã trả lại văn bản trình ký cho %(name)s.", name=item.requested_by.full_name), "success")
    return redirect(url_for(".index")), 303


@bp.post("/sign-many")
@login_required
def sign_many():
    """Two steps: the first post lists what will be signed; the second, with confirm=1, signs each (one that fails
    does not undo the others: each is its own step)."""
    ids = [i for i in (parse_whole(v) for v in request.form.getlist("request_id")) if i is not None]
    items = []
    for request_id in dict.fromkeys(ids):
        try:
            items.append(step.get_request(current_user, request_id))
        except NotFound:
            abort(404)
    if not items:
        flash(_("Chọn ít nhất một văn bản để ký."), "error")
        return redirect(url_for(".index")), 303
    if request.form.get("confirm") != "1":
        return render_template("signing/confirm.html", items=items)
    signed, failed, confirming = [], [], []
    for item in items:
        try:
            with unit_of_work():
                issued = step.sign_or_confirm(current_user, item)
        except OperationError as exc:
            failed.append((item.summary, exc.message))
            continue
        if issued is None:
            confirming.append(item.id)
        else:
            signed += issued
    for request_id in confirming:
        step.sign_when_confirmed(request_id, current_user.id)
    if confirming:
        flash(_("Vui lòng xác nhận ký trên điện thoại; văn bản được ban hành khi bạn xác nhận."), "info")
    if signed:
        flash(_("Đã ký và ban hành: %(numbers)s.", numbers=", ".join(d.number for d in signed)), "success")
    for summary, message in failed:
        flash(_("Chưa ký được “%(summary)s”: %(message)s", summary=summary, message=message), "error")
    return redirect(url_for(".index")), 303
