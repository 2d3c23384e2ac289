"""The dossier list: filters from the query string, sorting, pages read in two steps, and the same rows for the
exports and the API."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..dossiers.kinds import KINDS
from ..dossiers.models import Dossier
from ..dossiers.visibility import entries_of, viewer_of
from ..extensions import db
from ..formatting import MAX_ID, page_number, parse_screen_date
from ..i18n import N_
from ..orgs.models import Organisation
from ..orgs.tree import units_under
from ..states import STATES
from .search import search_condition

# code -> (label, column of the entries, default direction); each leads a list index (models.py).
SORTS = {
    "updated": (N_("Cập nhật gần nhất"), "updated_at", "desc"),
    "submitted": (N_("Ngày nộp"), "submitted_on", "desc"),
    "oldest": (N_("Nộp sớm nhất (chờ lâu nhất)"), "submitted_on", "asc"),
    "name": (N_("Tên (A–Z)"), "subject", "asc"),
    "number": (N_("Số hồ sơ"), "dossier_id", "desc"),
}

# A list page counts its rows up to here ("hơn 1.000"): counting reads every match, and every entry when few
# match; at this many it stays within a few tens of milliseconds at a million dossiers whatever the filter.
LIST_COUNT_LIMIT = 1000
ONE = sa.literal_column("1").label("one")  # what a count reads of each row


def _small_int(args, key) -> int | None:
    value = args.get(key, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


@dataclass
class ListFilters:
    kind: str | None = None
    states: tuple[str, ...] = ()  # any of these (one from the form; a report's figure may name several)
    union_id: int | None = None
    campaign_id: int | None = None
    # A report's figure (reports/figures.py): a phase of the plan, the units under an organisation, submitted only
    phase_id: int | None = None
    under_id: int | None = None
    submitted_only: bool = False
    late: bool | None = None  # True: submitted late only; False: on time only
    waiting: bool = False  # only the dossiers waiting at the viewer's organisation now
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str = ""
    sort: str = "updated"
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> ListFilters:
        """Unknown values are ignored; an unreadable date is reported and left out, the rest still applies."""
        found = cls(kind=args.get("kind") if args.get("kind") in KINDS else None,
                    states=tuple(code for code in STATES if code in args.getlist("state")),
                    union_id=_small_int(args, "union"), campaign_id=_small_int(args, "campaign"),
                    phase_id=_small_int(args, "phase"), under_id=_small_int(args, "under"),
                    submitted_only=args.get("submitted") == "1",
                    late={"1": True, "0": False}.get(args.get("late")), waiting=args.get("waiting") == "1",
                    q=(args.get("q") or "").strip()[:100],
                    sort=args.get("sort") if args.get("sort") in SORTS else "updated")
        for name, key in (("submitted_from", "from"), ("submitted_to", "to")):
            raw = (args.get(key) or "").strip()
            if raw:
                parsed = parse_screen_date(raw)
                if parsed is None:
                    found.errors[key] = N_("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.")
                setattr(found, name, parsed)
        return found

    @property
    def state(self) -> str | None:
        """The one state the form's choice shows (None when several are asked for)."""
        return self.states[0] if len(self.states) == 1 else None

    @property
    def from_report(self) -> dict:
        """The report's filters the list form does not show, to keep them when the form is sent again."""
        kept = {"phase": self.phase_id, "under": self.under_id, "submitted": "1" if self.submitted_only else None,
                "late": "0" if self.late is False else None}
        if len(self.states) > 1:
            kept["state"] = list(self.states)
        return {name: value for name, value in kept.items() if value is not None}


def union_ids(entries):
    """A select of the distinct unions of a viewer's entries, found one index probe each (a loose index scan:
    the next union after the last one found), where DISTINCT reads every entry (600,000 for a province)."""
    first = sa.select(sa.func.min(entries.union_id)).where(entries.condition).scalar_subquery()
    found = sa.select(first.label("union_id")).cte("unions_found", recursive=True)
    following = (sa.select(sa.func.min(entries.union_id))
                 .where(entries.condition, entries.union_id > found.c.union_id).scalar_subquery())
    found = found.union_all(sa.select(following).where(found.c.union_id.is_not(None)))
    return sa.select(found.c.union_id).where(found.c.union_id.is_not(None))


def unions_visible_to(user) -> list[Organisation]:
    """The grassroots unions whose dossiers the user can list (for the union filter)."""
    unions = union_ids(entries_of(viewer_of(user)))
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(unions))
                                   .order_by(Organisation.name)))


class Count(int):
    """A number of dossiers; `more` when counting stopped at its limit (there are more: "hơn 1.000") or, for a
    sum, when one of its terms did."""

    more = False

    def __new__(cls, value: int, more: bool = False):
        count = super().__new__(cls, value)
        count.more = more
        return count

    def __add__(self, other):
        return Count(int(self) + int(other), self.more or getattr(other, "more", False))

    __radd__ = __add__


def up_to(limit: int, entries, *conditions, correlate=None):
    """A scalar subquery: how many of the viewer's entries match, counted up to limit + 1 (one index range)."""
    rows = sa.select(ONE).select_from(entries.table).where(entries.condition, *conditions).limit(limit + 1)
    if correlate is not None:
        rows = rows.correlate(correlate)
    return sa.select(sa.func.count()).select_from(rows.subquery()).scalar_subquery()


def counted(value: int, limit: int) -> Count:
    return Count(min(value, limit), value > limit)


def counts_per_plan(user, plans) -> dict[int, dict]:
    """Per plan, how many of the dossiers the user sees answer it, and how many of them late, each up to
    LIST_COUNT_LIMIT, in one query (a range of ix_dossier_plan or ix_dossier_access_plan each; those late from the
    partial index of the late ones, which holds their plan)."""
    if not plans:
        return {}
    entries = entries_of(viewer_of(user))
    late = entries.submitted_late == sa.true()
    row = db.session.execute(sa.select(*(count for plan in plans for count in (
        up_to(LIST_COUNT_LIMIT, entries, entries.campaign_id == plan.id),
        up_to(LIST_COUNT_LIMIT, entries, entries.campaign_id == plan.id, late))))).one()
    return {plan.id: {"total": counted(row[2 * i], LIST_COUNT_LIMIT), "late": counted(row[2 * i + 1], LIST_COUNT_LIMIT)}
            for i, plan in enumerate(plans)}


def filtered_ids(user, filters: ListFilters):
    """A select of the ids of the dossiers the user may see that match the filters, sorted (id breaks ties),
    from the user's entries (visibility.Entries) alone."""
    entries = entries_of(viewer_of(user))
    query = sa.select(entries.dossier_id).where(entries.condition)
    if filters.waiting:
        query = query.where(entries.waiting)
    if filters.kind:
        query = query.where(entries.kind == filters.kind)
    if filters.states:
        query = query.where(entries.state.in_(filters.states))
    if filters.union_id:
        query = query.where(entries.union_id == filters.union_id)
    if filters.under_id:
        query = query.where(entries.union_id.in_(units_under(filters.under_id, clock.today())))
    if filters.campaign_id:
        query = query.where(entries.campaign_id == filters.campaign_id)
    if filters.phase_id:
        query = query.where(entries.phase_id == filters.phase_id)
    if filters.submitted_only:
        query = query.where(entries.submitted_on.is_not(None))
    if filters.late is not None:
        # "= true", which an index serves ("IS true" is not)
        query = query.where(entries.submitted_late == (sa.true() if filters.late else sa.false()))
    if filters.submitted_from:
        query = query.where(entries.submitted_on >= filters.submitted_from)
    if filters.submitted_to:
        query = query.where(entries.submitted_on <= filters.submitted_to)
    if filters.q:
        query = query.where(search_condition(entries, filters.q))
    _, name, direction = SORTS[filters.sort]
    column = getattr(entries, name)
    order = column.asc() if direction == "asc" else column.desc()
    if column.nullable:  # drafts have no submission date; elsewhere NULLS LAST would keep PostgreSQL off the index
        order = order.nulls_last()
    tie = entries.dossier_id.asc() if direction == "asc" else entries.dossier_id.desc()
    return query.order_by(order, tie)


def read_rows(ids_query, *, limit: int | None = None, offset: int = 0, also=()) -> list[Dossier]:
    """The rows of a list in two steps: the ids, filtered, sorted and cut as the select says (from what a list
    index holds, so that filtering, sorting and skipping the earlier pages never read a dossier's row and its
    JSON), then the rows of those ids by id alone (PostgreSQL, given the filters again, stops reordering the
    joins and reads every row), with what every row shows: its union, plan and phase, and the relations in
    `also` (its route, for a page that shows where it is; what was sent, for data_seen per dossier). Lists read
    what their reader was sent with visibility.data_seen_of."""
    if limit is not None:
        ids_query = ids_query.limit(limit).offset(offset)
    return rows_of(list(db.session.scalars(ids_query)), also=also)


def rows_of(ids: list[int], also=()) -> list[Dossier]:
    """The dossiers of these ids in their order, loaded as read_rows loads them."""
    if not ids:
        return []
    # Plans and phases are few: read once each (selectin), not joined to every row with their JSON.
    loaders = [joinedload(Dossier.organisation), selectinload(Dossier.campaign), selectinload(Dossier.phase), *also]
    rows = {d.id: d for d in db.session.scalars(sa.select(Dossier).where(Dossier.id.in_(ids)).options(*loaders))}
    return [rows[i] for i in ids]


def count_up_to(ids_query, limit: int | None) -> int:
    """How many rows the select gives, reading no more than limit + 1 of them (all of them without a limit); of
    each only that it is there, so that the narrowest index holding the filters' columns serves the count."""
    rows = ids_query.with_only_columns(ONE, maintain_column_froms=True).order_by(None)
    rows = (rows if limit is None else rows.limit(limit + 1)).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(rows))


class DossierPage(Pagination):
    """A page of the list (Flask-SQLAlchemy's Pagination, which the templates read), read with read_rows.

    With a count_limit, the count stops there (`more` then says that `total` is a lower bound): counting half a
    million entries, or reading them all to find the few that match a filter, is most of the page's time, where
    finding its 50 rows reads a few hundred. The limit grows in steps of itself with the page, so that ten pages
    past the current one are always known; the last page, and a first page that is not full, count nothing."""

    more = False

    def _query_items(self) -> list:
        return read_rows(self._query_args["query"], limit=self.per_page, offset=self._query_offset,
                         also=self._query_args["also"])

    def _query_count(self) -> int:
        if self.items and len(self.items) < self.per_page or not self.items and self.page == 1:
            return self._query_offset + len(self.items)  # the last page: what came before it and its rows
        query, step = self._query_args["query"], self._query_args["count_limit"]
        if step is None:
            return count_up_to(query, None)
        limit = -(-(self._query_offset + 10 * self.per_page) // step) * step
        found = count_up_to(query, limit)
        self.more = found > limit
        return min(found, limit)


def page_of(ids_query, page: int, per_page: int, also=(), count_limit: int | None = None) -> DossierPage:
    """A page of the ids' rows; the total counted exactly (the API: clients walk the pages), or up to about
    count_limit (the list page: "hơn 1.000")."""
    return DossierPage(page=page_number(page, per_page), per_page=per_page, max_per_page=None,
                       error_out=False, query=ids_query, also=also, count_limit=count_limit)
