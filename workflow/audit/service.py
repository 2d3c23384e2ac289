"""Writing and reading the administration's audit rows."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import AdminChange, plain


def snapshot(obj, fields) -> dict:
    """The named attributes of a row, as an audit row stores them."""
    return {name: plain(getattr(obj, name)) for name in fields}


def record(actor, action: str, subject_type: str, subject_id: int, organisation_id: int | None,
           before: dict | None = None, after: dict | None = None) -> AdminChange:
    """One audit row in the current transaction: it commits or rolls back with the change it describes."""
    row = AdminChange(actor_id=getattr(actor, "id", None), action=action, subject_type=subject_type,
                      subject_id=subject_id, organisation_id=organisation_id,
                      before={k: plain(v) for k, v in before.items()} if before is not None else None,
                      after={k: plain(v) for k, v in after.items()} if after is not None else None)
    db.session.add(row)
    return row


def changes_of(subject_type: str, subject_id: int, limit: int = 100) -> list[AdminChange]:
    return list(db.session.scalars(
        sa.select(AdminChange).where(AdminChange.subject_type == subject_type, AdminChange.subject_id == subject_id)
        .options(selectinload(AdminChange.actor)).order_by(AdminChange.id.desc()).limit(limit)))
