"""JSON API v1 (DESIGN §6). Bearer tokens only; every handler calls one operation in a unit of work."""
from __future__ import annotations

from datetime import date
from functools import wraps

import sqlalchemy as sa
from flask import g, jsonify, request, url_for
from flask_babel import force_locale, gettext
from flask_limiter import RateLimitExceeded
from sqlalchemy.orm import selectinload

from .. import clock
from ..auth import guessing
from ..auth.models import ApiToken
from ..batches import operations as batch_ops
from ..batches.bundles import bundle_build, stored_bundle_response
from ..dossiers import operations as ops
from ..dossiers import uploads
from ..dossiers.kinds import KINDS
from ..dossiers.models import Dossier, DossierAccess
from ..dossiers.routing import route_for
from ..dossiers.visibility import attachments_seen_by, can_download
from ..errors import Invalid, OperationError, Unavailable
from ..extensions import db
from ..formatting import page_number, parse_whole
from ..i18n import LANGUAGES
from ..lists.query import ListFilters, filtered_ids, page_of
from ..orgs.models import Organisation
from ..pdf.models import Document
from ..pdf.serve import attachment_response, pdf_response
from ..signing import step
from ..states import STATES
from ..transaction import unit_of_work
from . import bp
from .openapi import USER_EVENTS, openapi_document
from .serializers import (
    attachment_json,
    batch_json,
    document_json,
    dossier_json,
    iso,
    organisation_json,
    route_json,
    signing_request_json,
)


def error(status: int, message: str, errors: dict | None = None):
    body = {"error": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.errorhandler(OperationError)
def operation_error(exc: OperationError):
    response = error(exc.status, exc.message, exc.errors)
    if isinstance(exc, Unavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = ApiToken.find_user(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            return error(401, gettext("Thiếu hoặc sai mã truy cập (Bearer token)."))
        g.api_user = user
        if user.locale in LANGUAGES:  # messages in the language the account chose on the site
            with force_locale(user.locale):
                return view(*args, **kwargs)
        return view(*args, **kwargs)
    return wrapper


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(gettext("Nội dung phải là một đối tượng JSON."),
                      {"body": [gettext("Gửi JSON với Content-Type: application/json.")]})
    return body


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(exc: RateLimitExceeded):
    return _refused(guessing.limit_refusal(exc))


def _refused(refusal: guessing.SignInRefused):
    response = error(refusal.status, refusal.message)
    if refusal.retry_after:
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


@bp.post("/tokens")
@guessing.limited
def create_token():
    """Sign in: limited as the web's sign-in (auth/guessing.py), with which it shares its counts."""
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error(422, gettext("Thiếu tên đăng nhập hoặc mật khẩu."),
                     {"username" if not isinstance(username, str) else "password": [gettext("Bắt buộc.")]})
    try:
        user = guessing.sign_in(username, password, "api").user
    except guessing.SignInRefused as refusal:
        return _refused(refusal)
    if user.must_change_password:
        return error(403, gettext("Tài khoản cần đặt mật khẩu mới trên trang web trước khi dùng API."))
    with unit_of_work():
        row, token = ApiToken.issue(user)
    return {"token": token, "expires_at": iso(row.expires_at)}, 201


@bp.delete("/tokens")
@token_required
def revoke_token():
    """Log out: the presented token stops working."""
    token = request.headers["Authorization"].partition(" ")[2].strip()
    with unit_of_work():
        db.session.execute(sa.delete(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    return "", 204


@bp.get("/dossiers")
@token_required
def list_dossiers():
    kind = request.args.get("kind")
    if any(state not in STATES for state in request.args.getlist("state")):
        return error(422, gettext("Trạng thái không hợp lệ."),
                     {"state": [gettext("Một trong: %(choices)s.", choices=", ".join(STATES))]})
    if kind and kind not in KINDS:
        return error(422, gettext("Loại hồ sơ không hợp lệ."),
                     {"kind": [gettext("Một trong: %(choices)s.", choices=", ".join(KINDS))]})
    filters = ListFilters.from_args(request.args)
    if filters.errors:
        return error(422, gettext("Bộ lọc không hợp lệ."), {key: [gettext(m)] for key, m in filters.errors.items()})
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), 200)
    page = page_of(filtered_ids(g.api_user, filters), request.args.get("page", 1, type=int), per_page,
                   also=[selectinload(Dossier.batches), selectinload(Dossier.steps),
                         selectinload(Dossier.open_signing_requests),
                         selectinload(Dossier.access).joinedload(DossierAccess.sent_event)])
    return {"dossiers": [dossier_json(d, g.api_user, full=False) for d in page.items],
            "page": page.page, "per_page": per_page, "pages": page.pages, "total": page.total}


@bp.post("/dossiers")
@token_required
def create_dossier():
    body = json_body()
    with unit_of_work():
        dossier = ops.create_dossier(g.api_user, body.get("kind"), body.get("data") or {},
                                     **({"campaign_id": body["campaign_id"]} if "campaign_id" in body else {}))
    return dossier_json(dossier, g.api_user), 201


@bp.get("/dossiers/<int:dossier_id>")
@token_required
def get_dossier(dossier_id):
    return dossier_json(ops.get_dossier(g.api_user, dossier_id), g.api_user)


@bp.patch("/dossiers/<int:dossier_id>")
@token_required
def update_dossier(dossier_id):
    body = json_body()
    with unit_of_work():
        dossier = ops.get_dossier(g.api_user, dossier_id)
        ops.update_dossier(g.api_user, dossier, body.get("version"), body.get("data") or {})
    return dossier_json(dossier, g.api_user)


@bp.post("/dossiers/<int:dossier_id>/transitions")
@token_required
def transition(dossier_id):
    body = json_body()
    event = body.get("event")
    with unit_of_work():
        dossier = ops.get_dossier(g.api_user, dossier_id)
        if not isinstance(event, str) or event not in USER_EVENTS:
            raise Invalid(gettext("Thao tác không hợp lệ."),
                          {"event": [gettext("Một trong: %(choices)s.", choices=", ".join(USER_EVENTS))]})
        if event == "forward":  # a batch of one
            batch, waiting = step.forward(g.api_user, [dossier.id], versions={dossier.id: body.get("version")})
        else:
            _, waiting = step.fire(g.api_user, dossier, event, version=body.get("version"),
                                   comment=body.get("comment"), granted_amount_vnd=body.get("granted_amount_vnd"))
    dossier = db.session.get(Dossier, dossier_id)
    if waiting is not None:  # accepted, not yet done: it takes effect when the organisation's signer signs
        return {"signing_request": signing_request_json(waiting), "dossier": dossier_json(dossier, g.api_user)}, 202
    return dossier_json(dossier, g.api_user)


@bp.get("/dossiers/<int:dossier_id>/documents")
@token_required
def dossier_documents(dossier_id):
    dossier = ops.get_dossier(g.api_user, dossier_id)
    return {"documents": [document_json(d) for d in dossier.documents]}


@bp.post("/dossiers/<int:dossier_id>/attachments")
@token_required
def upload_attachment(dossier_id):
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    uploads.prepare(data)  # a large image downscaled before the write lock
    with unit_of_work():
        dossier = ops.get_dossier(g.api_user, dossier_id)
        if upload is None:
            raise Invalid(gettext("Thiếu tệp."),
                          {"file": [gettext("Gửi tệp trong trường 'file' (multipart/form-data).")]})
        attachment = ops.add_attachment(g.api_user, dossier, request.form.get("attachment_type"), upload.filename,
                                        data)
    return attachment_json(attachment), 201


@bp.get("/dossiers/<int:dossier_id>/attachments")
@token_required
def list_attachments(dossier_id):
    dossier = ops.get_dossier(g.api_user, dossier_id)
    return {"attachments": [attachment_json(a) for a in attachments_seen_by(g.api_user, dossier)]}


@bp.get("/attachments/<int:attachment_id>")
@token_required
def get_attachment(attachment_id):
    return attachment_response(ops.get_attachment(g.api_user, attachment_id))


@bp.delete("/attachments/<int:attachment_id>")
@token_required
def delete_attachment(attachment_id):
    with unit_of_work():
        ops.remove_attachment(g.api_user, ops.get_attachment(g.api_user, attachment_id))
    return "", 204


@bp.get("/documents/<int:document_id>")
@token_required
def get_document(document_id):
    document = db.session.get(Document, document_id)
    if document is not None and document.state == "draft":
        return pdf_response(step.get_draft(g.api_user, document_id))  # its organisation's people only
    if document is None or not can_download(g.api_user, document):
        return error(404, gettext("Không tìm thấy văn bản."))
    return pdf_response(document)


@bp.get("/signing-queue")
@token_required
def signing_queue():
    """What waits for the caller's signature (empty for someone who does not sign for their organisation)."""
    return {"items": [signing_request_json(r) for r in step.queue_of(g.api_user)]}


@bp.get("/signing-requests/<int:request_id>")
@token_required
def get_signing_request(request_id):
    return signing_request_json(step.get_request(g.api_user, request_id))


@bp.post("/documents/<int:document_id>/signatures")
@token_required
def sign_document(document_id):
    """Sign a draft (and the other drafts of its step), which issues them and lets the step take effect; or
    {"decision": "return", "reason": "..."} to send the step back unsigned."""
    body = json_body()
    decision = body.get("decision", "sign")
    if decision not in ("sign", "return"):
        raise Invalid(gettext("Thao tác không hợp lệ."), {"decision": [gettext("Một trong: sign, return.")]})
    with unit_of_work():
        draft = step.get_draft(g.api_user, document_id)
        waiting = step.get_request(g.api_user, draft.signing_request_id)
        if decision == "return":
            step.send_back(g.api_user, waiting, body.get("reason"))
            issued = []
        else:
            issued = step.sign_or_confirm(g.api_user, waiting)
    if issued is None:  # the signer confirms on their phone: signed in the background, followed at the request
        step.sign_when_confirmed(waiting.id, g.api_user.id)
        db.session.expire_all()
        return signing_request_json(step.get_request(g.api_user, waiting.id)), 202, {
            "Location": url_for("api.get_signing_request", request_id=waiting.id)}
    return signing_request_json(step.get_request(g.api_user, waiting.id))


@bp.post("/batches")
@token_required
def create_batch():
    body = json_body()
    versions = body.get("versions")
    with unit_of_work():
        batch, waiting = step.forward(
            g.api_user, body.get("dossier_ids"),
            versions={parse_whole(k): v for k, v in versions.items() if parse_whole(k) is not None}
            if isinstance(versions, dict) else None)
    if waiting is not None:
        return {"signing_request": signing_request_json(waiting)}, 202
    return batch_json(batch, g.api_user), 201


@bp.get("/batches/<int:batch_id>")
@token_required
def get_batch(batch_id):
    return batch_json(batch_ops.get_batch(g.api_user, batch_id), g.api_user)


@bp.post("/batches/<int:batch_id>/decisions")
@token_required
def decide(batch_id):
    """Decide several dossiers of a received batch; a result per item."""
    body = json_body()
    with unit_of_work():
        batch = batch_ops.get_batch(g.api_user, batch_id)
        results, decision, waiting = step.decide(g.api_user, batch, body.get("event"), body.get("items"),
                                                 body.get("comment"))
        for result in results:
            if result["ok"]:
                result["dossier"] = dossier_json(db.session.get(Dossier, result["dossier_id"]), g.api_user, full=False)
    answer = {"results": results, "decision": document_json(decision) if decision else None}
    if waiting is not None:  # the items that held wait for the signer; nothing of them is decided yet
        return {**answer, "signing_request": signing_request_json(waiting)}, 202
    return answer


@bp.get("/batches")
@token_required
def list_batches():
    return {"batches": [batch_json(b, g.api_user) for b in db.session.scalars(batch_ops.batches_of(g.api_user))]}


@bp.get("/batches/<int:batch_id>/bundle.pdf")
@token_required
def batch_bundle(batch_id):
    """Small batches are built at once; a large one is built in the background: 202 and its progress
    until it is ready, then the stored PDF."""
    return _bundle(batch_ops.get_batch(g.api_user, batch_id), "pdf")


@bp.get("/batches/<int:batch_id>/bundle.zip")
@token_required
def batch_bundle_zip(batch_id):
    return _bundle(batch_ops.get_batch(g.api_user, batch_id), "zip")


def _bundle(batch, fmt: str):
    """Built once and stored (the first download of a small batch's builds it), then served from storage."""
    build = bundle_build(batch, g.api_user, fmt)
    if build.status == "done":
        return stored_bundle_response(batch, build)
    status = 202 if build.status in ("queued", "running") else 503  # failed: asked again, built again
    return {"status": build.status, "done": build.done, "total": build.total,
            "error": gettext(build.error) if build.error else build.error}, status


@bp.get("/organisations")
@token_required
def organisations():
    """The organisations, past and present, with their place in the tree: for any signed-in user. Filters:
    `level`, `code`, `in_force_on` (an ISO date); pages of `per_page` (at most 5000)."""
    query = sa.select(Organisation).order_by(Organisation.id)
    level, code, day = request.args.get("level"), request.args.get("code"), request.args.get("in_force_on")
    if level:
        query = query.where(Organisation.level == level)
    if code:
        query = query.where(Organisation.code == code)
    if day:
        try:
            on = date.fromisoformat(day)
        except ValueError:
            return error(422, gettext("Ngày không hợp lệ."),
                         {"in_force_on": [gettext("Nhập ngày theo dạng YYYY-MM-DD.")]})
        query = query.where(sa.or_(Organisation.valid_from.is_(None), Organisation.valid_from <= on),
                            sa.or_(Organisation.valid_to.is_(None), Organisation.valid_to >= on))
    per_page = min(max(request.args.get("per_page", 1000, type=int), 1), 5000)
    page = db.paginate(query.options(selectinload(Organisation.placements), selectinload(Organisation.successor)),
                       page=page_number(request.args.get("page", 1, type=int), per_page),
                       per_page=per_page, max_per_page=None, error_out=False)
    return {"organisations": [organisation_json(o) for o in page.items], "page": page.page, "per_page": per_page,
            "pages": page.pages, "total": page.total}


@bp.get("/routes")
@token_required
def routes():
    """The route of each kind in force today for the caller's organisation (its grassroots unions' route, for
    an upper organisation's staff: the routes of its jurisdiction and above)."""
    today = clock.today()
    found = {code: route_for(code, g.api_user.organisation, today) for code in KINDS}
    return {"routes": [route_json(route) for route in found.values() if route is not None], "on": today.isoformat()}


@bp.get("/kinds")
def kinds():
    return {"kinds": [{"code": k.code, "title": gettext(k.title), "schema": k.json_schema()} for k in KINDS.values()]}


@bp.get("/openapi.json")
def openapi():
    return openapi_document()
