"""Which rule set judges a dossier: the kind's rule set in force on the submission date, from the nearest
organisation up the tree that has one (a province's own cap before the confederation's)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..orgs.models import Organisation
from .models import RuleSet


def rule_set_for(kind: str, organisation: Organisation, on: date) -> RuleSet | None:
    ancestors = [org.id for org in organisation.ancestors()]
    candidates = db.session.scalars(
        sa.select(RuleSet).where(
            RuleSet.kind == kind,
            RuleSet.jurisdiction_id.in_(ancestors),
            RuleSet.valid_from <= on,
            sa.or_(RuleSet.valid_to.is_(None), RuleSet.valid_to >= on),
        )
    ).all()
    if not candidates:
        return None
    return min(candidates, key=lambda r: (ancestors.index(r.jurisdiction_id), -r.valid_from.toordinal(), -r.id))
