"""The only code that changes a dossier. Each operation takes the acting user, checks visibility, permission,
version and state, changes the data, fires the event through the state machine, moves the dossier along its
route, issues the document, appends the history row and flushes. The caller commits once, or rolls back.
Sending approved dossiers up in a batch is the batches package's (it uses the helpers below)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from .. import clock, storage
from ..campaigns.service import check_campaign, default_campaign, place_submission
from ..errors import STALE_MESSAGE, Conflict, Forbidden, Invalid, NotFound, TooLarge
from ..extensions import db
from ..formatting import format_amount, format_date, is_id
from ..orgs.models import Organisation
from ..signing.models import waiting_request_for
from ..states import FINAL_STATES, DossierWorkflow, ReasonRequired
from . import documents, uploads
from .kinds import KINDS, get_kind
from .kinds.base import RuleContext
from .models import Attachment, Dossier, DossierAccess, DossierEvent, DossierStep
from .notices import notify_dossier_event
from .permissions import acts_today, can_create, can_edit
from .routing import resolve, route_for
from .rules import rule_set_for
from .visibility import access_of, attachments_seen_by, can_view, viewer_for


def get_dossier(actor, dossier_id: int) -> Dossier:
    """The dossier if the actor may see it; NotFound otherwise (never reveal that it exists)."""
    dossier = db.session.get(Dossier, dossier_id) if is_id(dossier_id) else None
    if dossier is None or not can_view(actor, dossier):
        raise NotFound(gettext("Không tìm thấy hồ sơ."))
    return dossier


def check_version(dossier: Dossier, version) -> None:
    if type(version) is not int:  # noqa: E721  (bool and float are not versions)
        raise Invalid(gettext("Thiếu phiên bản hồ sơ."), {"version": [
            gettext("Vui lòng gửi kèm phiên bản (version) của hồ sơ, một số nguyên.")]})
    if version != dossier.version:
        raise Conflict(gettext(STALE_MESSAGE))


def clean_comment(comment) -> str | None:
    if comment is not None and not isinstance(comment, str):
        raise Invalid(gettext("Lý do không hợp lệ."), {"comment": [gettext("Lý do phải là một đoạn văn bản.")]})
    return (comment or "").strip() or None


_DEFAULT = object()


def create_dossier(actor, kind_code: str, data: dict, campaign_id=_DEFAULT) -> Dossier:
    """A draft of the actor's union; it answers the plan chosen, else the one plan with a phase open today."""
    if not can_create(actor):
        raise Forbidden(gettext("Chỉ cán bộ công đoàn cơ sở được lập hồ sơ."))
    kind = get_kind(kind_code)
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
    check_version(dossier, version)
    check_not_awaiting_signature(actor, dossier)
    if not isinstance(changes, dict):
        raise Invalid(gettext("Dữ liệu chưa hợp lệ."), {"data": [gettext("Dữ liệu hồ sơ phải là một đối tượng JSON.")]})
    merged = {**dossier.data, **changes}
    clean, errors = dossier.kind_spec.clean({k: v for k, v in merged.items() if v is not None})
    if errors:
        raise Invalid(gettext("Dữ liệu chưa hợp lệ."), errors)
    dossier.data = clean
    db.session.flush()
    return dossier


def choose_campaign(actor, dossier: Dossier, campaign_id) -> None:
    """Until the first submission places it in a phase, the union may change the plan a dossier answers."""
    if not can_edit(actor, dossier) or dossier.phase_id is not None:
        raise Conflict(gettext("Không thể đổi kế hoạch của hồ sơ đã nộp."))
    check_not_awaiting_signature(actor, dossier)
    dossier.campaign = check_campaign(dossier.organisation, dossier.kind, campaign_id)


def replace_dossier_data(actor, dossier: Dossier, version, data: dict) -> Dossier:
    """The web form posts every field: what is absent is cleared."""
    cleared = {name: None for name in dossier.data if name not in data}
    return update_dossier(actor, dossier, version, {**data, **cleared})


# --- the helpers every transition uses (here and in the batches package) ---------------------------------------

def check_not_awaiting_signature(actor, dossier: Dossier) -> None:
    """Nothing moves or changes a dossier while a step on it waits for its signer. Another organisation is not told
    what waits: the step is not taken yet."""
    waiting = waiting_request_for(dossier.id)
    if waiting is None:
        return
    if waiting.organisation_id != actor.organisation_id:
        raise Conflict(gettext("Hồ sơ đang được xử lý; chưa thể thao tác. Vui lòng thử lại sau."))
    raise Conflict(gettext("Hồ sơ đang chờ lãnh đạo ký văn bản “%(summary)s”: chưa thể thao tác khác.",
                           summary=waiting.summary))


def machine_for(actor, dossier: Dossier, event: str) -> DossierWorkflow:
    check_not_awaiting_signature(actor, dossier)
    machine = DossierWorkflow(dossier, actor)
    if not machine.exists_in_state(event):
        raise Conflict(gettext("Không thể thực hiện thao tác này khi hồ sơ ở trạng thái “%(state)s”.",
                               state=gettext(dossier.state_label)))
    if not acts_today(actor) or event not in machine.allowed_event_ids():
        raise Forbidden(gettext("Bạn không có quyền thực hiện thao tác này trên hồ sơ."))
    return machine


def send(machine: DossierWorkflow, event: str, comment: str | None) -> None:
    try:
        machine.send(event, comment=comment)
    except ReasonRequired as exc:
        raise Invalid(str(exc), {"comment": [str(exc)]}) from exc
    if machine.dossier.state in FINAL_STATES:
        machine.dossier.dedup_key = None  # the person may be helped through another dossier


def record(actor, dossier: Dossier, event: str, from_state: str, comment, document, *, snapshot=None,
           batch=None, organisation_id: int | None = None, moved_here: bool = False) -> DossierEvent:
    """The history row, and the notifications it gives rise to (notices.notify_dossier_event)."""
    acting = organisation_id or actor.organisation_id
    now = clock.utcnow()
    before = db.session.scalar(sa.select(DossierEvent.at).where(DossierEvent.dossier_id == dossier.id)
                               .order_by(DossierEvent.id.desc()).limit(1)) if dossier.id is not None else None
    row = DossierEvent(dossier=dossier, event=event, from_state=from_state, to_state=dossier.state,
                       actor_id=actor.id, organisation_id=acting, at=now,
                       level=db.session.get(Organisation, acting).level,
                       held_days=(now - before).total_seconds() / 86400 if before is not None else None,
                       comment=comment or None, round=dossier.round, document=document, data_snapshot=snapshot,
                       batch_id=batch.id if batch is not None else None)
    db.session.add(row)
    db.session.flush()
    notify_dossier_event(event, dossier, comment, moved_here=moved_here)
    return row


def arrive(dossier: Dossier, organisation_id: int, sent: DossierEvent) -> None:
    """The dossier reached an organisation, which from now on sees it as `sent` carried it."""
    access = next((a for a in dossier.access if a.organisation_id == organisation_id), None)
    if access is None:
        dossier.access.append(DossierAccess(organisation_id=organisation_id, sent_event=sent,
                                            arrived_on=clock.today()))
    else:
        access.sent_event, access.arrived_on = sent, clock.today()
    db.session.flush()


def data_sent_to(organisation_id: int, dossier: Dossier) -> dict:
    """What the organisation was sent (what it sends on)."""
    access = access_of(viewer_for(organisation_id, owner_side=False), dossier)
    return dict(access.sent_event.data_snapshot or {}) if access else {}


def granted_amount_problem(requested: int, granted_amount_vnd) -> tuple[str, str] | None:
    """(the message, the amount field's message) when `granted_amount_vnd` cannot be granted against `requested`;
    None when it can. Asked before a confirmation page too (batches: the province's amounts)."""
    if granted_amount_vnd in (None, ""):
        return gettext("Thiếu số tiền chấp thuận."), gettext("Vui lòng nhập số tiền được hỗ trợ.")
    if isinstance(granted_amount_vnd, bool) or not isinstance(granted_amount_vnd, int):
        return gettext("Số tiền không hợp lệ."), gettext("Phải là số nguyên (đồng).")
    if granted_amount_vnd <= 0 or granted_amount_vnd > requested:
        return gettext("Số tiền không hợp lệ."), gettext(
            "Số tiền chấp thuận phải lớn hơn 0 và không vượt quá số tiền đề nghị (%(requested)s đồng).",
            requested=format_amount(requested))
    return None


def prepare_accept(dossier: Dossier, granted_amount_vnd) -> None:
    requested = dossier.requested_amount
    if requested is None:
        return
    problem = granted_amount_problem(requested, granted_amount_vnd)
    if problem is not None:
        raise Invalid(problem[0], {"granted_amount_vnd": [problem[1]]})
    dossier.granted_amount_vnd = granted_amount_vnd


def decide_one(actor, dossier: Dossier, event: str, *, version, comment: str | None, granted_amount_vnd, on: date,
               decision=None) -> DossierEvent | None:
    """Accept, reject or refer back one dossier waiting at the actor's organisation. An acceptance gets the
    Quyết định it is given (`decision`, shared by several) or none yet (the caller issues it and records the
    acceptance: see fire); a rejection or referral gets its own Thông báo."""
    machine = machine_for(actor, dossier, event)
    check_version(dossier, version)
    if event == "accept":
        prepare_accept(dossier, granted_amount_vnd)
    from_state = dossier.state
    issuer = actor.organisation
    send(machine, event, comment)
    if event == "refer_back":
        dossier.position -= 1
        below = next(a for a in dossier.access if a.organisation_id == dossier.current_org_id)
        arrive(dossier, below.organisation_id, below.sent_event)  # it waits there from today, as it was sent
    if event == "accept":
        return None if decision is None else record(actor, dossier, event, from_state, comment, decision)
    document = documents.issue_for_event(actor, dossier, event, comment, on, issuer)
    return record(actor, dossier, event, from_state, comment, document)


# --- one event on one dossier ---------------------------------------------------------------------------------

def _check_submit(dossier: Dossier, on: date):
    """What a submission on `on` rests on, (rule set, route, steps), the route and steps None after the first; raises
    Invalid with everything it would refuse. Changes nothing: the submit confirmation asks it too."""
    kind = dossier.kind_spec
    rule_set = rule_set_for(kind.code, dossier.organisation, on)
    if rule_set is None:
        raise Invalid(gettext("Chưa có quy định áp dụng."), {"kind": [gettext(
            "Chưa có bộ quy định nào cho loại hồ sơ này có hiệu lực ngày %(day)s; liên hệ quản trị.",
            day=format_date(on))]})
    if not dossier.steps:  # the first submission: the route of today's tree, kept from now on
        route = route_for(kind.code, dossier.organisation, on)
        if route is None:
            raise Invalid(gettext("Chưa có tuyến xét duyệt."), {"kind": [gettext(
                "Chưa có tuyến xét duyệt nào cho loại hồ sơ này có hiệu lực ngày %(day)s; liên hệ quản trị.",
                day=format_date(on))]})
        steps = resolve(route, dossier.organisation, on)
    else:
        route, steps = None, None
    errors = kind.check_for_submit(dossier.data, RuleContext(on=on, params=rule_set.parsed_params(), dossier=dossier))
    missing = missing_attachments(dossier)
    if missing:
        errors["attachments"] = [gettext("Thiếu tệp đính kèm bắt buộc: %(labels)s.", labels="; ".join(missing))]
    key = kind.dedup_key(dossier.data)
    if key is not None and db.session.scalar(sa.select(Dossier.id).where(Dossier.dedup_key == key,
                                                                         Dossier.id != dossier.id)) is not None:
        field, message = kind.dedup_error(dossier.data)
        errors.setdefault(field, []).append(message)
    if errors:
        raise Invalid(gettext("Hồ sơ chưa đủ điều kiện nộp."), errors)
    return rule_set, route, steps


def submit_problems(dossier: Dossier, on: date) -> dict[str, list[str]]:
    """Everything a submission on `on` would refuse, by field ("" for what belongs to none); {} if it would pass."""
    try:
        _check_submit(dossier, on)
    except Invalid as exc:
        return exc.errors or {"": [exc.message]}
    return {}


def rule_warnings(dossier: Dossier, on: date) -> dict[str, list[str]]:
    """The kind's rules a draft breaks as it stands, by field, judged as a submission on `on` would be (its fields
    still empty aside): what the union is told when it saves, long before it submits."""
    kind = dossier.kind_spec
    rule_set = rule_set_for(kind.code, dossier.organisation, on)
    if rule_set is None:
        return {}
    return kind.check_rules(dossier.data, RuleContext(on=on, params=rule_set.parsed_params(), dossier=dossier))


def _prepare_submit(dossier: Dossier, on: date) -> None:
    kind = dossier.kind_spec
    rule_set, route, steps = _check_submit(dossier, on)
    _hold_dedup_key(kind, dossier)
    if steps is not None:
        dossier.route, dossier.steps = route, steps
    dossier.position = 0
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


def fire(actor, dossier: Dossier, event: str, *, version, comment: str | None = None,
         granted_amount_vnd=None) -> Dossier:
    """Fire one event on one dossier. Forwarding goes through the batches package (a batch of one or more)."""
    if event == "forward":
        raise Invalid(gettext("Thao tác không hợp lệ."), {"event": [gettext(
            "Hồ sơ được chuyển lên cấp trên theo đợt chuyển (POST /api/v1/batches).")]})
    comment = clean_comment(comment)
    on = clock.today()
    if event in ("accept", "reject", "refer_back"):
        from_state = dossier.state
        row = decide_one(actor, dossier, event, version=version, comment=comment,
                         granted_amount_vnd=granted_amount_vnd, on=on)
        if event == "accept":
            decision = documents.issue_decision(actor, [dossier], comment, on)
            row = record(actor, dossier, event, from_state, comment, decision)
        return dossier
    machine = machine_for(actor, dossier, event)
    check_version(dossier, version)
    if event == "submit":
        _prepare_submit(dossier, on)
        place_submission(dossier, on)
    from_state = dossier.state
    issuer = dossier.organisation if event == "submit" else actor.organisation
    send(machine, event, comment)
    document = documents.issue_for_event(actor, dossier, event, comment, on, issuer)
    snapshot = dict(dossier.data) if event == "submit" else None
    row = record(actor, dossier, event, from_state, comment, document, snapshot=snapshot)
    if event == "submit":
        arrive(dossier, dossier.route_steps[0].organisation_id, row)
    return dossier


# --- the tree changed ---------------------------------------------------------------------------------------------

def close_dossier(actor, dossier: Dossier, reason: str, ended: Organisation) -> None:
    """The union was dissolved with no successor: its open dossier ends, with the reason on its history."""
    machine = DossierWorkflow(dossier, actor)
    from_state = dossier.state
    send(machine, "close", reason)
    record(actor, dossier, "close", from_state, reason, None, organisation_id=ended.id)


def transfer_dossier(actor, dossier: Dossier, ended: Organisation, successor: Organisation, reason: str) -> bool:
    """`ended` ended and `successor` takes over: on the dossier's route the successor takes the ended
    organisation's place, behind the dossier too (a referral or a resubmission may come back to that level; when
    the successor is already the next level, the two steps become one); the union's own dossiers change hands
    when the union itself ended. Nothing is re-issued. Returns whether anything moved."""
    waiting_at = dossier.current_org_id
    moved = False
    if dossier.organisation_id == ended.id:
        dossier.organisation_id, dossier.organisation = successor.id, successor
        moved = True
    if any(s.organisation_id == ended.id for s in dossier.steps):
        _replace_in_route(dossier, ended, successor)
        moved = True
    if not moved:
        return False
    machine = DossierWorkflow(dossier, actor)
    from_state = dossier.state
    send(machine, "transfer", reason)
    dossier.updated_at = clock.utcnow()  # a change even when no column moved: what was read before is stale
    moved_here = waiting_at == ended.id and dossier.current_org_id == successor.id
    row = record(actor, dossier, "transfer", from_state, reason, None, organisation_id=successor.id,
                 moved_here=moved_here)
    if moved_here:
        access = access_of(viewer_for(ended.id, owner_side=False), dossier)
        arrive(dossier, successor.id, access.sent_event if access else row)
    return True


def take_over_access(ended: Organisation, successor: Organisation) -> None:
    """The successor sees what the ended organisation saw: an access row like its own for every dossier that
    reached the ended organisation and not the successor (nothing waits there: what waited has moved), and where
    the successor had been sent the dossier before the ended organisation was last, the later sending."""
    db.session.flush()
    table = DossierAccess.__table__
    copied = [c.name for c in table.columns if c.name not in ("organisation_id", "task")]
    theirs = sa.select(table.c.dossier_id).where(table.c.organisation_id == successor.id)
    db.session.execute(sa.insert(table).from_select(
        ["organisation_id", *copied],
        sa.select(sa.literal(successor.id), *(table.c[name] for name in copied))
        .where(table.c.organisation_id == ended.id, table.c.dossier_id.not_in(theirs))))
    ended_row = sa.orm.aliased(DossierAccess)
    for own, later in db.session.execute(
            sa.select(DossierAccess, ended_row)
            .join(ended_row, sa.and_(ended_row.dossier_id == DossierAccess.dossier_id,
                                     ended_row.organisation_id == ended.id))
            .where(DossierAccess.organisation_id == successor.id,
                   ended_row.sent_event_id > DossierAccess.sent_event_id)).all():
        own.sent_event = later.sent_event  # its list columns follow on the flush (lists/entries.py)
    db.session.flush()
    db.session.expire_all()  # loaded dossiers' access lists do not hold the rows inserted above


def _replace_in_route(dossier: Dossier, ended: Organisation, successor: Organisation) -> None:
    specs = [[successor if s.organisation_id == ended.id else s.organisation, s.role, s.decides_up_to_vnd]
             for s in dossier.steps]
    merged, position = [], dossier.position
    for index, spec in enumerate(specs):
        if index + 1 < len(specs) and specs[index + 1][0].id == spec[0].id:
            # The same organisation twice in a row: the later (higher) role stands, and a dossier at the dropped
            # step is at the kept one.
            if position is not None and index < dossier.position:
                position -= 1
            continue
        merged.append(spec)
    dossier.steps = [DossierStep(position=i, organisation=org, organisation_id=org.id, role=role,
                                 decides_up_to_vnd=up_to) for i, (org, role, up_to) in enumerate(merged)]
    dossier.position = position
    db.session.flush()


# --- attachments --------------------------------------------------------------------------------------------

def add_attachment(actor, dossier: Dossier, attachment_type, filename: str | None, data: bytes) -> Attachment:
    """Attach a supporting paper to an editable dossier: checked by content and size, stored by SHA-256."""
    if not can_edit(actor, dossier):
        if actor.role == "officer" and dossier.organisation_id == actor.organisation_id:
            raise Conflict(gettext("Hồ sơ đã nộp: tệp đính kèm không thể thay đổi."))
        raise Forbidden(gettext("Bạn không có quyền thêm tệp vào hồ sơ này."))
    check_not_awaiting_signature(actor, dossier)
    kind = dossier.kind_spec
    if not isinstance(attachment_type, str) or attachment_type not in kind.attachment_types:
        raise Invalid(gettext("Loại tệp không hợp lệ."), {"attachment_type": [gettext(
            "Chọn một trong: %(choices)s.",
            choices="; ".join(gettext(label) for label, _ in kind.attachment_types.values()))]})
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if len(data) > limit:
        megabytes = limit // (1024 * 1024)
        raise TooLarge(gettext("Tệp lớn hơn %(mb)s MB.", mb=megabytes),
                       {"file": [gettext("Mỗi tệp tối đa %(mb)s MB.", mb=megabytes)]})
    count_limit = current_app.config["MAX_DOSSIER_ATTACHMENTS"]
    if len(dossier.attachments) >= count_limit:  # each is a sheet or more of the bundle: their number is bounded too
        raise Invalid(gettext("Hồ sơ đã đủ số tệp đính kèm."), {"file": [
            gettext("Mỗi hồ sơ tối đa %(count)s tệp đính kèm; hãy gộp các trang vào một tệp PDF.", count=count_limit)]})
    if not data:
        raise Invalid(gettext("Tệp rỗng."), {"file": [gettext("Chọn một tệp để tải lên.")]})
    found = uploads.inspected(data)  # a large image downscaled: what is stored, and counted, is found.data
    total_limit = current_app.config["MAX_DOSSIER_ATTACHMENT_BYTES"]
    if sum(a.size for a in dossier.attachments) + len(found.data) > total_limit:
        raise TooLarge(gettext("Vượt dung lượng tệp của hồ sơ."), {"file": [
            gettext("Tổng dung lượng tệp của một hồ sơ tối đa %(mb)s MB.", mb=total_limit // (1024 * 1024))]})
    attachment = Attachment(
        dossier=dossier, attachment_type=attachment_type, filename=uploads.safe_filename(filename, found.content_type),
        content_type=found.content_type, size=len(found.data), page_count=found.page_count,
        sha256=storage.store(found.data), round=dossier.round + 1, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_attachment(actor, attachment: Attachment) -> None:
    """Take back a file of the round not yet submitted; submitted rounds are frozen."""
    dossier = attachment.dossier
    if not can_edit(actor, dossier) or attachment.round <= dossier.round:
        raise Conflict(gettext("Tệp đã nộp cùng hồ sơ, không thể xóa."))
    check_not_awaiting_signature(actor, dossier)
    db.session.delete(attachment)
    db.session.flush()


def missing_attachments(dossier: Dossier) -> list[str]:
    """Labels (translated) of the required attachment types the dossier has no file of (any round counts)."""
    present = {a.attachment_type for a in dossier.attachments}
    return [gettext(label) for code, label in dossier.kind_spec.required_attachments(dossier.data).items()
            if code not in present]


def get_attachment(actor, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view(actor, attachment.dossier) or attachment not in attachments_seen_by(
            actor, attachment.dossier):
        raise NotFound(gettext("Không tìm thấy tệp."))
    return attachment
