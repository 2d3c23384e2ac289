"""The signing step (trình ký), as Vietnamese offices work. A step that issues a document of a type the
organisation has signed by its signer (Organisation.signed_by_signer), taken by someone who does not sign, does not
take effect: it is run once to draft its documents (watermarked "DỰ THẢO", unnumbered), then rolled back, and kept
as a signing request with those drafts. The signer reads them and signs, which takes the step again as the person
who asked for it, now numbered and dated that day, the documents signed by the signer and then the organisation;
only then does the dossier move and do the notifications go. Or the signer sends it back with a reason: nothing
is numbered, the dossiers are free again.

Web pages and the API take steps through fire/forward/decide here rather than the operations themselves."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext

from .. import clock
from ..batches import operations as batch_ops
from ..dossiers import operations as ops
from ..dossiers.documents import STEP_DOCUMENTS
from ..dossiers.models import Dossier
from ..dossiers.permissions import acts_today
from ..errors import Conflict, Forbidden, Invalid, NotFound, OperationError
from ..extensions import db
from ..formatting import TEXT_CONTROL_CHARACTERS, is_id
from ..jobs import app_context, huey
from ..notifications.service import notify_users
from ..orgs.models import Organisation
from ..pdf.models import Document
from ..transaction import rehearsed, unit_of_work
from . import keys
from .context import Drafting, Signing, taking
from .models import CONFIRMING, OPEN, RETURNED, SIGNED, WAITING, SigningRequest

MAX_REASON = 2000


def _fire(actor, params):
    dossier = ops.get_dossier(actor, params["dossier_id"])
    return ops.fire(actor, dossier, params["event"], version=params.get("version"), comment=params.get("comment"),
                    granted_amount_vnd=params.get("granted_amount_vnd"))


def _forward(actor, params):
    versions = {int(key): value for key, value in (params.get("versions") or {}).items()}
    return batch_ops.forward_dossiers(actor, params["dossier_ids"], versions=versions)


def _decide(actor, params):
    batch = batch_ops.get_batch(actor, params["batch_id"])
    return batch_ops.decide_in_batch(actor, batch, params["event"], params["items"], params.get("comment"))


def _report(actor, params):
    from ..reports import official  # the reports sit above the signing step

    return official.issue_now(actor, params["campaign_id"], params.get("phase_id"))


def _report_not_waiting(actor, params):
    from ..reports import official

    official.refuse_if_waiting(actor.organisation_id, params["campaign_id"], params.get("phase_id"))


REPORT = "report"  # an organisation's report on a plan (reports/official.py), signed like its other documents
OPERATIONS = {"fire": _fire, "forward": _forward, "decide": _decide, REPORT: _report}
# What must still hold when a request is presented, asked with the organisation's requests made one at a time (a
# dossier's own steps are kept from being presented twice by its state and its open request).
PRESENTABLE = {REPORT: _report_not_waiting}
_EVENT_TYPES = {event: doc_type for event, (doc_type, _, _) in STEP_DOCUMENTS.items()} | {"accept": "QĐ"}
REPORT_TYPE = "BC"


def _document_types(operation: str, params: dict) -> set[str]:
    if operation == "forward":
        return {"TTr"}
    if operation == REPORT:
        return {REPORT_TYPE}
    doc_type = _EVENT_TYPES.get(params.get("event"))
    return {doc_type} if doc_type else set()


def goes_to_signer(actor, doc_types: set[str]) -> bool:
    """Whether a step issuing these types waits for the organisation's signer (the actor signs at once when they
    are a signer themselves, or the organisation lets the acting person sign). A step that would wait for nobody
    is refused: no one could sign it or send it back."""
    organisation = actor.organisation
    wanted = set(organisation.signed_by_signer or ()) if organisation is not None else set()
    if wanted >= set(_EVENT_TYPES.values()):  # every document of its steps ("all" in its set-up): its reports too
        wanted.add(REPORT_TYPE)
    if not wanted & doc_types or actor.signs_documents:
        return False
    if not _signers_of(organisation):
        raise Conflict(gettext("Văn bản của bước này phải trình lãnh đạo ký, nhưng đơn vị chưa có người được giao "
                               "ký văn bản; liên hệ quản trị."))
    return True


def _take(actor, operation: str, params: dict):
    """(what the operation returned, the signing request or None when the step took effect now)."""
    run = OPERATIONS[operation]
    if not goes_to_signer(actor, _document_types(operation, params)):
        return rehearsed(lambda: run(actor, params)), None  # its documents rendered before the write lock

    def drafted():
        with taking(Drafting()) as drafting:
            return run(actor, params), drafting
    result, drafting = rehearsed(drafted)
    if not drafting.drafts:  # nothing to sign after all (every item of a decision refused): it took effect
        return result, None
    if operation == "decide":  # only the items that held wait for the signature (a result for each item, in order)
        params = {**params, "items": [item for item, outcome in zip(params["items"], result[0], strict=True)
                                      if outcome["ok"]]}
    db.session.rollback()  # nothing of the step stands before it is signed (the drafts' files stay stored)
    if operation in PRESENTABLE:
        # PostgreSQL: the organisation's row locked until commit; SQLite: this transaction is the only writer.
        db.session.execute(sa.select(Organisation.id).where(Organisation.id == actor.organisation_id)
                           .with_for_update())
        PRESENTABLE[operation](actor, params)
    request = SigningRequest(organisation_id=actor.organisation_id, operation=operation, params=params,
                             requested_by_id=actor.id, summary=_summary(drafting.drafts)[:300])
    request.dossiers = [db.session.get(Dossier, i) for i in sorted(drafting.dossier_ids)]
    db.session.add(request)
    db.session.flush()
    for draft in drafting.drafts:
        db.session.add(Document(**draft, state="draft", signing_request_id=request.id))
    db.session.flush()
    signers = [u for u in _signers_of(request.organisation) if u.id != actor.id]
    notify_users("signing_requested", signers, {"summary": request.summary, "actor": actor.full_name},
                 dossier_id=request.dossiers[0].id if request.dossiers else None)
    return result, request


def _summary(drafts: list[dict]) -> str:
    titles = list(dict.fromkeys(d["title"] for d in drafts))
    return "; ".join(titles)


def _signers_of(organisation):
    from ..auth.models import User

    return db.session.scalars(db.select(User).where(User.organisation_id == organisation.id,
                                                    User.signs_documents.is_(True), User.active.is_(True))).all()


def fire(actor, dossier, event: str, *, version, comment=None, granted_amount_vnd=None):
    """operations.fire, through the signing step: (the dossier, the signing request or None)."""
    params = {"dossier_id": dossier.id, "event": event, "version": version, "comment": comment,
              "granted_amount_vnd": granted_amount_vnd}
    return _take(actor, "fire", params)


def forward(actor, dossier_ids, versions=None):
    """batches.operations.forward_dossiers, through the signing step: (the batch or None, the request or None)."""
    params = {"dossier_ids": dossier_ids, "versions": {str(k): v for k, v in (versions or {}).items()}}
    if not isinstance(dossier_ids, list):  # the operation says what is wrong; the request could not keep it
        return batch_ops.forward_dossiers(actor, dossier_ids, versions), None
    batch, request = _take(actor, "forward", params)
    return (None, request) if request else (batch, None)


def report(actor, campaign_id: int, phase_id: int | None):
    """reports.official.issue_now, through the signing step: (the report or None, the request or None)."""
    issued, request = _take(actor, REPORT, {"campaign_id": campaign_id, "phase_id": phase_id})
    return (None, request) if request else (issued, None)


def decide(actor, batch, event: str, items, comment=None):
    """batches.operations.decide_in_batch, through the signing step: (results, the decision or None, request)."""
    params = {"batch_id": batch.id, "event": event, "items": items, "comment": comment}
    if not isinstance(items, list):
        return (*batch_ops.decide_in_batch(actor, batch, event, items, comment), None)
    (results, decision), request = _take(actor, "decide", params)
    return results, None if request else decision, request


# --- the signer ---------------------------------------------------------------------------------------------------

def queue_of(user):
    """What waits for the user's signature, oldest first."""
    if not user.signs_documents:
        return []
    return db.session.scalars(db.select(SigningRequest).where(
        SigningRequest.organisation_id == user.organisation_id, SigningRequest.state.in_(OPEN))
        .order_by(SigningRequest.id)).all()


def get_request(user, request_id) -> SigningRequest:
    """A request of the user's own organisation (its signers sign it; its staff follow it); NotFound otherwise."""
    request = db.session.get(SigningRequest, request_id) if is_id(request_id) else None
    if request is None or request.organisation_id != user.organisation_id:
        raise NotFound(gettext("Không tìm thấy văn bản trình ký."))
    return request


def get_draft(user, document_id) -> Document:
    document = db.session.get(Document, document_id) if is_id(document_id) else None
    if document is None or document.state != "draft" or document.signing_request_id is None:
        raise NotFound(gettext("Không tìm thấy văn bản."))
    get_request(user, document.signing_request_id)
    return document


def _check_signer(user, request: SigningRequest) -> None:
    if not user.signs_documents or not acts_today(user) or user.organisation_id != request.organisation_id:
        raise Forbidden(gettext("Bạn không được giao ký văn bản của đơn vị."))
    if request.state == CONFIRMING:
        raise Conflict(gettext("Văn bản này đang chờ xác nhận ký trên điện thoại của %(name)s.",
                               name=request.decided_by.full_name))
    if request.state != WAITING:
        raise Conflict(gettext("Văn bản này đã được ký hoặc đã trả lại."))


def _claim(request: SigningRequest, expected: str, **values) -> None:
    """Move the request on from `expected`, or refuse: one conditional UPDATE, so of two signers (or two tabs)
    acting at once only one signs or returns it; the other waits for the row and finds it moved."""
    moved = db.session.execute(
        sa.update(SigningRequest).where(SigningRequest.id == request.id, SigningRequest.state == expected)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.expire(request)
    if moved != 1:
        raise Conflict(gettext("Văn bản này đã được ký hoặc đã trả lại."))


def sign(user, request: SigningRequest, *, expected: str = WAITING) -> list[Document]:
    """The step takes effect now, as the person who asked for it, its documents numbered, dated today and signed
    by `user` and the organisation. Returns the documents issued."""
    if expected == WAITING:
        _check_signer(user, request)
    requester = request.requested_by
    if not requester.active or requester.organisation_id != request.organisation_id:
        raise Conflict(gettext("%(name)s, người trình, không còn làm việc tại đơn vị: bước này không thể thực hiện "
                               "thay họ; hãy trả lại.", name=requester.full_name))

    def take():  # the documents rendered and signed before the write lock (transaction.rehearsed)
        _claim(request, expected, state=SIGNED, decided_by_id=user.id, decided_at=clock.utcnow(), error=None)
        with taking(Signing(signer=user, request_id=request.id)):
            result = OPERATIONS[request.operation](request.requested_by, request.params)
        if request.operation == "decide":  # each item stands alone there: here the step is all its items or nothing
            failed = [r["error"] for r in result[0] if not r["ok"]]
            if failed:
                raise Conflict(gettext("Bước này không còn thực hiện được: %(errors)s Hãy trả lại.",
                                       errors=" ".join(dict.fromkeys(failed))))
        db.session.flush()
    rehearsed(take)
    return db.session.scalars(db.select(Document).where(Document.signing_request_id == request.id,
                                                        Document.state == "issued").order_by(Document.id)).all()


def send_back(user, request: SigningRequest, reason) -> None:
    """Not signed: nothing is numbered or issued, the dossiers are free, the person who asked is told why."""
    _check_signer(user, request)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        message = gettext("Vui lòng nêu lý do trả lại.")
        raise Invalid(message, {"reason": [message]})
    if len(reason) > MAX_REASON:
        message = gettext("Lý do tối đa %(count)s ký tự.", count=MAX_REASON)
        raise Invalid(message, {"reason": [message]})
    if TEXT_CONTROL_CHARACTERS.search(reason.replace("\n", "").replace("\r", "").replace("\t", "")):
        message = gettext("Không được chứa ký tự điều khiển.")
        raise Invalid(message, {"reason": [message]})
    _claim(request, WAITING, state=RETURNED, decided_by_id=user.id, decided_at=clock.utcnow(), return_reason=reason)
    notify_users("signing_returned", [request.requested_by],
                 {"summary": request.summary, "signer": user.full_name, "reason": reason},
                 dossier_id=request.dossiers[0].id if request.dossiers else None)



def sign_or_confirm(user, request: SigningRequest) -> list[Document] | None:
    """Sign now; or, where the signer's key is at a remote signing service (the signer confirms on their phone),
    mark the request as waiting for that confirmation and return None: after committing, the caller starts
    `sign_when_confirmed`, which signs (or, unconfirmed, puts the request back in the queue with why)."""
    if not keys.is_remote(user.username):
        return sign(user, request)
    _check_signer(user, request)
    _claim(request, WAITING, state=CONFIRMING, decided_by_id=user.id, error=None)
    return None


@huey.task()
def sign_when_confirmed(request_id: int, user_id: int) -> None:
    with app_context():
        finish_remote_signature(request_id, user_id)


def finish_remote_signature(request_id: int, user_id: int) -> None:
    from ..auth.models import User

    try:
        with unit_of_work():
            request, user = db.session.get(SigningRequest, request_id), db.session.get(User, user_id)
            if request is None or request.state != CONFIRMING:
                return
            sign(user, request, expected=CONFIRMING)
    except keys.SignatureNotConfirmed:
        _back_in_queue(request_id, gettext("Chưa nhận được xác nhận ký trên điện thoại trong thời gian chờ; vui "
                                           "lòng ký lại."))
    except keys.KeyStoreError:
        _back_in_queue(request_id, gettext("Dịch vụ ký số từ xa không phản hồi; vui lòng ký lại sau."))
    except OperationError as exc:
        _back_in_queue(request_id, exc.message)


def _back_in_queue(request_id: int, error: str) -> None:
    with unit_of_work():
        db.session.execute(sa.update(SigningRequest).where(SigningRequest.id == request_id,
                                                           SigningRequest.state == CONFIRMING)
                           .values(state=WAITING, error=error))
