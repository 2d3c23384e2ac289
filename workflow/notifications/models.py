from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clock import utcnow
from ..extensions import JSONType, db


class Notification(db.Model):
    """One item in one user's inbox. The text is rendered when read, in the reader's language, from `topic` and
    `params` (ids, names, the reason) so that switching language translates old items too."""
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    topic: Mapped[str] = mapped_column(sa.String(30))
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    dossier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dossier.id"))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"))
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign.id"))  # a plan's report page
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
