from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..auth.models import User
from ..campaigns.models import Campaign, CampaignPhase
from ..clock import utcnow
from ..extensions import JSONType, db
from ..orgs.models import Organisation
from ..states import STATES, WAITING_STATES
from .kinds import KINDS

# What a list filter reads, after the sort key and the id, in every list index of dossier_access.
FILTER_COLUMNS = ("state", "kind", "submitted_late", "campaign_id", "union_id", "task", "citizen_id", "search_text")


class DatedForJurisdiction:
    """What a rule set and a route share: a kind, a jurisdiction (an organisation and everything under it), a
    period and the regulation behind it. For a dossier, the nearest jurisdiction's one in force wins
    (rules.nearest_in_force)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    basis: Mapped[str] = mapped_column(sa.String(300))  # the regulation, e.g. "QĐ 378/QĐ-TLĐ ngày 28/3/2014"
    # The same regulation as a document's "Căn cứ" cites it: {"type", "number", "date", "issuer", "subject"}
    # (citations.Citation); None where only the text above is known.
    citation: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def jurisdiction(cls) -> Mapped[Organisation]:
        return relationship()


class RuleSet(DatedForJurisdiction, db.Model):
    """Limits behind a kind's rules."""

    __tablename__ = "rule_set"
    __table_args__ = (sa.UniqueConstraint("kind", "jurisdiction_id", "valid_from"),)

    params: Mapped[dict] = mapped_column(JSONType)
    fund: Mapped[str | None] = mapped_column(sa.String(300))  # who pays: "Quỹ Xã hội Công đoàn tỉnh Bình Phước"

    def parsed_params(self):
        """The parameters as the kind's Params model (validated when the rule set was added)."""
        return KINDS[self.kind].Params.read_stored(self.params)


class Route(DatedForJurisdiction, db.Model):
    """Who acts on a kind's dossiers: the levels above the grassroots union, in order, each reviewing or deciding,
    the last one deciding; a reviewing level may decide itself up to an amount. `steps` is a list of {"level",
    "role", "decides_up_to_vnd"} (see routing.RouteSteps); `basis` is the regulation that gives them the say."""

    __tablename__ = "route"
    __table_args__ = (sa.UniqueConstraint("kind", "jurisdiction_id", "valid_from"),)

    steps: Mapped[list] = mapped_column(JSONType)


batch_dossier = sa.Table(
    "batch_dossier",
    db.metadata,
    sa.Column("batch_id", sa.ForeignKey("batch.id"), primary_key=True),
    sa.Column("dossier_id", sa.ForeignKey("dossier.id"), primary_key=True, index=True),
)


class Batch(db.Model):
    """Approved dossiers of one kind that one organisation (the sender) forwarded together to the next level of
    their route (the recipient)."""

    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)  # the sender
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    recipient: Mapped[Organisation] = relationship(foreign_keys=[recipient_id])
    created_by: Mapped[User] = relationship()
    # The batch's Tờ trình: the one document issued for the batch itself rather than for a dossier.
    document = relationship(
        "Document", primaryjoin="and_(Document.batch_id == Batch.id, Document.doc_type == 'TTr')",
        uselist=False, viewonly=True)
    # Fixed once forwarded: a dossier referred back and forwarded again joins a new batch as well.
    dossiers: Mapped[list[Dossier]] = relationship(secondary=batch_dossier, back_populates="batches",
                                                   order_by="Dossier.id")

    @property
    def kind_spec(self):
        return KINDS[self.kind]

    def outcome(self, dossier: Dossier) -> str:
        return outcome_after(((row.event, row.batch_id) for row in dossier.events), self.id)

    def pending(self) -> list[Dossier]:
        return [d for d in self.dossiers if self.outcome(d) == "pending"]

    def progress(self, outcomes: list[str] | None = None) -> dict:
        """Counts of its dossiers' outcomes (given, or read from each dossier's history) and a status."""
        outcomes = [self.outcome(d) for d in self.dossiers] if outcomes is None else outcomes
        counts = {"total": len(outcomes), "pending": 0, "approved": 0, "accepted": 0, "rejected": 0, "sent_back": 0}
        for outcome in outcomes:
            counts[outcome] += 1
        counts["status"] = ("new" if counts["pending"] == counts["total"]
                            else "done" if counts["pending"] == 0 else "in_progress")
        return counts


def outcome_after(trail, batch_id: int) -> str:
    """What the recipient of batch `batch_id` did with a dossier, from its history's (event, batch id) pairs in
    order: the first step taken after this batch brought it (a move to a successor organisation is no step):
    pending (nothing yet), approved (and sent on up), accepted, rejected, or sent back (referred back, returned
    to the union, withdrawn or closed)."""
    after = False
    for event, in_batch in trail:
        if event == "forward" and in_batch == batch_id:
            after = True
        elif after and event != "transfer":
            return {"approve": "approved", "accept": "accepted", "reject": "rejected"}.get(event, "sent_back")
    return "pending" if after else "sent_back"


class Dossier(db.Model):
    __tablename__ = "dossier"
    __table_args__ = (
        sa.CheckConstraint("state IN ({})".format(", ".join(f"'{s}'" for s in STATES)), name="state"),
        # Counts by state (an officer's home page). PostgreSQL (migration 20cfa9650a62, a million dossiers): with
        # the submission date, id and plan, the dossiers of a state oldest first (those waiting are the newest: in
        # date order every other dossier comes first), the officer's home's drafts and returned ones, and how many
        # of them answer a plan whose deadline passed; by plan; the few submitted late. SQLite keeps its own.
        sa.Index("ix_dossier_org_state", "organisation_id", "state", "round").ddl_if(dialect="sqlite"),
        sa.Index("ix_dossier_org_state", "organisation_id", "state", "submitted_on", "id",
                 "campaign_id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_plan", "organisation_id", "campaign_id", "submitted_on",
                 "id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_late", "organisation_id", "updated_at", "id", "campaign_id",
                 postgresql_where=sa.text("submitted_late")).ddl_if(dialect="postgresql"),
        # A union's own list (lists/query.py) from the index alone: its dossiers newest first or by name, each with
        # every column that a filter reads, so that counting, filtering, sorting and skipping to a page never read a
        # dossier's row (and its JSON) from the table; only the page's own rows are read. An upper organisation's
        # lists read its entries in dossier_access instead (indexed the same way).
        # SQLite, which keeps no statistics, picks the narrowest index that holds all a query reads: so no other
        # index may hold updated_at or subject without the filter columns.
        sa.Index("ix_dossier_list", "organisation_id", "updated_at", "id", "state", "kind", "submitted_late",
                 "campaign_id", "submitted_on", "round", "citizen_id", "search_text"),
        sa.Index("ix_dossier_list_by_name", "organisation_id", "subject", "id", "state", "kind", "submitted_late",
                 "campaign_id", "submitted_on", "round", "citizen_id", "search_text"),
        # PostgreSQL: newest submission first with the drafts last ("Ngày nộp", a date range).
        sa.Index("ix_dossier_list_by_date", "organisation_id", sa.text("submitted_on DESC NULLS LAST"),
                 sa.text("id DESC"), "state", "kind", "submitted_late", "campaign_id", "round", "citizen_id",
                 "search_text").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))  # the union that owns it
    # Written only by DossierWorkflow (workflow/states.py).
    state: Mapped[str] = mapped_column(sa.String(20), default="draft")
    version: Mapped[int] = mapped_column(nullable=False)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The data as last submitted (the rounds themselves are in the history's snapshots; what each organisation
    # was sent is in its access row, see visibility.py).
    submitted_data: Mapped[dict | None] = mapped_column(JSONType)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set at each submission: the date the rules are judged on, and the rule set they came from.
    submitted_on: Mapped[date | None]
    round: Mapped[int] = mapped_column(default=0)
    rule_set_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rule_set.id"))
    # Set at the first submission and kept: the route it follows (its steps are in dossier_step), and where on it
    # the dossier is now (the step's index; 0 at the first level above the union).
    route_id: Mapped[int | None] = mapped_column(sa.ForeignKey("route.id"))
    position: Mapped[int | None]
    granted_amount_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The money asked for (requested_amount), kept in step on every flush (lists/entries.py) for the reports' sums.
    requested_amount_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The plan the dossier answers; its phase and lateness are fixed at the first submission.
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_phase.id"), index=True)
    submitted_late: Mapped[bool] = mapped_column(default=False)
    # The union's own view for its lists and search, kept in step on every flush (lists/entries.py).
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    search_text: Mapped[str] = mapped_column(sa.String(600), default="")
    citizen_id: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    # Set from submission until rejected, withdrawn or closed, for kinds that allow one active dossier per key
    # (one accident aid per person per occasion); unique across every union.
    dedup_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    rule_set: Mapped[RuleSet | None] = relationship()
    route: Mapped[Route | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    phase: Mapped[CampaignPhase | None] = relationship()
    steps: Mapped[list[DossierStep]] = relationship(order_by="DossierStep.position", cascade="all, delete-orphan")
    access: Mapped[list[DossierAccess]] = relationship(back_populates="dossier", cascade="save-update, merge")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="dossier", order_by="Attachment.id")
    batches: Mapped[list[Batch]] = relationship(secondary=batch_dossier, back_populates="dossiers", order_by="Batch.id")
    # The step waiting for a signature that would change it (signing/step.py): while there is one, nobody acts on it.
    # By name: the signing layer is above this one. Loaded with a list page's dossiers (selectinload).
    open_signing_requests = relationship(
        "SigningRequest", secondary="signing_request_dossier", viewonly=True,
        primaryjoin="Dossier.id == signing_request_dossier.c.dossier_id",
        secondaryjoin="and_(SigningRequest.id == signing_request_dossier.c.signing_request_id, "
                      "SigningRequest.state.in_(('waiting', 'confirming')))")
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.id", cascade="save-update, merge"
    )
    documents = relationship("Document", secondary="document_dossier", back_populates="dossiers",
                             order_by="Document.id")

    @property
    def kind_spec(self):
        """The kind's class (its fields, rules, documents), from the registry."""
        return KINDS[self.kind]

    # --- the route, as the state machine reads it ---------------------------------------------------------
    @property
    def requested_amount(self) -> int | None:
        """The money asked for, as last submitted (what the levels were sent)."""
        return self.kind_spec.requested_amount(self.submitted_data or self.data or {})

    @property
    def route_steps(self) -> list[DossierStep]:
        """The steps that act on this dossier: its route up to the first level that decides for the amount asked."""
        amount = self.requested_amount
        acting = []
        for step in self.steps:
            acting.append(step)
            if step.decides_for(amount):
                break
        return acting

    @property
    def current_step(self) -> DossierStep | None:
        """The step it waits at (submitted, approved or forwarded); None in the union's hands or once decided."""
        steps = self.route_steps
        if self.state in WAITING_STATES and self.position is not None and self.position < len(steps):
            return steps[self.position]
        return None

    @property
    def current_org_id(self) -> int | None:
        step = self.current_step
        return step.organisation_id if step else None

    @property
    def current_step_decides(self) -> bool:
        step = self.current_step
        return step is not None and step.decides_for(self.requested_amount)

    @property
    def has_next_step(self) -> bool:
        return self.position is not None and self.position + 1 < len(self.route_steps)

    @property
    def next_step(self) -> DossierStep | None:
        return self.route_steps[self.position + 1] if self.has_next_step else None

    @property
    def batch(self):
        """The batch it was last forwarded in."""
        return self.batches[-1] if self.batches else None

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    def __repr__(self):
        return f"<Dossier {self.id} {self.kind} {self.state}>"


class DossierStep(db.Model):
    """One level of a dossier's route as resolved at its first submission against its union's chain that day."""

    __tablename__ = "dossier_step"
    __table_args__ = (sa.Index("ix_dossier_step_org", "organisation_id", "dossier_id"),)

    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(sa.String(10))  # review, decide
    decides_up_to_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)  # a reviewing level decides up to this

    organisation: Mapped[Organisation] = relationship()

    def decides_for(self, amount: int | None) -> bool:
        return self.role == "decide" or (
            self.decides_up_to_vnd is not None and amount is not None and amount <= self.decides_up_to_vnd)


class DossierAccess(db.Model):
    """The dossier reached this organisation: from then on it sees the dossier, as it was last sent to it (the
    submit or forward event whose snapshot and round it reads). See visibility.py.

    The row is also the dossier's entry in that organisation's lists: the columns its filters and sorts read,
    copied from the dossier (and, for the names searched, from what this organisation was sent) on every flush
    by lists/entries.py, so that a federation's list is one index range of its own entries, in the order asked,
    however many dossiers reached it."""

    __tablename__ = "dossier_access"
    __table_args__ = (
        sa.Index("ix_dossier_access_list", "organisation_id", "updated_at", "dossier_id", "submitted_on",
                 *FILTER_COLUMNS),
        sa.Index("ix_dossier_access_list_by_name", "organisation_id", "subject", "dossier_id", "submitted_on",
                 *FILTER_COLUMNS),
        sa.Index("ix_dossier_access_list_by_date", "organisation_id", "submitted_on", "dossier_id", *FILTER_COLUMNS),
        # Home page: counts per state and per union, and what waits here, oldest first.
        sa.Index("ix_dossier_access_counts", "organisation_id", "union_id", "state"),
        sa.Index("ix_dossier_access_task", "organisation_id", "task", "arrived_on", "dossier_id",
                 "state").ddl_if(dialect="sqlite"),
        # PostgreSQL (migration 20cfa9650a62, a million dossiers): the few entries with a task (partial), also by
        # submission date (the "waiting here" list, oldest first); filters that match few of a province's 600,000
        # entries or that a date order would reach last, each an index range. SQLite, which keeps no statistics,
        # would pick these narrower indexes for queries they do not order.
        sa.Index("ix_dossier_access_task", "organisation_id", "task", "arrived_on", "dossier_id", "state",
                 postgresql_where=sa.text("task IS NOT NULL")).ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_access_waiting", "organisation_id", "submitted_on", "dossier_id",
                 postgresql_where=sa.text("task IS NOT NULL")).ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_access_state", "organisation_id", "state", "submitted_on",
                 "dossier_id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_access_kind", "organisation_id", "kind", "union_id", "state").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_access_citizen", "organisation_id", "citizen_id", "updated_at",
                 "dossier_id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_access_plan", "organisation_id", "campaign_id", "submitted_on",
                 "dossier_id").ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_access_late", "organisation_id", "updated_at", "dossier_id", "campaign_id",
                 postgresql_where=sa.text("submitted_late")).ddl_if(dialect="postgresql"),
        sa.Index("ix_dossier_access_search_text_trgm", "search_text", postgresql_using="gin",
                 postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier.id"), primary_key=True, index=True)
    sent_event_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier_event.id"))
    arrived_on: Mapped[date]  # the day it last reached the organisation: how long it has waited there

    # The list entry (see above).
    union_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))  # the dossier's union
    kind: Mapped[str] = mapped_column(sa.String(40))
    state: Mapped[str] = mapped_column(sa.String(20))
    task: Mapped[str | None] = mapped_column(sa.String(10))  # waiting here to be: review, decide, forward
    updated_at: Mapped[datetime]
    submitted_on: Mapped[date]
    submitted_late: Mapped[bool]
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign.id"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    search_text: Mapped[str] = mapped_column(sa.String(600))
    citizen_id: Mapped[str | None] = mapped_column(sa.String(12))
    requested_amount_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)  # as it was sent (a report's sums)
    granted_amount_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_phase.id"))

    dossier: Mapped[Dossier] = relationship(back_populates="access")
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    sent_event: Mapped[DossierEvent] = relationship()


class DossierEvent(db.Model):
    """One row per fired event (and per move to a successor organisation); append-only (see workflow/models.py)."""

    __tablename__ = "dossier_event"
    # A dossier's history in order, with what a batch's progress reads (lists/home.py), from the index alone; the
    # days each level held it, summed per dossier and level from the index alone (a plan's report).
    __table_args__ = (sa.Index("ix_dossier_event_trail", "dossier_id", "id", "event", "batch_id"),
                      sa.Index("ix_dossier_event_held", "dossier_id", "level", "held_days"))

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier.id"))
    event: Mapped[str] = mapped_column(sa.String(20))
    from_state: Mapped[str] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))  # None: the server's operator
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))  # acting for
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written with the row (operations.record): the level of the organisation acting, and the days since the
    # dossier's step before (None for its first), which that level held it (it took the step).
    level: Mapped[str | None] = mapped_column(sa.String(20))
    held_days: Mapped[float | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    round: Mapped[int]
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document.id"))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"))  # a forward: the batch it went up in
    # At submit and forward: the data as sent, so that rounds can be compared and each level sees what it was sent.
    data_snapshot: Mapped[dict | None] = mapped_column(JSONType)

    dossier: Mapped[Dossier] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
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
