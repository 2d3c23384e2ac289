"""Which report a request asks for, and whether the user may see it: the page, its exports and the API read the
same arguments here. A plan, phase or organisation the user may not report on is not found (404), never shown."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from werkzeug.exceptions import NotFound

from .. import clock
from ..campaigns.models import Campaign
from ..campaigns.service import campaigns_for
from ..dossiers.kinds import KINDS
from ..dossiers.visibility import viewer_of
from ..extensions import db
from ..formatting import MAX_ID, parse_screen_date, parse_whole
from ..orgs.models import Organisation
from ..orgs.tree import grouped_under
from .figures import Scope


def reportable_campaigns(user) -> list[Campaign]:
    """The plans the user's organisation answers (issued above it, campaigns_for), then those issued by the units
    under it today or by those they took over: a federation reports on its own plans and on its provinces'."""
    viewer = viewer_of(user)
    if viewer is None:
        return []
    above = campaigns_for(user.organisation)
    if viewer.owner_side:
        return above
    units = grouped_under(user.organisation_id, clock.today())
    below = db.session.scalars(
        sa.select(Campaign).where(Campaign.issuer_id.in_(sa.select(units.c.org_id)),
                                  Campaign.id.not_in([c.id for c in above]))
        .order_by(Campaign.plan_date.desc(), Campaign.id.desc())).all()
    return above + list(below)


def scope_for(user, campaign_id: int, args, *, iso_dates: bool = False) -> tuple[Scope, dict[str, str]]:
    """The report the arguments ask for (phase, kind, from, to, under), and the errors of those unreadable (left
    out, the rest applies). NotFound: no such plan, phase or organisation for this user."""
    viewer = viewer_of(user)
    campaign = next((c for c in reportable_campaigns(user) if c.id == campaign_id), None)
    if viewer is None or campaign is None:
        raise NotFound()
    errors: dict[str, str] = {}
    phase = None
    if args.get("phase"):
        phase = next((p for p in campaign.phases if str(p.id) == args.get("phase")), None)
        if phase is None:
            raise NotFound()
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        errors["kind"] = gettext("Không có loại hồ sơ này.")
        kind = None
    dates: dict[str, date | None] = {}
    for key in ("from", "to"):
        raw = (args.get(key) or "").strip()
        dates[key] = (_iso_date(raw) if iso_dates else parse_screen_date(raw)) if raw else None
        if raw and dates[key] is None:
            errors[key] = (gettext("Ngày không hợp lệ; dùng dạng YYYY-MM-DD.") if iso_dates
                           else gettext("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."))
    under = None
    if args.get("under") and not viewer.owner_side:
        under = _unit_below(user.organisation, args.get("under"))
        if under is None:
            raise NotFound()
    return Scope(viewer, campaign, phase, kind, dates["from"], dates["to"], under), errors


def _unit_below(organisation: Organisation, raw_id: str) -> Organisation | None:
    """The organisation of that id if it is under the user's today and acts today (a child's figures, on demand;
    one that ended is counted under whoever took it over)."""
    unit_id = parse_whole(raw_id)
    if unit_id is None or not 0 < unit_id <= MAX_ID:
        return None
    below = grouped_under(organisation.id, clock.today())
    if db.session.scalar(sa.select(below.c.org_id).where(below.c.org_id == unit_id).limit(1)) is None:
        return None
    unit = db.session.get(Organisation, unit_id)
    return unit if unit.valid_to is None or unit.valid_to >= clock.today() else None


def _iso_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
