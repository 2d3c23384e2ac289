"""The dossier list: filters from the query string, sorting, pages, and the same rows for the exports."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..formatting import parse_screen_date
from ..i18n import N_
from ..orgs.models import Organisation
from ..states import STATES
from .kinds import KINDS
from .models import Dossier
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


def unions_visible_to(user) -> list[Organisation]:
    """The grassroots unions whose dossiers the user can list (for the union filter)."""
    from ..extensions import db

    if user.role == "officer":
        return [user.organisation]
    children = sa.select(Organisation.id).where(Organisation.parent_id == user.organisation_id)
    if user.role == "reviewer":
        condition = Organisation.parent_id == user.organisation_id
    elif user.role == "liaison":
        condition = Organisation.parent_id.in_(children)
    else:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(condition).order_by(Organisation.name)))


def filtered_dossiers(user, filters: ListFilters):
    """A select of the dossiers the user may see that match the filters, sorted (id breaks ties)."""
    query = sa.select(Dossier).where(visible_dossiers_filter(user))
    if filters.kind:
        query = query.where(Dossier.kind == filters.kind)
    if filters.state:
        query = query.where(Dossier.state == filters.state)
    if filters.union_id:
        query = query.where(Dossier.organisation_id == filters.union_id)
    if filters.campaign_id:
        query = query.where(Dossier.campaign_id == filters.campaign_id)
    if filters.late:
        query = query.where(Dossier.submitted_late.is_(True))
    if filters.submitted_from:
        query = query.where(Dossier.submitted_on >= filters.submitted_from)
    if filters.submitted_to:
        query = query.where(Dossier.submitted_on <= filters.submitted_to)
    if filters.q:
        query = query.where(search_condition(filters.q))
    _, column, direction = SORTS[filters.sort]
    order = column.asc() if direction == "asc" else column.desc()
    tie = Dossier.id.asc() if direction == "asc" else Dossier.id.desc()
    return query.order_by(order.nulls_last(), tie)


def with_list_relations(query, user):
    """Everything a list row shows, loaded per page in a fixed number of queries."""
    options = [joinedload(Dossier.organisation), joinedload(Dossier.campaign), joinedload(Dossier.phase)]
    if user.role == "liaison":
        options.append(selectinload(Dossier.events))  # the province sees what was forwarded (permissions.py)
    return query.options(*options)
