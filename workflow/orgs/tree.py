"""The tree on a given day: an organisation's chain up to the Confederation, the units under it, and the
organisations it took over (its predecessors). Everything that asks "who is above / below / before whom" asks here,
with a date, because the tree of 2017 is not the tree of today."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context

from ..extensions import db
from .models import Organisation, OrganisationPlacement

MAX_DEPTH = 10  # far more levels than the union has; a loop in bad data stops here


def chain_on(org: Organisation, day: date) -> list[Organisation]:
    """The organisation, then the one it sat under that day, and so on up to the root (one query)."""
    placed = OrganisationPlacement
    up = (sa.select(placed.parent_id, sa.literal(1).label("depth"))
          .where(placed.organisation_id == org.id, placed.in_force_on(day)).cte("up", recursive=True))
    up = up.union_all(sa.select(placed.parent_id, up.c.depth + 1).where(
        placed.organisation_id == up.c.parent_id, placed.in_force_on(day), up.c.depth < MAX_DEPTH))
    chain = [org]
    for parent in db.session.scalars(sa.select(Organisation).join(up, Organisation.id == up.c.parent_id)
                                     .order_by(up.c.depth)):
        if parent in chain:
            break
        chain.append(parent)
    return chain


def children_on(org_ids, day: date) -> list[Organisation]:
    """The organisations placed directly under any of `org_ids` on `day`."""
    return list(db.session.scalars(
        sa.select(Organisation).join(OrganisationPlacement, OrganisationPlacement.organisation_id == Organisation.id)
        .where(OrganisationPlacement.parent_id.in_(org_ids), OrganisationPlacement.in_force_on(day))
        .order_by(Organisation.name)))


def subtree_on(org: Organisation, day: date) -> list[Organisation]:
    """The organisation and every unit under it that day, breadth first."""
    found, frontier = [org], [org.id]
    while frontier:
        below = [o for o in children_on(frontier, day) if o not in found]
        found.extend(below)
        frontier = [o.id for o in below]
    return found


def taken_over(org_ids) -> set[int]:
    """The organisations and every one that ended naming one of them (or one of those) as successor (one query)."""
    ids = list(org_ids)
    found = sa.select(Organisation.id).where(Organisation.id.in_(ids)).cte("taken_over", recursive=True)
    found = found.union(sa.select(Organisation.id).where(Organisation.successor_id == found.c.id))
    return set(db.session.scalars(sa.select(found.c.id)))


def members_of(roots: sa.Select, day: date) -> sa.CTE:
    """(org_id, group_id): the organisations under each root that day (the root itself included, its group the
    root's own), then every organisation that ended before that day naming one of them (or one of those) as its
    successor: their dossiers were taken over with them. `roots` selects (org_id, group_id)."""
    placed = OrganisationPlacement
    tree = roots.cte("units_tree", recursive=True)
    tree = tree.union(sa.select(placed.organisation_id, tree.c.group_id)
                      .where(placed.parent_id == tree.c.org_id, placed.in_force_on(day)))
    members = sa.select(tree.c.org_id, tree.c.group_id).cte("units_members", recursive=True)
    # Until its last day an organisation that ended still sits in its own place: only after it, under its successor.
    return members.union(sa.select(Organisation.id, members.c.group_id)
                         .where(Organisation.successor_id == members.c.org_id, Organisation.valid_to < day))


def grouped_under(org_id: int, day: date) -> sa.CTE:
    """(org_id, group_id): every unit under the organisation that day and those they took over, grouped under the
    organisation's child they sit in (a report's rows per child)."""
    placed = OrganisationPlacement
    return members_of(sa.select(placed.organisation_id.label("org_id"), placed.organisation_id.label("group_id"))
                      .where(placed.parent_id == org_id, placed.in_force_on(day)), day)


def one_group(org_id: int, day: date) -> sa.CTE:
    """(org_id, group_id): the organisation, those under it that day and those they took over, all in its group."""
    return members_of(sa.select(sa.literal(org_id).label("org_id"), sa.literal(org_id).label("group_id")), day)


def units_under(org_id: int, day: date) -> sa.Select:
    """The ids of one_group (a list's `under` filter)."""
    return sa.select(one_group(org_id, day).c.org_id)


def predecessor_ids(org_id: int) -> tuple[int, ...]:
    """The organisation and every one that ended naming it (or one of them) as successor: whoever took over an
    organisation took over what it had seen and sent. Cached for the request."""
    cache = g.setdefault("predecessor_ids", {}) if has_app_context() else {}
    if org_id not in cache:
        cache[org_id] = (org_id, *sorted(taken_over([org_id]) - {org_id}))
    return cache[org_id]


@dataclass(frozen=True)
class Header:
    """An issuing organisation as a document of `day` prints it (the parent line is the parent of that day)."""

    id: int
    code: str
    level: str
    name: str
    header_name: str
    short_header_name: str | None
    parent_header: str
    parent_short_header: str | None
    abbreviation: str
    place_name: str
    signing_body: str
    head_title: str
    head_name: str
    signing_authority: str
    signer_title: str
    signer_name: str
    drafting_unit: str
    finance_office: str
    office_address: str
    record_approval: bool


def header_on(org: Organisation, day: date) -> Header:
    parent = org.parent_on(day)
    named, parent_named = org.names_on(day), parent.names_on(day) if parent else None
    return Header(id=org.id, code=org.code, level=org.level, name=named.name, header_name=named.header_name,
                  short_header_name=named.short_header_name,
                  parent_header=parent_named.header_name if parent_named else "",
                  parent_short_header=parent_named.short_header_name if parent_named else None,
                  abbreviation=org.abbreviation,
                  place_name=org.place_name, signing_body=org.signing_body, head_title=org.head_title,
                  head_name=org.head_name, signing_authority=org.signing_authority, signer_title=org.signer_title,
                  signer_name=org.signer_name, drafting_unit=org.drafting_unit, finance_office=org.finance_office,
                  office_address=org.office_address, record_approval=org.record_approval)
