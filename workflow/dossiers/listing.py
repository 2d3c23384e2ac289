"""The dossier list: filters from the query string, sorting, pages, and the same rows for the exports."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from ..formatting import parse_screen_date
from ..i18n import N_
from ..orgs.models import Organisation
from ..states import STATES
from .kinds import KINDS
from .models import Dossier, DossierEvent
from .permissions import visible_dossiers_filter
from .search import search_condition

# code -> (label, column, default direction); every one is indexed or bounded by the visibility filter.
SORTS = {
    "updated": (N_("Cập nhật gần nhất"), Dossier.updated_at, "desc"),
    "submitted": (N_("Ngày nộp"), Dossier.submitted_on, "desc"),
    "oldest": (N_("Nộp sớm nhất (chờ lâu nhất)"), Dossier.submitted_on, "asc"),
    "name": (N_("Tên (A–Z)"), Dossier.subject, "asc"),
    "number": (N_("Số hồ sơ"), Dossier.id, "desc"),
}


@dataclass
class ListFilters:
    kind: str | None = None
    state: str | None = None
    union_id: int | None = None
    campaign_id: int | None = None
    late: bool = False
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str = ""
    sort: str = "updated"
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> ListFilters:
        """Unknown values are ignored; an unreadable date is reported and left out, the rest still applies."""
        found = cls(kind=args.get("kind") if args.get("kind") in KINDS else None,
                    state=args.get("state") if args.get("state") in STATES else None,
                    union_id=args.get("union", type=int), campaign_id=args.get("campaign", type=int),
                    late=args.get("late") == "1", q=(args.get("q") or "").strip()[:100],
                    sort=args.get("sort") if args.get("sort") in SORTS else "updated")
        for name, key in (("submitted_from", "from"), ("submitted_to", "to")):
            raw = (args.get(key) or "").strip()
            if raw:
                parsed = parse_screen_date(raw)
                if parsed is None:
                    found.errors[key] = N_("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.")
                setattr(found, name, parsed)
        return found


def _unions_condition(user):
    """Which grassroots unions' dossiers the user can list, as a condition on Organisation (None: the officer's own)."""
    if user.role == "officer":
        return None
    if user.role == "reviewer":
        return Organisation.parent_id == user.organisation_id
    if user.role == "liaison":
        children = sa.select(Organisation.id).where(Organisation.parent_id == user.organisation_id)
        return Organisation.parent_id.in_(children)
    return sa.false()


def unions_visible_to(user) -> list[Organisation]:
    """The grassroots unions whose dossiers the user can list (for the union filter)."""
    from ..extensions import db

    condition = _unions_condition(user)
    if condition is None:
        return [user.organisation]
    return list(db.session.scalars(sa.select(Organisation).where(condition).order_by(Organisation.name)))


def visible_in_unions(user):
    """visible_dossiers_filter, for the list and the home pages. PostgreSQL gets it as it is: with its statistics
    it plans the province's `id IN (SELECT dossier_id FROM batch_dossier)` as a hash semi-join. SQLite keeps no
    statistics and takes that IN for the most selective condition, reading every forwarded dossier's row to count
    or sort them; so there the query is led by the unions the user can list (an IN on organisation_id, which every
    list index begins with) and the condition is wrapped (`(…) = 1`) to be checked row by row, from the index."""
    from ..extensions import db

    visible = visible_dossiers_filter(user)
    if db.session.get_bind().dialect.name != "sqlite":
        return visible
    condition = _unions_condition(user)
    if condition is None:
        unions = Dossier.organisation_id == user.organisation_id
    else:
        unions = Dossier.organisation_id.in_(sa.select(Organisation.id).where(condition))
    return sa.and_(unions, visible == sa.true())


def filtered_dossiers(user, filters: ListFilters):
    """A select of the dossiers the user may see that match the filters, sorted (id breaks ties)."""
    query = sa.select(Dossier).where(visible_in_unions(user))
    if filters.kind:
        query = query.where(Dossier.kind == filters.kind)
    if filters.state:
        query = query.where(Dossier.state == filters.state)
    if filters.union_id:
        query = query.where(Dossier.organisation_id == filters.union_id)
    if filters.campaign_id:
        query = query.where(Dossier.campaign_id == filters.campaign_id)
    if filters.late:
        query = query.where(Dossier.submitted_late == sa.true())  # "= true", which an index serves ("IS true" is not)
    if filters.submitted_from:
        query = query.where(Dossier.submitted_on >= filters.submitted_from)
    if filters.submitted_to:
        query = query.where(Dossier.submitted_on <= filters.submitted_to)
    if filters.q:
        query = query.where(search_condition(filters.q))
    _, column, direction = SORTS[filters.sort]
    order = column.asc() if direction == "asc" else column.desc()
    if column.nullable:  # drafts have no submission date; elsewhere NULLS LAST would keep PostgreSQL off the index
        order = order.nulls_last()
    tie = Dossier.id.asc() if direction == "asc" else Dossier.id.desc()
    return query.order_by(order, tie)


def with_list_relations(query, user):
    """Everything a list row shows, loaded per page in a fixed number of queries; the page is read in two steps,
    see _keys_first (the joins are made for the page's rows only)."""
    options = [joinedload(Dossier.organisation), joinedload(Dossier.campaign), joinedload(Dossier.phase)]
    if user.role == "liaison":
        # The province sees what was forwarded (permissions.data_seen_by): the forward events' snapshots, not
        # every event's (a submit event holds a snapshot too).
        options.append(selectinload(Dossier.events.and_(DossierEvent.event == "forward")))
    return query.options(*options).execution_options(**{_KEYS_FIRST: True})


_KEYS_FIRST = "dossier_list_keys_first"


@sa.event.listens_for(Session, "do_orm_execute")
def _keys_first(state) -> None:
    """Read a list page (or an export) in two steps: the ids, filtered, sorted and cut by LIMIT/OFFSET as the
    select says, then the rows of those ids. The first step needs nothing but what ix_dossier_list (or
    ix_dossier_list_by_name) holds, so filtering, sorting and skipping the earlier pages never read a dossier's
    row, and its JSON, from the table; the second reads one page of rows by id, with nothing else in its WHERE
    (PostgreSQL, given the filters again and their subqueries, stops reordering the joins and reads every row).
    Done when the select runs because Flask-SQLAlchemy's paginate adds the LIMIT/OFFSET to the select it is given;
    only selects made by with_list_relations are rewritten, keeping their order and loader options."""
    statement = state.statement
    if not state.is_select or not statement.get_execution_options().get(_KEYS_FIRST):
        return
    # No public accessor for these two: should SQLAlchemy rename them, the page is read in one step, as before.
    order_by, options = getattr(statement, "_order_by_clauses", None), getattr(statement, "_with_options", None)
    if order_by is None or options is None:
        return
    ids = statement.with_only_columns(Dossier.id)
    state.statement = (sa.select(Dossier).where(Dossier.id.in_(ids)).order_by(*order_by).options(*options)
                       .execution_options(**statement.get_execution_options()))
