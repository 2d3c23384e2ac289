"""Issuing the official report from a plan's report page; it is then read through the documents' download route
(dossiers.download, for the organisation and its parent: dossiers/visibility.can_read_report)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import OperationError
from ..transaction import unit_of_work
from . import bp, official
from .scope import scope_for


@bp.post("/campaigns/<int:campaign_id>/report/issue")
@login_required
def issue_official_report(campaign_id: int):
    """The user's organisation's report on the plan, for the phase chosen (none: the whole plan). A plan the user
    may not report on is not found (404)."""
    scope, _errors = scope_for(current_user, campaign_id, {"phase": request.form.get("phase", "")})
    back = redirect(url_for("reports.show", campaign_id=campaign_id,
                            phase=scope.phase.id if scope.phase is not None else None), 303)
    try:
        with unit_of_work():
            issued, waiting = official.issue_report(current_user, scope)
    except OperationError as exc:
        flash(exc.message, "error")
        return back
    if waiting is not None:
        flash(_("Đã trình ký: %(summary)s. Báo cáo được ban hành khi lãnh đạo ký.", summary=waiting.summary), "success")
    else:
        flash(_("Đã ban hành báo cáo số %(number)s và gửi %(recipient)s.", number=issued.document.number,
                recipient=issued.recipient.name) if issued.recipient is not None
              else _("Đã ban hành báo cáo số %(number)s.", number=issued.document.number), "success")
    return back
