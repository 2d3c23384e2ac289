"""An organisation's official report on a plan (Báo cáo tổng kết, BC): the document it issued and sent to its
parent, and the figures as they stood that day."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import JSONType, db


class CampaignReport(db.Model):
    """A report issued once and never changed: a corrected one is a new row for the same plan and phase, the newest
    being the current one. `figures` is what the document prints (official.frozen_figures), kept with it so that
    the figures sent up are read without the PDF and without counting again."""

    __tablename__ = "campaign_report"
    __table_args__ = (sa.Index("ix_campaign_report_organisation_campaign", "organisation_id", "campaign_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_phase.id"))  # None: the whole plan
    # Its parent on the day of issue, to whom it is sent; None at the top of the tree (sent to nobody).
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id"), unique=True)
    figures: Mapped[dict] = mapped_column(JSONType)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    recipient = relationship("Organisation", foreign_keys=[recipient_id])
    campaign = relationship("Campaign")
    phase = relationship("CampaignPhase")
    document = relationship("Document")
    issued_by = relationship("User")
