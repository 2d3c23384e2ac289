"""A plan's figures (DESIGN §6 `campaigns/{id}/report`; the plan's "tổng kết đánh giá kết quả" at the end of each
phase): for what the viewer may see, per child organisation and kind, the dossiers that answered the plan by
outcome, the money asked for and granted, how many came late, and how long each level of the route held them.

Everything is counted in SQL from the viewer's list entries (visibility.Entries), the same rows and conditions as
the dossier list, so that every figure is the count of a list a link opens (Scope.list_args). A dossier is counted
under the child organisation of the reported one that its union sits in today, or under the one that took its
union over; a union that ended with nobody taking it over is counted under "other units" (group 0).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext

from .. import clock
from ..campaigns.models import Campaign, CampaignPhase
from ..dossiers.kinds import KINDS
from ..dossiers.models import DossierEvent
from ..dossiers.visibility import Viewer, entries_of
from ..extensions import db
from ..i18n import N_
from ..orgs.models import LEVELS, Organisation, OrganisationPlacement
from ..orgs.tree import children_on, grouped_under, one_group

# Each submitted dossier has exactly one outcome, read from its state now: they add up to "submitted".
OUTCOMES = {
    "waiting": (N_("Đang xem xét"), ("submitted", "forwarded")),
    "approved": (N_("Đã thẩm định đạt, chờ chuyển lên"), ("approved",)),
    "returned": (N_("Trả lại để hoàn thiện"), ("returned",)),
    "granted": (N_("Được chấp thuận"), ("accepted",)),
    "refused": (N_("Không được chấp thuận"), ("rejected",)),
    "withdrawn": (N_("Đã rút"), ("withdrawn",)),
    "closed": (N_("Đã đóng (đơn vị giải thể)"), ("closed",)),
}
OUTCOME_OF_STATE = {state: outcome for outcome, (_, states) in OUTCOMES.items() for state in states}
COUNTS = ("submitted", *OUTCOMES, "on_time", "late")
OTHER_UNITS = 0  # the group of unions that ended with no successor in the reported organisation's tree
OTHER_UNITS_NAME = N_("Đơn vị khác (đã giải thể hoặc chuyển đi)")


def asks_money(kind: str) -> bool:
    """Whether the kind's dossiers ask for money (an award, Lao động sáng tạo, does not: its amounts are no figures)."""
    return "requested_amount_vnd" in KINDS[kind].field_names()


@dataclass(frozen=True)
class Scope:
    """What is reported: a plan, one phase or all, one kind or all, a range of submission dates, for a viewer,
    over the organisation `under` (the viewer's own, or one below it: a child's figures "on demand")."""

    viewer: Viewer
    campaign: Campaign
    phase: CampaignPhase | None = None
    kind: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    under: Organisation | None = None  # None: the viewer's organisation

    def list_args(self, *narrower: dict) -> dict:
        """The dossier list's query arguments showing the dossiers behind a figure (lists/query.ListFilters), with
        the figure's own (a kind, a unit, states, lateness)."""
        args = {"campaign": self.campaign.id, "submitted": "1"}
        if self.phase is not None:
            args["phase"] = self.phase.id
        if self.kind:
            args["kind"] = self.kind
        for key, day in (("from", self.submitted_from), ("to", self.submitted_to)):
            if day is not None:  # as the list reads it: dd/mm/yyyy, the year on four digits (%Y does not pad 999)
                args[key] = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
        if self.under is not None:
            args["under"] = self.under.id
        for more in narrower:
            args.update({key: value for key, value in more.items() if value is not None})
        return args


@dataclass
class Figures:
    """The counts (COUNTS), the money asked for and granted (đồng) of a set of dossiers."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    requested_vnd: int = 0
    granted_vnd: int = 0

    def add(self, other: Figures) -> None:
        for name, value in other.counts.items():
            self.counts[name] += value
        self.requested_vnd += other.requested_vnd
        self.granted_vnd += other.granted_vnd

    def as_json(self) -> dict:
        return {"counts": dict(self.counts), "requested_vnd": self.requested_vnd, "granted_vnd": self.granted_vnd,
                "late": self.counts["late"]}


@dataclass(frozen=True)
class Group:
    """A child organisation of the reported one (or OTHER_UNITS), under which its unions' dossiers are counted."""

    id: int
    name: str
    level: str | None
    has_children: bool

    @property
    def is_other_units(self) -> bool:
        return self.id == OTHER_UNITS

    @property
    def label(self) -> str:
        """Its name as shown: "other units" in the reader's language, an organisation's as it is."""
        return gettext(self.name) if self.is_other_units else self.name


@dataclass
class Report:
    scope: Scope
    organisation: Organisation  # the reported organisation
    groups: list[Group]  # in name order, OTHER_UNITS last when it counts anything
    kinds: list[str]  # those with a dossier, in the registry's order
    cells: dict[tuple[int, str], Figures]  # (group id, kind) -> figures
    by_group: dict[int, Figures]
    by_kind: dict[str, Figures]
    total: Figures
    days_at_level: dict[str | None, dict[str, LevelDays]]  # kind (None: every kind) -> level -> days
    submissions_by_day: list[tuple[date, int]]  # by submission date, in date order

    def rows(self):
        """(group, kind, figures) of every pair with a dossier, by group then kind."""
        for group in self.groups:
            for kind in self.kinds:
                if (group.id, kind) in self.cells:
                    yield group, kind, self.cells[group.id, kind]

    @property
    def levels(self) -> list[str]:
        """The levels that held any dossier, from the bottom up."""
        found = {level for per_level in self.days_at_level.values() for level in per_level}
        return [level for level in LEVELS if level in found]


@dataclass(frozen=True)
class LevelDays:
    median: float
    dossiers: int  # how many dossiers' stays the median is taken over


def report(scope: Scope) -> Report:
    if db.engine.dialect.name == "postgresql":
        # A few aggregates over tens of thousands of rows, which the recursive tree's row estimates (a hundred times
        # the real ones) would have PostgreSQL compile with JIT: half a second a statement, more than running it.
        db.session.execute(sa.text("SET LOCAL jit = off"))
    organisation = scope.under or db.session.get(Organisation, scope.viewer.org_id)
    groups, members = _groups(scope, organisation)
    dossiers = _dossiers(scope, members)
    cells = _cells(scope, dossiers, members)
    used = {group_id for group_id, _ in cells}
    shown = [g for g in groups if g.id != OTHER_UNITS or OTHER_UNITS in used]
    kinds = [code for code in KINDS if any(kind == code for _, kind in cells)]
    by_group = {g.id: Figures() for g in shown}
    by_kind = {kind: Figures() for kind in kinds}
    total = Figures()
    for (group_id, kind), figures in cells.items():
        by_group[group_id].add(figures)
        by_kind[kind].add(figures)
        total.add(figures)
    return Report(scope, organisation, shown, kinds, cells, by_group, by_kind, total,
                  _days_at_level(dossiers), _submissions_by_day(dossiers))


# --- which dossiers ------------------------------------------------------------------------------------------

def _groups(scope: Scope, organisation: Organisation) -> tuple[list[Group], sa.CTE | None]:
    """The groups, and the CTE placing each union in one (None for a union's own report: one group, itself)."""
    if scope.viewer.owner_side:
        return [Group(organisation.id, organisation.name, organisation.level, False)], None
    day = clock.today()
    children = children_on([organisation.id], day)
    if children:
        with_children = set(db.session.scalars(
            sa.select(OrganisationPlacement.parent_id).distinct()
            .where(OrganisationPlacement.parent_id.in_([c.id for c in children]),
                   OrganisationPlacement.in_force_on(day))))
        groups = [Group(c.id, c.name, c.level, c.id in with_children) for c in children]
        members = grouped_under(organisation.id, day)
    else:  # a union looked at from above (a commune's union, on demand): its own dossiers, one group
        groups = [Group(organisation.id, organisation.name, organisation.level, False)]
        members = one_group(organisation.id, day)
    if scope.under is None:
        groups.append(Group(OTHER_UNITS, OTHER_UNITS_NAME, None, False))
    return groups, members


def _dossiers(scope: Scope, members: sa.CTE | None) -> sa.Subquery:
    """(dossier_id, union_id, kind, state, late, submitted_on, requested, granted) of every dossier reported: the
    viewer's entries answering the plan, submitted, as the filters narrow them; those of the units under `under`
    only, when it is given (an IN over the tree's few thousand units, which SQLite indexes, rather than a join)."""
    entries = entries_of(scope.viewer)
    # the amount as the viewer was sent it (a later round sent elsewhere is not theirs), the grant as decided
    query = sa.select(entries.dossier_id.label("dossier_id"), entries.union_id.label("union_id"),
                      entries.kind.label("kind"), entries.state.label("state"), entries.submitted_late.label("late"),
                      entries.submitted_on.label("submitted_on"), entries.requested_amount_vnd.label("requested"),
                      entries.granted_amount_vnd.label("granted"))
    query = query.where(entries.condition, entries.campaign_id == scope.campaign.id,
                        entries.submitted_on.is_not(None))
    if members is not None and scope.under is not None:
        query = query.where(entries.union_id.in_(sa.select(members.c.org_id)))
    if scope.phase is not None:
        query = query.where(entries.phase_id == scope.phase.id)
    if scope.kind:
        query = query.where(entries.kind == scope.kind)
    if scope.submitted_from:
        query = query.where(entries.submitted_on >= scope.submitted_from)
    if scope.submitted_to:
        query = query.where(entries.submitted_on <= scope.submitted_to)
    return query.subquery("reported_dossiers")


def _cells(scope: Scope, dossiers: sa.Subquery, members: sa.CTE | None) -> dict[tuple[int, str], Figures]:
    """Counted per union, kind and state in SQL (a few thousand rows for a province), each union's counts then
    added to its group's (the tree's units read once): a union no child holds now under "other units"."""
    group_of = ({} if members is None
                else dict(db.session.execute(sa.select(members.c.org_id, members.c.group_id)).all()))
    late = sa.case((dossiers.c.late == sa.true(), 1), else_=0)
    rows = db.session.execute(
        sa.select(dossiers.c.union_id, dossiers.c.kind, dossiers.c.state, sa.func.count(), sa.func.sum(late),
                  sa.func.coalesce(sa.func.sum(dossiers.c.requested), 0),
                  sa.func.coalesce(sa.func.sum(dossiers.c.granted), 0))
        .group_by(dossiers.c.union_id, dossiers.c.kind, dossiers.c.state))
    cells: dict[tuple[int, str], Figures] = {}
    for union_id, kind, state, count, late_count, requested, granted in rows:
        group_id = scope.viewer.org_id if members is None else group_of.get(union_id, OTHER_UNITS)
        figures = cells.setdefault((group_id, kind), Figures())
        figures.counts["submitted"] += count
        figures.counts[OUTCOME_OF_STATE[state]] += count
        figures.counts["late"] += late_count
        figures.counts["on_time"] += count - late_count
        figures.requested_vnd += int(requested)
        figures.granted_vnd += int(granted)
    return cells


# --- how long each level held them ---------------------------------------------------------------------------

DAYS_STEP = 10  # the stays are counted in tenths of a day, as the medians are shown


def _days_at_level(dossiers: sa.Subquery) -> dict[str | None, dict[str, LevelDays]]:
    """Per kind (and for every kind: None) and level, the median over the dossiers of the days that level held
    each: every step in a dossier's history is the time since the step before it (DossierEvent.held_days),
    charged to the level of the organisation that took it (a union's resubmission: the days it took to complete a
    returned dossier). SQL sums each dossier's days per level (from ix_dossier_event_held alone) and counts the
    dossiers per kind, level and tenth of a day; the medians are read from those counts."""
    event = DossierEvent
    held = (sa.select(dossiers.c.kind, event.level, sa.func.sum(event.held_days).label("days"))
            .select_from(dossiers).join(event, event.dossier_id == dossiers.c.dossier_id)
            .where(event.held_days.is_not(None))
            .group_by(dossiers.c.dossier_id, dossiers.c.kind, event.level).subquery("held"))
    tenths = sa.func.round(held.c.days * DAYS_STEP)
    counted: dict[str | None, dict[str, dict[int, int]]] = {}
    for kind, level, days, count in db.session.execute(
            sa.select(held.c.kind, held.c.level, tenths, sa.func.count()).group_by(held.c.kind, held.c.level, tenths)):
        for key in (kind, None):
            per_value = counted.setdefault(key, {}).setdefault(level, {})
            per_value[int(days)] = per_value.get(int(days), 0) + count
    return {key: {level: LevelDays(_median(per_value) / DAYS_STEP, sum(per_value.values()))
                  for level, per_value in per_level.items()}
            for key, per_level in counted.items()}


def _median(counts: dict[int, int]) -> float:
    """The median of values given as {value: how many times}: the middle one, or the mean of the middle two."""
    total = sum(counts.values())
    middle = {(total - 1) // 2, total // 2}  # the 0-based positions of the middle value(s)
    found, seen = [], 0
    for value in sorted(counts):
        found += [value] * sum(1 for position in middle if seen <= position < seen + counts[value])
        seen += counts[value]
    return round(sum(found) / len(found), 1) if len(middle) == 2 else float(found[0])


def _submissions_by_day(dossiers: sa.Subquery) -> list[tuple[date, int]]:
    return [(day, count) for day, count in db.session.execute(
        sa.select(dossiers.c.submitted_on, sa.func.count()).group_by(dossiers.c.submitted_on)
        .order_by(dossiers.c.submitted_on))]
