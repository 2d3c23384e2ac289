"""Plans as an admin sets them up: a federation's plan for the unions under it, its kinds, phases and deadlines.

A plan is changed only before it opens. Once unions may answer it, its phases decide where their submissions fall
and which are flagged late, and its kinds which dossiers it covers: changing it then would rewrite that after the
fact. A plan that has opened by mistake is answered by a new plan, not edited."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext

from .. import clock
from ..audit.service import record, snapshot
from ..dossiers.kinds import KINDS
from ..dossiers.models import Dossier
from ..errors import Conflict, Forbidden, Invalid
from ..extensions import db
from ..formatting import CONTROL_CHARACTERS, format_date
from ..orgs.models import Organisation
from ..orgs.tree import subtree_on, taken_over
from .models import Campaign, CampaignPhase

TITLE_MAX = 300  # the columns' lengths (models.py)
NUMBER_MAX = 60
PHASE_NAME_MAX = 100
MAX_PHASES = 12  # a plan has two or three; a bound keeps a crafted form from adding thousands

FIELDS = ("title", "plan_number", "plan_date", "issuer_id", "kinds")


def plan_issuers(actor) -> list[Organisation]:
    """The organisations an admin may issue plans for: the upper ones of their subtree today (a grassroots union
    answers plans, it issues none)."""
    return [org for org in subtree_on(actor.organisation, clock.today()) if org.level != "grassroots"]


def plan_scope(actor) -> set[int]:
    """The issuers whose plans an admin administers: their subtree today and the organisations it took over, whose
    plans run on under their successors (campaigns_for)."""
    return taken_over(org.id for org in subtree_on(actor.organisation, clock.today()))


def locked_because(campaign: Campaign, day: date) -> str | None:
    """Why the plan can no longer be changed on `day` (translated), or None while it can."""
    first = campaign.phases[0] if campaign.phases else None
    if first is not None and first.starts_on is not None and first.starts_on <= day:
        return gettext("Kế hoạch đã bắt đầu nhận hồ sơ từ ngày %(day)s, không thể sửa nữa.",
                       day=format_date(first.starts_on))
    if first is not None and first.ends_on < day:
        return gettext("Đợt đầu của kế hoạch đã hết hạn ngày %(day)s, không thể sửa nữa.",
                       day=format_date(first.ends_on))
    # A union may choose a plan before its first phase starts, and a first phase without a start is open at once:
    # either way a dossier already answering it is what fixes the plan.
    if db.session.scalar(sa.select(Dossier.id).where(Dossier.campaign_id == campaign.id).limit(1)) is not None:
        return gettext("Đã có hồ sơ thuộc kế hoạch này, không thể sửa kế hoạch nữa.")
    return None


def create_campaign(actor, *, title, plan_number, plan_date, issuer_id, kinds, phases) -> Campaign:
    """A new plan issued by an upper organisation of the admin's subtree, with an audit row."""
    if getattr(actor, "role", None) != "admin":
        raise Forbidden(gettext("Chỉ quản trị hệ thống được tạo kế hoạch."))
    clean = _checked(actor, None, title=title, plan_number=plan_number, plan_date=plan_date, issuer_id=issuer_id,
                     kinds=kinds, phases=phases)
    campaign = Campaign(**{name: clean[name] for name in FIELDS},
                        phases=[CampaignPhase(**phase) for phase in clean["phases"]])
    db.session.add(campaign)
    db.session.flush()
    record(actor, "campaign.create", "campaign", campaign.id, campaign.issuer_id, before=None,
           after=audit_view(campaign))
    return campaign


def update_campaign(actor, campaign: Campaign, *, title, plan_number, plan_date, issuer_id, kinds,
                    phases) -> Campaign:
    """Replace what the plan says, before it opens; an audit row when anything changed."""
    if getattr(actor, "role", None) != "admin":
        raise Forbidden(gettext("Chỉ quản trị hệ thống được sửa kế hoạch."))
    if campaign.issuer_id not in plan_scope(actor):
        raise Forbidden(gettext("Kế hoạch này không thuộc phạm vi quản lý của bạn."))
    reason = locked_because(campaign, clock.today())
    if reason:
        raise Conflict(reason)
    clean = _checked(actor, campaign, title=title, plan_number=plan_number, plan_date=plan_date,
                     issuer_id=issuer_id, kinds=kinds, phases=phases)
    before = audit_view(campaign)
    for name in FIELDS:
        setattr(campaign, name, clean[name])
    if [_phase_view(p) for p in campaign.phases] != [_phase_json(**p) for p in clean["phases"]]:
        # No dossier points at these phases (the plan has not opened), so they are simply replaced.
        campaign.phases = [CampaignPhase(**phase) for phase in clean["phases"]]
    db.session.flush()
    db.session.expire(campaign, ["issuer"])  # loaded before: it would still name the former issuer
    after = audit_view(campaign)
    if after != before:
        record(actor, "campaign.update", "campaign", campaign.id, campaign.issuer_id, before=before, after=after)
    return campaign


def audit_view(campaign: Campaign) -> dict:
    """The plan as its audit rows store it (JSON: dates as ISO strings)."""
    return {**snapshot(campaign, FIELDS), "kinds": list(campaign.kinds or []),
            "phases": [_phase_view(phase) for phase in campaign.phases]}


def _phase_view(phase: CampaignPhase) -> dict:
    return _phase_json(phase.name, phase.starts_on, phase.ends_on)


def _phase_json(name: str, starts_on: date | None, ends_on: date) -> dict:
    return {"name": name, "starts_on": starts_on.isoformat() if starts_on else None, "ends_on": ends_on.isoformat()}


def _text(value, limit: int) -> str | None:
    """The value stripped, or None when it is not a string of 1 to `limit` characters."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if 0 < len(value) <= limit and not CONTROL_CHARACTERS.search(value) else None


def _checked(actor, campaign: Campaign | None, *, title, plan_number, plan_date, issuer_id, kinds,
             phases) -> dict:
    """The fields cleaned, or Invalid naming every problem at once (keys: a field, or phases.<i>.<field>)."""
    errors: dict[str, list[str]] = {}
    clean: dict = {"title": _text(title, TITLE_MAX), "plan_number": _text(plan_number, NUMBER_MAX)}
    if clean["title"] is None:
        errors["title"] = [gettext("Nhập tên kế hoạch (tối đa %(max)s ký tự).", max=TITLE_MAX)]
    if clean["plan_number"] is None:
        errors["plan_number"] = [gettext("Nhập số kế hoạch, ví dụ 120/KH-LĐLĐ (tối đa %(max)s ký tự).",
                                         max=NUMBER_MAX)]

    if not isinstance(plan_date, date):
        errors["plan_date"] = [gettext("Nhập ngày ban hành kế hoạch theo dạng dd/mm/yyyy.")]
    clean["plan_date"] = plan_date if isinstance(plan_date, date) else None

    issuer = next((org for org in plan_issuers(actor) if type(issuer_id) is int and org.id == issuer_id), None)
    if issuer is None:
        errors["issuer_id"] = [gettext("Chọn một tổ chức cấp trên thuộc phạm vi quản lý của bạn.")]
    clean["issuer_id"] = issuer.id if issuer else None

    if not isinstance(kinds, list | tuple) or not all(isinstance(code, str) for code in kinds):
        errors["kinds"] = [gettext("Chọn các loại hồ sơ trong danh sách.")]
    elif unknown := sorted(set(kinds) - set(KINDS)):
        errors["kinds"] = [gettext("Không có loại hồ sơ này: %(codes)s.", codes=", ".join(unknown))]
    else:
        clean["kinds"] = [code for code in KINDS if code in kinds]  # the registry's order, each once

    clean["phases"] = _checked_phases(phases, clean["plan_date"], errors)

    if not errors and _same_number_exists(campaign, clean):
        errors["plan_number"] = [gettext("Tổ chức này đã có kế hoạch số %(number)s trong năm %(year)s.",
                                         number=clean["plan_number"], year=clean["plan_date"].year)]
    if errors:
        raise Invalid(gettext("Kế hoạch chưa hợp lệ."), errors)
    return clean


def _checked_phases(phases, plan_date: date | None, errors: dict) -> list[dict]:
    """Each phase a name, an optional start and a deadline, in order without overlapping. Only the first may leave
    its start empty (open from the plan's issue): a later one without a start would be open alongside those
    before it, and a submission's phase would be ambiguous."""
    if not isinstance(phases, list | tuple) or not phases:
        errors["phases"] = [gettext("Cần ít nhất một đợt, mỗi đợt có tên và hạn nộp.")]
        return []
    if len(phases) > MAX_PHASES:
        errors["phases"] = [gettext("Một kế hoạch có tối đa %(max)s đợt.", max=MAX_PHASES)]
        return []
    invalid_date = gettext("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")
    clean, previous_end = [], None
    for i, phase in enumerate(phases):
        phase = phase if isinstance(phase, Mapping) else {}
        name = _text(phase.get("name"), PHASE_NAME_MAX)
        starts_on, ends_on = phase.get("starts_on"), phase.get("ends_on")
        key = f"phases.{i}."
        if name is None:
            errors[key + "name"] = [gettext("Nhập tên đợt (tối đa %(max)s ký tự).", max=PHASE_NAME_MAX)]
        if starts_on is not None and not isinstance(starts_on, date):
            errors[key + "starts_on"] = [invalid_date]
        elif starts_on is None and i > 0:
            errors[key + "starts_on"] = [gettext("Nhập ngày bắt đầu: chỉ đợt đầu tiên được để trống.")]
        elif starts_on is not None and previous_end is not None and starts_on <= previous_end:
            errors[key + "starts_on"] = [gettext("Đợt này phải bắt đầu sau hạn nộp của đợt trước (%(day)s).",
                                                 day=format_date(previous_end))]
        if ends_on is None:
            errors[key + "ends_on"] = [gettext("Nhập hạn nộp của đợt.")]
        elif not isinstance(ends_on, date):
            errors[key + "ends_on"] = [invalid_date]
        elif isinstance(starts_on, date) and ends_on < starts_on:
            errors[key + "ends_on"] = [gettext("Hạn nộp không được trước ngày bắt đầu của đợt.")]
        elif plan_date is not None and ends_on < plan_date:
            errors[key + "ends_on"] = [gettext("Hạn nộp không được trước ngày ban hành kế hoạch.")]
        elif previous_end is not None and ends_on <= previous_end:
            errors[key + "ends_on"] = [gettext("Hạn nộp phải sau hạn nộp của đợt trước (%(day)s).",
                                               day=format_date(previous_end))]
        if isinstance(ends_on, date):
            previous_end = ends_on
        clean.append({"name": name, "starts_on": starts_on, "ends_on": ends_on})
    return clean


def _same_number_exists(campaign: Campaign | None, clean: dict) -> bool:
    """Plans are numbered anew each year by their issuer: the same number in the same year is the same plan twice
    (a form sent twice)."""
    year = clean["plan_date"].year
    query = sa.select(Campaign.id).where(
        Campaign.issuer_id == clean["issuer_id"], Campaign.plan_number == clean["plan_number"],
        Campaign.plan_date.between(date(year, 1, 1), date(year, 12, 31)))
    if campaign is not None:
        query = query.where(Campaign.id != campaign.id)
    return db.session.scalar(query.limit(1)) is not None
