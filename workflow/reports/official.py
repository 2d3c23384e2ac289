"""The official report on a plan (Báo cáo tổng kết, BC): an organisation's figures for the whole plan or one phase
(figures.py) issued as a document in the NĐ 30 layout, numbered in its sequence, and sent to its parent.

It is issued through the signing step like the organisation's other documents: where its set-up has every document
signed by its signer first, the report waits for that signature and is counted, numbered and dated on the day it is
signed (signing/step.py). The figures it printed are kept with it (CampaignReport.figures): a report never changes;
a corrected one is a new report for the same plan and phase, the newest being the current one.

The organisation that issued it and the one it was sent to read it (dossiers/visibility.can_read_report); the
parent's report page lists its children's reports beside its own figures (reports_for_page)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound as PageNotFound

from .. import clock
from ..campaigns.models import Campaign, CampaignPhase
from ..dossiers.kinds import KINDS
from ..dossiers.permissions import acts_today
from ..dossiers.visibility import viewer_of
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..notifications.service import notify
from ..orgs.models import LEVELS, Organisation
from ..orgs.tree import header_on
from ..pdf.issue import issue_document
from ..pdf.models import Document
from ..signing import step
from ..signing.models import OPEN, SigningRequest
from .charts import charts
from .figures import Figures, Report, Scope, asks_money, report
from .models import CampaignReport
from .scope import scope_for

TEMPLATE = "documents/report.html"


def may_issue(user) -> bool:
    """Staff of an upper organisation, or an officer of a grassroots union, while their organisation acts: each
    reports for their own organisation."""
    return viewer_of(user) is not None and acts_today(user)


def issue_report(actor, scope: Scope) -> tuple[CampaignReport | None, SigningRequest | None]:
    """Issue the actor's organisation's report on the scope's plan and phase: (the report, None); or, where the
    organisation's signer signs its documents, present it for signature: (None, the signing request)."""
    _check(actor, scope)
    phase_id = scope.phase.id if scope.phase is not None else None
    refuse_if_waiting(actor.organisation_id, scope.campaign.id, phase_id)  # said before anything is drafted
    return step.report(actor, scope.campaign.id, phase_id)


def refuse_if_waiting(organisation_id: int, campaign_id: int, phase_id: int | None) -> None:
    """Conflict when the organisation's report on this plan and phase already waits for signature (the signing
    step asks again, under its lock, before it presents another)."""
    waiting = _waiting_request(organisation_id, campaign_id, phase_id)
    if waiting is not None:
        raise Conflict(gettext("Báo cáo này đang chờ lãnh đạo ký (%(summary)s); không trình ký thêm một bản nữa.",
                               summary=waiting.summary))


def issue_now(actor, campaign_id: int, phase_id: int | None) -> CampaignReport:
    """The report issued today (the signing step runs this, again when the signer signs): counted, frozen,
    rendered, numbered and stored, its row added; in the caller's transaction."""
    scope = _scope_of(actor, campaign_id, phase_id)
    _check(actor, scope)
    counted = report(scope)
    figures = frozen_figures(counted)
    on = clock.today()
    organisation = actor.organisation
    recipient = organisation.parent_on(on)
    campaign = scope.campaign
    with force_locale("vi"):  # an official document is in Vietnamese, whoever issues it (pdf/render.py)
        drawn = [{"title": chart.title, "svg": chart.svg} for chart in charts(counted)]
    document = issue_document(
        doc_type=step.REPORT_TYPE, title=_title(campaign, scope.phase), issuer=header_on(organisation, on),
        template=TEMPLATE, actor_id=actor.id, on=on,
        context={"figures": figures, "charts": drawn, "recipient_name": recipient.name if recipient else None,
                 "plan_issuer": campaign.issuer.names_on(campaign.plan_date).name})
    issued = CampaignReport(organisation_id=organisation.id, campaign_id=campaign.id, phase_id=phase_id,
                            recipient_id=recipient.id if recipient else None, document=document, figures=figures,
                            issued_by_id=actor.id)
    db.session.add(issued)
    db.session.flush()
    if recipient is not None:
        notify("report_received", "staff", recipient.id,
               {"org": organisation.name, "number": document.number, "plan": campaign.plan_number},
               campaign_id=campaign.id)
    return issued


def _check(actor, scope: Scope) -> None:
    if not may_issue(actor):
        raise Forbidden(gettext("Bạn không được ban hành báo cáo của đơn vị."))
    if (scope.under is not None or scope.kind or scope.submitted_from or scope.submitted_to
            or scope.viewer.org_id != actor.organisation_id):
        raise Invalid(gettext("Báo cáo tổng kết là báo cáo của chính đơn vị, cho cả kế hoạch hoặc một đợt."))


def _scope_of(actor, campaign_id: int, phase_id: int | None) -> Scope:
    """The report's scope as the actor's report page reads it (reports/scope.py), for the signing step, which
    keeps plain ids: the plan may no longer be the actor's to report on when the signer signs."""
    try:
        scope, _ = scope_for(actor, campaign_id, {"phase": str(phase_id) if phase_id is not None else ""})
    except PageNotFound:
        raise NotFound(gettext("Không tìm thấy kế hoạch.")) from None
    return scope


def _waiting_request(organisation_id: int, campaign_id: int, phase_id: int | None) -> SigningRequest | None:
    """The organisation's report on this plan and phase presented for signature and not yet signed or sent back."""
    return next((r for r in _open_requests(organisation_id)
                 if r.params.get("campaign_id") == campaign_id and r.params.get("phase_id") == phase_id), None)


def _open_requests(organisation_id: int) -> list[SigningRequest]:
    return db.session.scalars(sa.select(SigningRequest).where(
        SigningRequest.organisation_id == organisation_id, SigningRequest.operation == step.REPORT,
        SigningRequest.state.in_(OPEN)).order_by(SigningRequest.id)).all()


def _title(campaign: Campaign, phase: CampaignPhase | None) -> str:
    """"Báo cáo tổng kết thực hiện Kế hoạch số 120/KH-LĐLĐ ngày 15/09/2025 – Đợt I" (Document.title, the queue)."""
    return f"Báo cáo tổng kết thực hiện Kế hoạch số {campaign.reference}" + (f" – {phase.name}" if phase else "")


# --- the figures as issued ------------------------------------------------------------------------------------

def _counts(figures: Figures) -> dict:
    return {**figures.counts, "requested_vnd": figures.requested_vnd, "granted_vnd": figures.granted_vnd}


def frozen_figures(counted: Report) -> dict:
    """The figures the document prints, as plain JSON values, with the names they had that day: what the report
    keeps (CampaignReport.figures) and what its template reads, so that the two cannot differ. Each row holds
    the counts of figures.COUNTS, requested_vnd and granted_vnd."""
    scope = counted.scope
    return {
        "organisation": {"id": counted.organisation.id, "name": counted.organisation.name},
        "campaign": {"id": scope.campaign.id, "title": scope.campaign.title, "number": scope.campaign.plan_number,
                     "date": scope.campaign.plan_date.isoformat()},
        "phase": ({"id": scope.phase.id, "name": scope.phase.name, "ends_on": scope.phase.ends_on.isoformat()}
                  if scope.phase is not None else None),
        "by_unit": not scope.viewer.owner_side,  # a grassroots union's report has no units below it
        "kinds": [{"code": code, "title": KINDS[code].short_title,
                   "money": asks_money(code), **_counts(counted.by_kind[code])}
                  for code in counted.kinds],
        "units": [{"id": group.id, "name": group.name, **_counts(counted.by_group[group.id])}
                  for group in counted.groups],
        "total": _counts(counted.total),
        "levels": [{"code": level, "name": LEVELS[level]} for level in counted.levels],
        # per kind, then every kind (kind None) in the last row
        "days": [{"kind": kind, "title": KINDS[kind].short_title if kind else None,
                  "levels": {level: {"median": days.median, "dossiers": days.dossiers}
                             for level, days in counted.days_at_level[kind].items()}}
                 for kind in (*counted.kinds, None) if kind in counted.days_at_level],
    }


# --- the report page ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListedReport:
    report: CampaignReport
    current: bool  # the newest of its organisation for its plan and phase; an older one was corrected by it


@dataclass(frozen=True)
class OfficialReports:
    """What templates/reports/_official.html shows on a plan's report page."""

    may_issue: bool
    phase: CampaignPhase | None  # the page's phase: the one a report issued from it covers (None: the whole plan)
    recipient: Organisation | None  # where a report issued today goes: the organisation's parent
    issued: list[ListedReport]  # the user's organisation's reports on the plan, newest first
    waiting: list[SigningRequest]  # its reports presented for signature, not signed yet
    received: list[ListedReport]  # those its child organisations sent it on the plan, newest first


def reports_for_page(user, campaign: Campaign, phase: CampaignPhase | None) -> dict:
    """The template context the report page needs for the official reports: {"official_reports": …}."""
    viewer = viewer_of(user)
    if viewer is None:
        return {"official_reports": OfficialReports(False, phase, None, [], [], [])}
    issued = _listed(CampaignReport.organisation_id.in_(viewer.org_ids), campaign)
    received = _listed(CampaignReport.recipient_id.in_(viewer.org_ids), campaign)
    waiting = [r for r in _open_requests(user.organisation_id) if r.params.get("campaign_id") == campaign.id]
    recipient = user.organisation.parent_on(clock.today())
    return {"official_reports": OfficialReports(may_issue(user), phase, recipient, issued, waiting, received)}


def _listed(condition, campaign: Campaign) -> list[ListedReport]:
    rows = db.session.scalars(
        sa.select(CampaignReport).where(condition, CampaignReport.campaign_id == campaign.id)
        .options(selectinload(CampaignReport.organisation), selectinload(CampaignReport.phase),
                 selectinload(CampaignReport.document).selectinload(Document.signatures),
                 selectinload(CampaignReport.document).selectinload(Document.signed_by))
        .order_by(CampaignReport.id.desc())).all()
    seen: set[tuple[int, int | None]] = set()
    listed = []
    for row in rows:
        key = (row.organisation_id, row.phase_id)
        listed.append(ListedReport(row, key not in seen))
        seen.add(key)
    return listed
