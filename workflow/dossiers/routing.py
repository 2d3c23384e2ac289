"""Routes as data: which levels act on a kind's dossiers, in which order, and which one decides.

A route names levels, not organisations: at a dossier's first submission it is resolved against its union's
chain of organisations that day (a level missing from the chain is skipped, so a grassroots union directly under
the province has the province review and decide), and the dossier keeps the organisations it was given
(dossier_step). The route in force is found like a rule set: the nearest jurisdiction's, on that day.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask_babel import gettext
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..errors import Forbidden, Invalid
from ..extensions import db
from ..formatting import format_date
from ..i18n import N_
from ..orgs.models import LEVEL_RANK, LEVELS, Organisation
from ..orgs.tree import chain_on
from .kinds.base import MAX_VND
from .models import DossierStep, Route
from .rules import check_citation, check_dated_rule, nearest_in_force, validation_messages

ROLES = {"review": N_("Thẩm định"), "decide": N_("Quyết định")}


class RouteStepSpec(BaseModel):
    """One level of a route: it reviews (and sends up), or decides; a reviewing level may decide up to an amount."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["upper_grassroots", "province", "confederation"]
    role: Literal["review", "decide"]
    decides_up_to_vnd: int | None = Field(default=None, gt=0, le=MAX_VND)


_STEPS = TypeAdapter(list[RouteStepSpec])


def check_steps(steps) -> tuple[list[dict], list[str]]:
    """The steps as stored, and what is wrong with them (messages in the reader's language)."""
    try:
        parsed = _STEPS.validate_python(steps)
    except ValidationError as exc:
        return [], validation_messages(exc, "steps", prefix="steps")
    problems = []
    if not parsed:
        problems.append(gettext("Tuyến phải có ít nhất một cấp, cấp cuối cùng quyết định."))
    elif parsed[-1].role != "decide":
        problems.append(gettext("Cấp cuối cùng của tuyến phải là cấp quyết định."))
    if any(step.role == "decide" for step in parsed[:-1]):
        problems.append(gettext("Chỉ cấp cuối cùng quyết định; cấp dưới quyết định đến một mức tiền thì ghi mức đó."))
    if any(step.role == "decide" and step.decides_up_to_vnd is not None for step in parsed):
        problems.append(gettext("Mức tiền tự quyết định chỉ ghi cho cấp thẩm định."))
    ranks = [LEVEL_RANK[step.level] for step in parsed]
    if ranks != sorted(set(ranks)):
        problems.append(gettext("Các cấp phải đi từ dưới lên, mỗi cấp một lần."))
    return [step.model_dump() for step in parsed], problems


def route_for(kind: str, organisation: Organisation, on: date) -> Route | None:
    return nearest_in_force(Route, kind, organisation, on)


def resolve(route: Route, union: Organisation, on: date) -> list[DossierStep]:
    """The route's levels matched against the union's chain on `on` (nearest first; an organisation no longer in
    force is no level); missing levels are skipped, but the deciding level must be there."""
    chain = [org for org in chain_on(union, on)[1:] if org.in_force(on)]
    steps = []
    for spec in route.steps:
        org = next((o for o in chain if o.level == spec["level"]), None)
        if org is None:
            if spec["role"] == "decide":
                raise Invalid(gettext("Không xác định được cấp quyết định."), {"kind": [gettext(
                    "Tuyến xét duyệt cần cấp “%(level)s” quyết định, nhưng %(union)s không thuộc tổ chức nào ở cấp "
                    "này vào ngày %(day)s; liên hệ quản trị.", level=gettext(LEVELS[spec["level"]]),
                    union=union.name, day=format_date(on))]})
            continue
        chain = chain[chain.index(org) + 1:]
        steps.append(DossierStep(position=len(steps), organisation=org, organisation_id=org.id, role=spec["role"],
                                 decides_up_to_vnd=spec.get("decides_up_to_vnd")))
    return steps


def add_route(actor, *, kind: str, jurisdiction_id, valid_from, valid_to, basis: str, steps, citation=None) -> Route:
    """Add the route a kind's dossiers follow from `valid_from` on, for an organisation and all under it, with the
    regulation as documents cite it (`citation`, see rules.check_citation).
    Dossiers already submitted keep theirs. `actor` None is the server operator (the CLI)."""
    if actor is not None and actor.role != "admin":
        raise Forbidden(gettext("Chỉ quản trị hệ thống được thêm tuyến xét duyệt."))
    _, jurisdiction, errors = check_dated_rule(actor, Route, kind=kind, jurisdiction_id=jurisdiction_id,
                                               valid_from=valid_from, valid_to=valid_to, basis=basis)
    citation = check_citation(citation, errors)
    stored, problems = check_steps(steps)
    if problems:
        errors["steps"] = problems
    if errors:
        raise Invalid(gettext("Tuyến xét duyệt chưa hợp lệ."), errors)
    route = Route(kind=kind, jurisdiction=jurisdiction, valid_from=valid_from, valid_to=valid_to,
                  basis=basis.strip(), steps=stored, citation=citation)
    db.session.add(route)
    db.session.flush()
    return route
