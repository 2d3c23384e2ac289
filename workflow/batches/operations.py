"""Sending approved dossiers up to the next level of their route, and deciding there on what a batch brought."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..dossiers import documents
from ..dossiers.models import Batch, DossierEvent, batch_dossier, outcome_after
from ..dossiers.notices import notify_batch_received
from ..dossiers.operations import (
    arrive,
    check_version,
    clean_comment,
    data_sent_to,
    decide_one,
    get_dossier,
    machine_for,
    record,
)
from ..dossiers.visibility import batch_condition, viewer_of
from ..errors import STALE_MESSAGE, Invalid, NotFound, OperationError
from ..extensions import db
from ..formatting import is_id


def forward_dossiers(actor, dossier_ids: list[int], versions: dict | None = None) -> Batch:
    """Send approved dossiers of one kind, waiting at the actor's organisation, to the next level of their
    route, with one Tờ trình and its list."""
    if not isinstance(dossier_ids, list) or not dossier_ids or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in dossier_ids):
        raise Invalid(gettext("Chưa chọn hồ sơ."),
                      {"dossier_ids": [gettext("Chọn ít nhất một hồ sơ (danh sách mã số).")]})
    if len(set(dossier_ids)) != len(dossier_ids):
        raise Invalid(gettext("Hồ sơ bị trùng."), {"dossier_ids": [gettext("Mỗi hồ sơ chỉ được chọn một lần.")]})
    dossiers = [get_dossier(actor, i) for i in dossier_ids]
    if len({d.kind for d in dossiers}) > 1:
        raise Invalid(gettext("Các hồ sơ khác loại."),
                      {"dossier_ids": [gettext("Một lần chuyển chỉ gồm các hồ sơ cùng một loại.")]})
    machines = [machine_for(actor, d, "forward") for d in dossiers]
    for dossier in dossiers:
        if versions and dossier.id in versions:
            check_version(dossier, versions[dossier.id])
    recipients = {d.next_step.organisation_id: d.next_step.organisation for d in dossiers}
    if len(recipients) > 1:
        raise Invalid(gettext("Các hồ sơ được chuyển đến các cấp khác nhau."), {"dossier_ids": [gettext(
            "Một lần chuyển chỉ gồm các hồ sơ chuyển đến cùng một cấp: %(names)s.",
            names="; ".join(org.name for org in recipients.values()))]})
    (recipient,) = recipients.values()
    on = clock.today()
    sent = {d.id: data_sent_to(actor.organisation_id, d) for d in dossiers}  # what goes up: what came in
    batch = Batch(kind=dossiers[0].kind, organisation_id=actor.organisation_id, organisation=actor.organisation,
                  recipient_id=recipient.id, recipient=recipient, created_by_id=actor.id, dossiers=dossiers)
    db.session.add(batch)
    for machine in machines:
        machine.send("forward")
        machine.dossier.position += 1
    db.session.flush()
    document = documents.issue_for_batch(actor, batch, on)
    for dossier in dossiers:
        row = record(actor, dossier, "forward", "approved", None, document, snapshot=sent[dossier.id], batch=batch)
        arrive(dossier, recipient.id, row)
    notify_batch_received(batch)
    db.session.flush()
    return batch


DECISIONS = ("accept", "reject", "refer_back")


def decide_in_batch(actor, batch: Batch, event: str, items: list[dict],
                    comment: str | None = None) -> tuple[list, object]:
    """The recipient decides several dossiers of a batch at once. Each item stands alone: one refused (stale
    version, amount over the request, already decided) does not undo the others. The accepted ones share one
    Quyết định; each rejection or referral gets its own Thông báo. Returns (results, the Quyết định or None)."""
    if event not in DECISIONS:
        raise Invalid(gettext("Thao tác không hợp lệ."),
                      {"event": [gettext("Một trong: %(choices)s.", choices=", ".join(DECISIONS))]})
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise Invalid(gettext("Chưa chọn hồ sơ."), {"items": [gettext("Chọn ít nhất một hồ sơ.")]})
    comment = clean_comment(comment)
    members = {d.id: d for d in batch.pending()}
    on = clock.today()
    results, accepted = [], []
    for item in items:
        dossier_id = item.get("dossier_id")
        try:
            dossier = members.get(dossier_id) if type(dossier_id) is int else None  # noqa: E721 (not bool)
            if dossier is None:
                raise NotFound(gettext("Hồ sơ không thuộc đợt chuyển này hoặc đã được xử lý."))
            with db.session.begin_nested():  # undone alone if this item fails
                from_state = dossier.state
                decide_one(actor, dossier, event, version=item.get("version"), comment=comment,
                           granted_amount_vnd=item.get("granted_amount_vnd"), on=on)
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
        decision = documents.issue_decision(actor, [d for d, _ in accepted], comment, on, batch=batch)
        for dossier, from_state in accepted:
            record(actor, dossier, "accept", from_state, comment, decision)
        db.session.flush()
    return results, decision


def decision_problems(actor, batch: Batch, event, items: list[dict], comment) -> tuple[dict, dict[int, list[str]]]:
    """What deciding `items` of the batch would refuse, found before its confirmation page; nothing changes.
    Returns the problems of the decision as a whole ({"event"|"comment": [...]}) and each item's by dossier id, so
    that the page names the dossier of each (the items are decide_in_batch's)."""
    from ..dossiers.operations import granted_amount_problem
    from ..states import EVENTS_NEEDING_REASON

    general: dict[str, list[str]] = {}
    if event not in DECISIONS:
        general["event"] = [gettext("Chọn một quyết định: chấp thuận, không chấp thuận hoặc chuyển lại.")]
    elif event in EVENTS_NEEDING_REASON and not (comment or "").strip():
        general["comment"] = [gettext("Vui lòng nhập lý do.")]
    members = {d.id: d for d in batch.pending()}
    rows: dict[int, list[str]] = {}
    for item in items:
        dossier, problems = members.get(item.get("dossier_id")), []
        if dossier is None:
            problems.append(gettext("Hồ sơ không thuộc đợt chuyển này hoặc đã được xử lý."))
        elif event in DECISIONS:
            try:
                machine_for(actor, dossier, event)
                check_version(dossier, item.get("version"))
            except OperationError as exc:
                problems.append(exc.message)
            requested = dossier.requested_amount
            if not problems and event == "accept" and requested is not None:
                problem = granted_amount_problem(requested, item.get("granted_amount_vnd"))
                if problem is not None:
                    problems.append(problem[1])
        if problems:
            rows[item.get("dossier_id")] = problems
    return general, rows


def batches_of(actor):
    """A select of the batches the actor's organisation sent or received, newest first."""
    return (sa.select(Batch).where(batch_condition(viewer_of(actor)))
            .options(selectinload(Batch.organisation), selectinload(Batch.recipient), selectinload(Batch.document))
            .order_by(Batch.id.desc()))


def progress_of(batches: list[Batch]) -> dict[int, dict]:
    """Each batch's progress (Batch.progress) by id, from its dossiers' history read as event names alone: no
    dossier, event or snapshot is loaded, however many the batches hold."""
    ids = [b.id for b in batches]
    if not ids:
        return {}
    members = db.session.execute(sa.select(batch_dossier.c.batch_id, batch_dossier.c.dossier_id)
                                 .where(batch_dossier.c.batch_id.in_(ids))).all()
    trails: dict[int, list[tuple[str, int | None]]] = {}
    for dossier_id, event, batch_id in db.session.execute(
            sa.select(DossierEvent.dossier_id, DossierEvent.event, DossierEvent.batch_id)
            .where(DossierEvent.dossier_id.in_({dossier_id for _, dossier_id in members}))
            .order_by(DossierEvent.id)):
        trails.setdefault(dossier_id, []).append((event, batch_id))
    outcomes: dict[int, list[str]] = {batch_id: [] for batch_id in ids}
    for batch_id, dossier_id in members:
        outcomes[batch_id].append(outcome_after(trails.get(dossier_id, []), batch_id))
    return {b.id: b.progress(outcomes[b.id]) for b in batches}


def get_batch(actor, batch_id) -> Batch:
    from ..dossiers.visibility import can_view_batch

    batch = db.session.get(Batch, batch_id) if is_id(batch_id) else None
    if batch is None or not can_view_batch(actor, batch):
        raise NotFound(gettext("Không tìm thấy đợt chuyển hồ sơ."))
    return batch
