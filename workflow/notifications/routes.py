"""The user's notifications: newest first; opening one marks it read and goes to what it is about."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..clock import utcnow
from ..extensions import db
from ..formatting import page_number
from ..transaction import unit_of_work
from .models import Notification
from .service import link_of, message

bp = Blueprint("notifications", __name__)


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None)))


@bp.app_context_processor
def notification_helpers():
    return {"unread_notification_count": unread_count, "notification_message": message}


@bp.get("/notifications")
@login_required
def index():
    items = db.paginate(sa.select(Notification).where(Notification.user_id == current_user.id)
                        .order_by(Notification.id.desc()),
                        page=page_number(request.args.get("page", 1, type=int), 30), per_page=30, error_out=False)
    return render_template("notifications/index.html", items=items)


def _own(notification_id: int) -> Notification:
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != current_user.id:
        abort(404)
    return item


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_item(notification_id):
    with unit_of_work():  # on SQLite a writer's transaction (BEGIN IMMEDIATE): never a write on a stale snapshot
        item = _own(notification_id)
        item.read_at = item.read_at or utcnow()
    endpoint, values = link_of({"dossier_id": item.dossier_id, "batch_id": item.batch_id,
                                "campaign_id": item.campaign_id})
    return redirect(url_for(endpoint, **values), 303)


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    with unit_of_work():
        db.session.execute(sa.update(Notification).where(Notification.user_id == current_user.id,
                                                         Notification.read_at.is_(None)).values(read_at=utcnow()))
    return redirect(url_for(".index"), 303)
