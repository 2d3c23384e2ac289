"""What the rule-set and route forms share: the fields of a dated row (kind, jurisdiction, period, basis, the
regulation as documents cite it), its status in the lists, and what its preview says a new one affects."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from flask_login import current_user

from .. import clock
from ..dossiers.citations import cite, parse_citation
from ..dossiers.models import Dossier
from ..dossiers.rules import RULE_SETTING_LEVELS, nearest_in_force, rule_set_scope
from ..errors import OperationError
from ..extensions import db
from ..formatting import format_date, parse_screen_date, parse_whole
from ..i18n import N_
from ..orgs.models import Organisation
from ..orgs.tree import subtree_on

COMMON = ("kind", "jurisdiction_id", "valid_from", "valid_to", "basis")
# The "Căn cứ" group: the regulation's parts (dossiers/citations.py), posted as citation-type, citation-number, …
CITATION_PARTS = ("type", "number", "date", "issuer", "subject")
CITATION_INPUTS = tuple(f"citation-{part}" for part in CITATION_PARTS)
ACTIONS = {"preview", "save", "edit"}

STATUS = {
    "in_force": N_("đang áp dụng"),
    "scheduled": N_("sắp áp dụng"),
    "replaced": N_("đã được thay thế"),
    "ended": N_("đã hết hiệu lực"),
}


def jurisdictions() -> list[Organisation]:
    """What the admin may choose: the organisations of their subtree at a level that sets rules and routes."""
    return [org for org in rule_set_scope(current_user) if org.level in RULE_SETTING_LEVELS]


def typed_common(form) -> dict:
    return {name: (form.get(name) or "").strip() for name in (*COMMON, *CITATION_INPUTS)}


def common_arguments(values: dict) -> tuple[dict, dict]:
    """The typed kind, jurisdiction, period, basis and citation as add_rule_set and add_route take them, and what
    the form itself can tell is wrong. A start date that is no date goes as None: the operation asks for one."""
    errors = {}
    valid_to = None
    if values["valid_to"]:
        valid_to = parse_screen_date(values["valid_to"])
        if valid_to is None:
            errors["valid_to"] = [gettext("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")]
    return {"kind": values["kind"], "jurisdiction_id": parse_whole(values["jurisdiction_id"]),
            "valid_from": parse_screen_date(values["valid_from"]) if values["valid_from"] else None,
            "valid_to": valid_to, "basis": values["basis"], "citation": _citation(values, errors)}, errors


def _citation(values: dict, errors: dict) -> dict | None:
    """The parts typed in the "Căn cứ" group (None when all are empty); a day that is no date is the form's error,
    and is left out for the operation to judge the rest."""
    typed = {part: values[f"citation-{part}"] for part in CITATION_PARTS if values.get(f"citation-{part}")}
    if not typed:
        return None
    if "date" in typed:
        day = parse_screen_date(typed.pop("date"))
        if day is None:
            errors["citation-date"] = [gettext("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")]
        # a day alone, mistyped, still asks for the rest of the citation
        typed["date"] = day
    return typed


def place_citation_errors(errors: dict) -> dict:
    """The operation's errors on the citation's parts ('citation.date') under their inputs ('citation-date')."""
    return {key.replace("citation.", "citation-", 1) if key.startswith("citation.") else key: messages
            for key, messages in errors.items()}


def citation_values(citation: dict | None) -> dict:
    """A stored citation as the group's inputs show it (the day as dd/mm/yyyy)."""
    citation = citation or {}
    return {f"citation-{part}": (format_date(citation.get(part)) if part == "date" else citation.get(part)) or ""
            for part in CITATION_PARTS}


def cited(citation: dict | None) -> str:
    """The words after "Căn cứ" (citations.cite) of a citation as add_rule_set/add_route take it, or ""."""
    return cite(parse_citation(citation)) if citation else ""


def cite_stored(citation: dict | None) -> str:
    """The words after "Căn cứ" of a stored citation, or ""."""
    return cite(citation) if citation else ""


def check_only(add, arguments: dict) -> dict:
    """The operation's verdict on the arguments, without keeping anything: the preview, and a form with problems of
    its own that should still show every other one in the same round."""
    try:
        add(current_user, **arguments)
    except OperationError as exc:
        return exc.errors or {"": [exc.message]}
    finally:
        db.session.rollback()
    return {}


def status(row, today: date) -> str:
    """A row of its jurisdiction: in force there today, replaced by a later one of the same jurisdiction, not yet
    started, or ended."""
    if row.valid_from > today:
        return "scheduled"
    if row.valid_to is not None and row.valid_to < today:
        return "ended"
    current = nearest_in_force(type(row), row.kind, row.jurisdiction, today)
    return "in_force" if current is not None and current.id == row.id else "replaced"


@dataclass
class Impact:
    """What a new rule set or route of `kind` for `jurisdiction` from `valid_from` affects."""

    replaced: object | None  # the row in force for the jurisdiction that day, before the new one
    inherited: bool  # the replaced row is a higher organisation's: the new one sets the jurisdiction's own
    organisations: int  # the jurisdiction and every unit under it today
    kept: int  # open dossiers of the kind under it, which keep what they were submitted under
    later: int  # dossiers of the kind under it that take the new one if (re)submitted from its start
    own_below: list[str]  # organisations under it with a row of their own that day, which the new one does not reach
    superseded_on: date | None  # a row of the same jurisdiction already set to start later takes over then


def impact(model, kind: str, jurisdiction: Organisation, valid_from: date, kept_condition, later_condition) -> Impact:
    today = clock.today()
    replaced = nearest_in_force(model, kind, jurisdiction, valid_from)
    below = subtree_on(jurisdiction, today)
    ids = [org.id for org in below]

    def count(condition) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Dossier).where(
            Dossier.kind == kind, Dossier.organisation_id.in_(ids), condition)) or 0

    own_below = db.session.scalars(
        sa.select(Organisation.name).join(model, model.jurisdiction_id == Organisation.id).where(
            model.kind == kind, model.jurisdiction_id.in_(ids[1:]), model.valid_from <= valid_from,
            sa.or_(model.valid_to.is_(None), model.valid_to >= valid_from))
        .distinct().order_by(Organisation.name)).all() if len(ids) > 1 else []
    superseded_on = db.session.scalar(sa.select(sa.func.min(model.valid_from)).where(
        model.kind == kind, model.jurisdiction_id == jurisdiction.id, model.valid_from > valid_from))
    return Impact(replaced=replaced, inherited=replaced is not None and replaced.jurisdiction_id != jurisdiction.id,
                  organisations=len(below), kept=count(kept_condition), later=count(later_condition),
                  own_below=list(own_below), superseded_on=superseded_on)


def period(row) -> str:
    if row.valid_to:
        return gettext("từ %(start)s đến %(end)s", start=format_date(row.valid_from), end=format_date(row.valid_to))
    return gettext("từ %(date)s", date=format_date(row.valid_from))
