"""Plans (Kế hoạch) that call for dossiers, in phases with deadlines."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import JSONType, db
from ..orgs.models import Organisation


class Campaign(db.Model):
    """A plan issued by a federation ("Kế hoạch số 45/KH-LĐLĐ ngày 15/9/2017 của LĐLĐ tỉnh Bình Phước"); it applies
    to the unions under its issuer, for the kinds it lists (none listed: every kind)."""
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    plan_number: Mapped[str] = mapped_column(sa.String(60))
    plan_date: Mapped[date]
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    kinds: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    issuer: Mapped[Organisation] = relationship()
    phases: Mapped[list[CampaignPhase]] = relationship(back_populates="campaign", order_by="CampaignPhase.ends_on",
                                                       cascade="all, delete-orphan")

    def covers(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds

    def phase_for(self, day: date) -> CampaignPhase | None:
        """The phase a submission on `day` belongs to: the first whose deadline has not passed, else the last."""
        for phase in self.phases:
            if day <= phase.ends_on:
                return phase
        return self.phases[-1] if self.phases else None

    def open_phase(self, day: date) -> CampaignPhase | None:
        return next((p for p in self.phases if (p.starts_on is None or p.starts_on <= day) and day <= p.ends_on), None)

    @property
    def final_deadline(self) -> date | None:
        return self.phases[-1].ends_on if self.phases else None

    @property
    def reference(self) -> str:
        return f"{self.plan_number} ngày {self.plan_date:%d/%m/%Y}"


class CampaignPhase(db.Model):
    __tablename__ = "campaign_phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date]  # the unions' submission deadline

    campaign: Mapped[Campaign] = relationship(back_populates="phases")
