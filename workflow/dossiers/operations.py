"""The only code that changes a dossier. Each operation takes the acting user, checks visibility,
permission, version and state, changes the data, fires the event through the state machine, issues
the document, appends the history row and flushes. The caller commits once, or rolls back."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import selectinload

from flask import current_app
from flask_babel import gettext

from .. import clock
from ..campaigns.service import check_campaign, default_campaign, place_submission
from ..errors import STALE_MESSAGE, Conflict, Forbidden, Invalid, NotFound, OperationError, TooLarge
from ..pdf import storage
from ..extensions import db
from ..formatting import format_amount, format_date
from ..notifications.service import notify_batch_received, notify_dossier_event
from ..states import DossierWorkflow, ReasonRequired
from . import documents, uploads
from ..orgs.models import Organisation
from .base import RuleContext
from .kinds import KINDS, get_kind
from .models import Attachment, Batch, Dossier, DossierEvent
from .permissions import attachments_seen_by, can_create, can_edit, can_view
from .rules import rule_set_for


def get_dossier(actor, dossier_id: int) -> Dossier:
    """The dossier if the actor may see it; NotFound otherwise (never reveal that it exists)."""
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or not can_view(actor, dossier):
        raise NotFound(gettext("Không tìm thấy hồ sơ."))
    return dossier


def _check_version(dossier: Dossier, version) -> None:
    if type(version) is not int:  # noqa: E721  (bool and float are not versions)
        raise Invalid(gettext("Thiếu phiên bản hồ sơ."), {"version": [
            gettext("Vui lòng gửi kèm phiên bản (version) của hồ sơ, một số nguyên.")]})
    if version != dossier.version:
        raise Conflict(gettext(STALE_MESSAGE))


_DEFAULT = object()


def create_dossier(actor, kind_code: str, data: dict, campaign_id=_DEFAULT) -> Dossier:
    """A draft of the actor's union; it answers the plan chosen, else the one plan with a phase open today."""
    if not can_create(actor):
        raise Forbidden(gettext("Chỉ cán bộ công đoàn cơ sở được lập hồ sơ."))
    kind = get_kind(kind_code) if isinstance(kind_code, str) else None
    if kind is None:
        raise Invalid(gettext("Loại hồ sơ không hợp lệ."), {"kind": [
            gettext("Chọn một trong: %(choices)s.", choices=", ".join(KINDS))]})
    clean, errors = kind.clean(data)
    if errors:
        raise Invalid(gettext("Dữ liệu chưa hợp lệ."), errors)
    campaign = (default_campaign(actor.organisation, kind.code, clock.today()) if campaign_id is _DEFAULT
                else check_campaign(actor.organisation, kind.code, campaign_id))
    dossier = Dossier(kind=kind.code, organisation_id=actor.organisation_id, organisation=actor.organisation,
                      data=clean, created_by_id=actor.id, campaign=campaign)
    DossierWorkflow(dossier, actor)  # writes the initial state
    db.session.add(dossier)
    db.session.flush()
    return dossier


def update_dossier(actor, dossier: Dossier, version, changes: dict) -> Dossier:
    """Apply changed fields while the dossier is editable; a field set to null is cleared."""
    if not can_edit(actor, dossier):
        if dossier.organisation_id == actor.organisation_id and actor.role == "officer":
            raise Conflict(gettext("Hồ sơ đã nộp, không thể sửa."))
        raise Forbidden(gettext("Bạn không có quyền sửa hồ sơ này."))
    _check_version(dossier, version)
    if not isinstance(changes, dict):
        raise Invalid(gettext("Dữ liệu chưa hợp lệ."), {"data": [gettext("Dữ liệu hồ sơ phải là một đối tượng JSON.")]})
    kind = KINDS[dossier.kind]
    merged = {**dossier.data, **changes}
    clean, errors = kind.clean({k: v for k, v in merged.items() if v is not None})
    if errors:
        raise Invalid(gettext("Dữ liệu chưa hợp lệ."), errors)
    dossier.data = clean
    db.session.flush()
    return dossier


def choose_campaign(actor, dossier: Dossier, campaign_id) -> None:
    """Until the first submission places it in a phase, the union may change the plan a dossier answers."""
    if not can_edit(actor, dossier) or dossier.phase_id is not None:
        raise Conflict(gettext("Không thể đổi kế hoạch của hồ sơ đã nộp."))
    dossier.campaign = check_campaign(dossier.organisation, dossier.kind, campaign_id)


def replace_dossier_data(actor, dossier: Dossier, version, data: dict) -> Dossier:
    """The web form posts every field: what is absent is cleared."""
    cleared = {name: None for name in dossier.data if name not in data}
    return update_dossier(actor, dossier, version, {**data, **cleared})


def _machine_for(actor, dossier: Dossier, event: str) -> DossierWorkflow:
    machine = DossierWorkflow(dossier, actor)
    if not machine.exists_in_state(event):
        raise Conflict(gettext("Không thể thực hiện thao tác này khi hồ sơ ở trạng thái “%(state)s”.",
                               state=gettext(dossier.state_label)))
    if event not in machine.allowed_event_ids():
        raise Forbidden(gettext("Bạn không có quyền thực hiện thao tác này trên hồ sơ."))
    return machine


def _send(machine: DossierWorkflow, event: str, comment: str | None) -> None:
    try:
        machine.send(event, comment=comment)
    except ReasonRequired as exc:
        raise Invalid(str(exc), {"comment": [str(exc)]}) from exc


def _record(actor, dossier: Dossier, event: str, from_state: str, comment, document, snapshot=None) -> DossierEvent:
    row = DossierEvent(dossier=dossier, event=event, from_state=from_state, to_state=dossier.state,
                       actor_id=actor.id, organisation_id=actor.organisation_id, comment=comment or None,
                       round=dossier.round, document=document, data_snapshot=snapshot)
    db.session.add(row)
    notify_dossier_event(event, dossier, comment)
    return row


def _prepare_submit(dossier: Dossier, on: date) -> None:
    kind = KINDS[dossier.kind]
    rule_set = rule_set_for(kind.code, dossier.organisation, on)
    if rule_set is None:
        raise Invalid(gettext("Chưa có quy định áp dụng."), {"kind": [gettext(
            "Chưa có bộ quy định nào cho loại hồ sơ này có hiệu lực ngày %(day)s; liên hệ quản trị.", day=format_date(on))]})
    errors = kind.check_for_submit(dossier.data, RuleContext(on=on, params=rule_set.parsed_params(), dossier=dossier))
    missing = missing_attachments(dossier)
    if missing:
        errors["attachments"] = [gettext("Thiếu tệp đính kèm bắt buộc: %(labels)s.", labels="; ".join(missing))]
    if errors:
        raise Invalid(gettext("Hồ sơ chưa đủ điều kiện nộp."), errors)
    _hold_dedup_key(kind, dossier)
    dossier.submitted_on = on
    dossier.submitted_data = dict(dossier.data)
    dossier.round += 1
    dossier.rule_set = rule_set


def _hold_dedup_key(kind, dossier: Dossier) -> None:
    key = kind.dedup_key(dossier.data)
    if key is None:
        dossier.dedup_key = None
        return
    field, message = kind.dedup_error(dossier.data)
    taken = db.session.scalar(sa.select(Dossier.id).where(Dossier.dedup_key == key, Dossier.id != dossier.id))
    if taken is not None:
        raise Invalid(message, {field: [message]})
    dossier.dedup_key = key
    try:
        with db.session.begin_nested():  # the unique index decides between two unions submitting at once
            db.session.flush()
    except IntegrityError as exc:
        raise Invalid(message, {field: [message]}) from exc


def _prepare_accept(dossier: Dossier, granted_amount_vnd) -> None:
    requested = KINDS[dossier.kind].requested_amount(dossier.data)
    if requested is None:
        return
    field = "granted_amount_vnd"
    if granted_amount_vnd in (None, ""):
        raise Invalid(gettext("Thiếu số tiền chấp thuận."), {field: [gettext("Vui lòng nhập số tiền được hỗ trợ.")]})
    if isinstance(granted_amount_vnd, bool) or not isinstance(granted_amount_vnd, int):
        raise Invalid(gettext("Số tiền không hợp lệ."), {field: [gettext("Phải là số nguyên (đồng).")]})
    if granted_amount_vnd <= 0 or granted_amount_vnd > requested:
        raise Invalid(gettext("Số tiền không hợp lệ."), {field: [gettext(
            "Số tiền chấp thuận phải lớn hơn 0 và không vượt quá số tiền đề nghị (%(requested)s đồng).",
            requested=format_amount(requested))]})
    dossier.granted_amount_vnd = granted_amount_vnd


def fire(actor, dossier: Dossier, event: str, *, version, comment: str | None = None,
         granted_amount_vnd=None) -> Dossier:
    """Fire one event on one dossier (forward goes through forward_dossiers, as a batch of one or more)."""
    if event == "forward":
        batch = forward_dossiers(actor, [dossier.id], versions={dossier.id: version})
        return batch.dossiers[0]
    machine = _machine_for(actor, dossier, event)
    _check_version(dossier, version)
    if comment is not None and not isinstance(comment, str):
        raise Invalid(gettext("Lý do không hợp lệ."), {"comment": [gettext("Lý do phải là một đoạn văn bản.")]})
    comment = (comment or "").strip() or None
    on = clock.today()
    if event == "submit":
        _prepare_submit(dossier, on)
        place_submission(dossier, on)
    elif event == "accept":
        _prepare_accept(dossier, granted_amount_vnd)
    from_state = dossier.state
    _send(machine, event, comment)
    if dossier.state in ("rejected", "withdrawn"):
        dossier.dedup_key = None  # the person may be helped through another dossier
    if event == "accept":
        document = documents.issue_decision(actor, [dossier], comment, on)
    else:
        document = documents.issue_for_event(actor, dossier, event, comment, on)
    snapshot = dict(dossier.data) if event == "submit" else None
    _record(actor, dossier, event, from_state, comment, document, snapshot)
    db.session.flush()
    return dossier


def forward_dossiers(actor, dossier_ids: list[int], versions: dict | None = None) -> Batch:
    """Forward approved dossiers of one kind to the deciding federation, with one Tờ trình and its list."""
    if not isinstance(dossier_ids, list) or not dossier_ids or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in dossier_ids):
        raise Invalid(gettext("Chưa chọn hồ sơ."), {"dossier_ids": [gettext("Chọn ít nhất một hồ sơ (danh sách mã số).")]})
    if len(set(dossier_ids)) != len(dossier_ids):
        raise Invalid(gettext("Hồ sơ bị trùng."), {"dossier_ids": [gettext("Mỗi hồ sơ chỉ được chọn một lần.")]})
    dossiers = [get_dossier(actor, i) for i in dossier_ids]
    if len({d.kind for d in dossiers}) > 1:
        raise Invalid(gettext("Các hồ sơ khác loại."),
                      {"dossier_ids": [gettext("Một lần chuyển chỉ gồm các hồ sơ cùng một loại.")]})
    machines = [_machine_for(actor, d, "forward") for d in dossiers]
    for dossier in dossiers:
        if versions and dossier.id in versions:
            _check_version(dossier, versions[dossier.id])
    on = clock.today()
    batch = Batch(kind=dossiers[0].kind, organisation_id=actor.organisation_id, organisation=actor.organisation,
                  created_by_id=actor.id, dossiers=dossiers)
    db.session.add(batch)
    for machine in machines:
        machine.send("forward")
    db.session.flush()
    document = documents.issue_for_batch(actor, batch, on)
    for dossier in dossiers:  # the snapshot is what the province was sent
        _record(actor, dossier, "forward", "approved", None, document, snapshot=dict(dossier.submitted_data or {}))
    notify_batch_received(batch)
    db.session.flush()
    return batch


def add_attachment(actor, dossier: Dossier, attachment_type, filename: str | None, data: bytes) -> Attachment:
    """Attach a supporting paper to an editable dossier: checked by content and size, stored by SHA-256."""
    if not can_edit(actor, dossier):
        if actor.role == "officer" and dossier.organisation_id == actor.organisation_id:
            raise Conflict(gettext("Hồ sơ đã nộp: tệp đính kèm không thể thay đổi."))
        raise Forbidden(gettext("Bạn không có quyền thêm tệp vào hồ sơ này."))
    kind = KINDS[dossier.kind]
    if not isinstance(attachment_type, str) or attachment_type not in kind.attachment_types:
        raise Invalid(gettext("Loại tệp không hợp lệ."), {"attachment_type": [gettext(
            "Chọn một trong: %(choices)s.",
            choices="; ".join(gettext(label) for label, _ in kind.attachment_types.values()))]})
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if len(data) > limit:
        megabytes = limit // (1024 * 1024)
        raise TooLarge(gettext("Tệp lớn hơn %(mb)s MB.", mb=megabytes),
                       {"file": [gettext("Mỗi tệp tối đa %(mb)s MB.", mb=megabytes)]})
    total_limit = current_app.config["MAX_DOSSIER_ATTACHMENT_BYTES"]
    if sum(a.size for a in dossier.attachments) + len(data) > total_limit:
        raise TooLarge(gettext("Vượt dung lượng tệp của hồ sơ."), {"file": [
            gettext("Tổng dung lượng tệp của một hồ sơ tối đa %(mb)s MB.", mb=total_limit // (1024 * 1024))]})
    if not data:
        raise Invalid(gettext("Tệp rỗng."), {"file": [gettext("Chọn một tệp để tải lên.")]})
    found = uploads.inspect(data)
    attachment = Attachment(
        dossier=dossier, attachment_type=attachment_type, filename=uploads.safe_filename(filename, found.content_type),
        content_type=found.content_type, size=len(data), page_count=found.page_count, sha256=storage.store(data),
        round=dossier.round + 1, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_attachment(actor, attachment: Attachment) -> None:
    """Take back a file of the round not yet submitted; submitted rounds are frozen."""
    dossier = attachment.dossier
    if not can_edit(actor, dossier) or attachment.round <= dossier.round:
        raise Conflict(gettext("Tệp đã nộp cùng hồ sơ, không thể xóa."))
    db.session.delete(attachment)
    db.session.flush()


def missing_attachments(dossier: Dossier) -> list[str]:
    """Labels (translated) of the required attachment types the dossier has no file of (any round counts)."""
    kind = KINDS[dossier.kind]
    present = {a.attachment_type for a in dossier.attachments}
    return [gettext(label) for code, label in kind.required_attachments(dossier.data).items() if code not in present]


def get_attachment(actor, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view(actor, attachment.dossier) or attachment not in attachments_seen_by(
            actor, attachment.dossier):
        raise NotFound(gettext("Không tìm thấy tệp."))
    return attachment


DECISIONS = ("accept", "reject", "refer_back")


def decide_in_batch(actor, batch: Batch, event: str, items: list[dict], comment: str | None = None) -> tuple[list, object]:
    """The province decides several dossiers of a batch at once. Each item stands alone: one refused (stale
    version, amount over the request, already decided) does not undo the others. The accepted ones share one
    Quyết định; each rejection or referral gets its own Thông báo. Returns (results, the Quyết định or None)."""
    if event not in DECISIONS:
        raise Invalid(gettext("Thao tác không hợp lệ."),
                      {"event": [gettext("Một trong: %(choices)s.", choices=", ".join(DECISIONS))]})
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise Invalid(gettext("Chưa chọn hồ sơ."), {"items": [gettext("Chọn ít nhất một hồ sơ.")]})
    if comment is not None and not isinstance(comment, str):
        raise Invalid(gettext("Lý do không hợp lệ."), {"comment": [gettext("Lý do phải là một đoạn văn bản.")]})
    members = {d.id: d for d in batch.dossiers}
    on = clock.today()
    results, accepted = [], []
    for item in items:
        dossier_id = item.get("dossier_id")
        try:
            dossier = members.get(dossier_id) if type(dossier_id) is int else None  # noqa: E721 (not bool)
            if dossier is None or not can_view(actor, dossier):
                raise NotFound(gettext("Hồ sơ không thuộc đợt chuyển này."))
            with db.session.begin_nested():  # undone alone if this item fails
                machine = _machine_for(actor, dossier, event)
                _check_version(dossier, item.get("version"))
                if event == "accept":
                    _prepare_accept(dossier, item.get("granted_amount_vnd"))
                from_state = dossier.state
                _send(machine, event, (comment or "").strip() or None)
                if event != "accept":
                    document = documents.issue_for_event(actor, dossier, event, comment, on)
                    _record(actor, dossier, event, from_state, comment, document)
                db.session.flush()
            if event == "accept":  # only once its savepoint held
                accepted.append((dossier, from_state))
            results.append({"dossier_id": dossier_id, "ok": True})
        except StaleDataError:
            results.append({"dossier_id": dossier_id, "ok": False, "status": 409, "error": gettext(STALE_MESSAGE),
                            "errors": {}})
        except OperationError as exc:
            results.append({"dossier_id": dossier_id, "ok": False, "status": exc.status, "error": exc.message,
                            "errors": exc.errors})
    decision = None
    if accepted:
        decision = documents.issue_decision(actor, [d for d, _ in accepted], comment, on)
        for dossier, from_state in accepted:
            _record(actor, dossier, "accept", from_state, comment, decision)
        db.session.flush()
    return results, decision


def received_batches(actor):
    """Batches the actor's federation forwarded (reviewer) or received (liaison), newest first."""
    if actor.role == "reviewer":
        condition = Batch.organisation_id == actor.organisation_id
    elif actor.role == "liaison":
        condition = Batch.organisation_id.in_(sa.select(Organisation.id).where(Organisation.parent_id == actor.organisation_id))
    else:
        condition = sa.false()
    # Each listed dossier shows its organisation, batch and (for the province) what was forwarded.
    dossiers = selectinload(Batch.dossiers).options(
        selectinload(Dossier.organisation), selectinload(Dossier.batches), selectinload(Dossier.events))
    return sa.select(Batch).where(condition).options(dossiers).order_by(Batch.id.desc())
