from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User, utcnow
from ..extensions import JSONType, db
from ..orgs.models import Organisation
from ..campaigns.models import Campaign, CampaignPhase
from ..states import STATES



class RuleSet(db.Model):
    """Limits behind a kind's rules, for a jurisdiction (an organisation and everything under it) and a period."""

    __tablename__ = "rule_set"
    __table_args__ = (sa.UniqueConstraint("kind", "jurisdiction_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    basis: Mapped[str] = mapped_column(sa.String(300))  # the regulation, e.g. "QĐ 378/QĐ-TLĐ ngày 28/3/2014"
    params: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Organisation] = relationship()

    def parsed_params(self):
        """The parameters as the kind's Params model (validated when the rule set was added)."""
        from .kinds import KINDS

        return KINDS[self.kind].Params.model_validate(self.params)


batch_dossier = sa.Table(
    "batch_dossier",
    db.metadata,
    sa.Column("batch_id", sa.ForeignKey("batch.id"), primary_key=True),
    sa.Column("dossier_id", sa.ForeignKey("dossier.id"), primary_key=True, index=True),
)


class Batch(db.Model):
    """Approved dossiers of one kind that a reviewing organisation forwarded together."""

    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    # The batch's Tờ trình: the one document issued for the batch itself rather than for a dossier.
    document = relationship(
        "Document", primaryjoin="and_(Document.batch_id == Batch.id, Document.doc_type == 'TTr')",
        uselist=False, viewonly=True)
    # Fixed once forwarded: a dossier referred back and forwarded again joins a new batch as well.
    dossiers: Mapped[list[Dossier]] = relationship(secondary=batch_dossier, back_populates="batches",
                                                   order_by="Dossier.id")

    def progress(self) -> dict:
        """How far the province has got: pending (still forwarded), accepted, rejected, referred back."""
        counts = {"total": len(self.dossiers), "pending": 0, "accepted": 0, "rejected": 0, "referred_back": 0}
        for dossier in self.dossiers:
            if dossier.batch is not self:
                counts["referred_back"] += 1  # sent up again in a later batch
            elif dossier.state == "forwarded":
                counts["pending"] += 1
            elif dossier.state in ("accepted", "rejected"):
                counts[dossier.state] += 1
            else:
                counts["referred_back"] += 1
        counts["status"] = "new" if counts["pending"] == counts["total"] else "done" if counts["pending"] == 0 else "in_progress"
        return counts


class Dossier(db.Model):
    __tablename__ = "dossier"
    __table_args__ = (
        sa.CheckConstraint("state IN ({})".format(", ".join(f"'{s}'" for s in STATES)), name="state"),
        # Counts by state (home pages); `round` for the district's visibility.
        sa.Index("ix_dossier_org_state", "organisation_id", "state", "round"),
        # The list (listing.py) from the index alone: a union's dossiers newest first or by name, each with every
        # column that a visibility rule or a filter reads, so that counting, filtering, sorting and skipping to a
        # page never read a dossier's row (and its JSON) from the table; only the page's own rows are read.
        # SQLite, which keeps no statistics, picks the narrowest index that holds all a query reads: so no other
        # index may hold updated_at or subject without the filter columns.
        sa.Index("ix_dossier_list", "organisation_id", "updated_at", "id", "state", "kind", "submitted_late",
                 "campaign_id", "submitted_on", "round", "citizen_id", "search_text"),
        sa.Index("ix_dossier_list_by_name", "organisation_id", "subject", "id", "state", "kind", "submitted_late",
                 "campaign_id", "submitted_on", "round", "citizen_id", "search_text"),
        # PostgreSQL only (its planner weighs them with statistics; SQLite's, without, would not pick them): the
        # dossiers of many unions in each order of the list, and names found anywhere in search_text (LIKE '%…%').
        sa.Index("ix_dossier_updated", "updated_at", "id", "organisation_id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_subject", "subject", "id", "organisation_id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_submitted", sa.text("submitted_on DESC NULLS LAST"), sa.text("id DESC"),
                 "organisation_id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_search_text_trgm", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    # Written only by DossierWorkflow (workflow/states.py).
    state: Mapped[str] = mapped_column(sa.String(20), default="draft")
    version: Mapped[int] = mapped_column(nullable=False)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The data as last submitted: what the district and province see while the union edits a returned
    # dossier (the rounds themselves are in the history's snapshots).
    submitted_data: Mapped[dict | None] = mapped_column(JSONType)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set at each submission: the date the rules are judged on, and the rule set they came from.
    submitted_on: Mapped[date | None]
    round: Mapped[int] = mapped_column(default=0)
    rule_set_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rule_set.id"))
    granted_amount_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The plan the dossier answers; its phase and lateness are fixed at the first submission.
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_phase.id"))
    submitted_late: Mapped[bool] = mapped_column(default=False)
    # Kept in step with `data` on every flush (see index_for_search), for lists, sorting and free-text search.
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    search_text: Mapped[str] = mapped_column(sa.String(600), default="")
    citizen_id: Mapped[str | None] = mapped_column(sa.String(12), index=True)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    rule_set: Mapped[RuleSet | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    phase: Mapped[CampaignPhase | None] = relationship()
    # Set from submission until rejected or withdrawn, for kinds that allow one active dossier per key
    # (one accident aid per person per occasion); unique across every union.
    dedup_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)

    attachments: Mapped[list[Attachment]] = relationship(back_populates="dossier", order_by="Attachment.id")
    batches: Mapped[list[Batch]] = relationship(secondary=batch_dossier, back_populates="dossiers", order_by="Batch.id")
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.id", cascade="save-update, merge"
    )
    documents = relationship("Document", secondary="document_dossier", back_populates="dossiers", order_by="Document.id")

    @property
    def reviewing_org_id(self) -> int | None:
        return self.organisation.parent_id

    @property
    def deciding_org_id(self) -> int | None:
        return self.organisation.grandparent_id

    @property
    def batch(self) -> Batch | None:
        """The batch it was last forwarded in."""
        return self.batches[-1] if self.batches else None

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    def __repr__(self):
        return f"<Dossier {self.id} {self.kind} {self.state}>"


class DossierEvent(db.Model):
    """One row per fired event; append-only (see workflow/immutability.py)."""

    __tablename__ = "dossier_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier.id"), index=True)
    event: Mapped[str] = mapped_column(sa.String(20))
    from_state: Mapped[str] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))  # acting for
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    round: Mapped[int]
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document.id"))
    # At submit: the data as submitted, so that rounds can be compared.
    data_snapshot: Mapped[dict | None] = mapped_column(JSONType)

    dossier: Mapped[Dossier] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
    document = relationship("Document", foreign_keys=[document_id])


class Attachment(db.Model):
    """A supporting paper. It belongs to the round it will be submitted in; once that round is submitted
    it is frozen (a returned dossier gets new files in a new round, the old ones stay in the history)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier.id"), index=True)
    attachment_type: Mapped[str] = mapped_column(sa.String(40))
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    page_count: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    round: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship()
